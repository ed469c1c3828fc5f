//! User address spaces: a TTBR0 tree, an ASID, and the regions the user may touch.
//!
//! A region may be reserved without pages: the first access (from EL0, or from uaccess)
//! faults, and [`AddressSpace::handle_fault`] puts a zeroed frame there.

use super::asid::AsidAllocator;
use super::linear_tables::runtime_tables;
use super::page_table::{Attributes, Granularity, PAGE_SIZE, PageTable};
use super::{USER_TOP, frames, phys_to_virt};
use crate::arch::aarch64::{mmu, pan};
use crate::errno::{EEXIST, EINVAL, ENOMEM, Errno};
use crate::sync::IrqMutex;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Range;

static ASIDS: IrqMutex<AsidAllocator> = IrqMutex::new(AsidAllocator::new());
static CURRENT: IrqMutex<Option<Arc<AddressSpace>>> = IrqMutex::new(None);

/// Sets the ASID width. Once, at boot.
pub fn init(asid_bits: u32) {
    ASIDS.lock().init(asid_bits);
}

/// What a region allows the user to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Protection {
    pub write: bool,
    pub execute: bool,
}

impl Protection {
    pub const READ_ONLY: Self = Self {
        write: false,
        execute: false,
    };
    pub const READ_WRITE: Self = Self {
        write: true,
        execute: false,
    };
    pub const READ_EXECUTE: Self = Self {
        write: false,
        execute: true,
    };
}

/// The access that faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// Why a fault could not be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultError {
    /// No region covers the address.
    Unmapped,
    /// The region does not allow the access (or the page is present and still faulted).
    Denied,
    /// No frame to put there.
    OutOfMemory,
}

struct Region {
    range: Range<usize>,
    protection: Protection,
}

struct Inner {
    root: usize,
    regions: Vec<Region>,
}

pub struct AddressSpace {
    asid: u16,
    inner: IrqMutex<Inner>,
}

impl AddressSpace {
    /// An empty address space with its own ASID.
    pub fn new() -> Result<Arc<Self>, Errno> {
        let asid = ASIDS.lock().allocate().map_err(|_| ENOMEM)?;
        let Ok(root) = frames::allocate_zeroed() else {
            ASIDS.lock().free(asid);
            return Err(ENOMEM);
        };
        Ok(Arc::new(Self {
            asid,
            inner: IrqMutex::new(Inner {
                root,
                regions: Vec::new(),
            }),
        }))
    }

    /// The TTBR0_EL1 value that selects this address space: table and ASID.
    pub fn ttbr0(&self) -> u64 {
        self.inner.lock().root as u64 | (u64::from(self.asid) << 48)
    }

    /// Makes `range` usable with `protection`, without backing it with memory yet.
    pub fn reserve(&self, range: Range<usize>, protection: Protection) -> Result<(), Errno> {
        let page_aligned =
            range.start.is_multiple_of(PAGE_SIZE) && range.end.is_multiple_of(PAGE_SIZE);
        if !page_aligned || range.is_empty() || range.end > USER_TOP {
            return Err(EINVAL);
        }
        let mut inner = self.inner.lock();
        if inner
            .regions
            .iter()
            .any(|r| r.range.start < range.end && range.start < r.range.end)
        {
            return Err(EEXIST);
        }
        inner.regions.push(Region { range, protection });
        Ok(())
    }

    /// Serves a fault at `address`: maps a zeroed page if a region allows `access` there.
    pub fn handle_fault(&self, address: usize, access: Access) -> Result<(), FaultError> {
        let inner = self.inner.lock();
        let protection = inner
            .regions
            .iter()
            .find(|r| r.range.contains(&address))
            .ok_or(FaultError::Unmapped)?
            .protection;
        let allowed = match access {
            Access::Read => true,
            Access::Write => protection.write,
        };
        if !allowed {
            return Err(FaultError::Denied);
        }
        let page = address & !(PAGE_SIZE - 1);
        let mut memory = runtime_tables();
        let mut table = PageTable::at(inner.root, &mut memory);
        if table.translate(page).is_some() {
            return Err(FaultError::Denied);
        }
        let frame = frames::allocate_zeroed().map_err(|_| FaultError::OutOfMemory)?;
        let attributes = Attributes::user(protection.write, protection.execute);
        if table
            .map(page, frame, PAGE_SIZE, attributes, Granularity::Pages)
            .is_err()
        {
            let _ = frames::deallocate(frame);
            return Err(FaultError::OutOfMemory);
        }
        drop(inner);
        mmu::publish_table_update();
        Ok(())
    }

    /// Backs every page of `range` now, as the first read of each would.
    pub fn populate(&self, range: Range<usize>) -> Result<(), FaultError> {
        for page in range.step_by(PAGE_SIZE) {
            if self.kernel_alias(page).is_none() {
                self.handle_fault(page, Access::Read)?;
            }
        }
        Ok(())
    }

    /// The kernel's linear-map address of the byte at user `address`, if its page is present:
    /// for loading programs and for tests that check user memory independently of uaccess.
    pub fn kernel_alias(&self, address: usize) -> Option<usize> {
        let root = self.inner.lock().root;
        let mut memory = runtime_tables();
        let (pa, _) = PageTable::at(root, &mut memory).translate(address)?;
        Some(phys_to_virt(pa))
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        let root = self.inner.lock().root;
        let mut memory = runtime_tables();
        PageTable::at(root, &mut memory).destroy(|pa| {
            frames::deallocate(pa).expect("address-space frames are allocated frames");
        });
        mmu::flush_tlb_asid(self.asid);
        ASIDS.lock().free(self.asid);
    }
}

/// Makes `space` the user address space of this CPU (`None`: no user mappings at all).
pub fn switch_to(space: Option<Arc<AddressSpace>>) {
    pan::set_user_ttbr0(space.as_ref().map(|s| s.ttbr0()));
    *CURRENT.lock() = space;
}

pub fn current() -> Option<Arc<AddressSpace>> {
    CURRENT.lock().clone()
}
