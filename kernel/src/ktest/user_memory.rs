//! A user address space laid out for the uaccess tests, current while the fixture lives.
//!
//! ```text
//! READ_WRITE   32 pages RW, populated with `pattern`   then an unmapped page (HOLE)
//! BEFORE_RO    32 pages RW, populated with `pattern`   then READ_ONLY: 1 page RO (0xee)
//! LAZY         16 pages RW, reserved, not populated
//! EXECUTABLE    1 page RX, holding a `ret`
//! ```

use super::{OrFail, TestError};
use crate::mm::address_space::{self, AddressSpace, Protection};
use crate::mm::page_table::PAGE_SIZE;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Range;

pub const READ_WRITE: usize = 0x0010_0000;
pub const HOLE: usize = READ_WRITE + 32 * PAGE_SIZE;
pub const BEFORE_RO: usize = 0x0020_0000;
pub const READ_ONLY: usize = BEFORE_RO + 32 * PAGE_SIZE;
pub const LAZY: usize = 0x0030_0000;
pub const LAZY_PAGES: usize = 16;
pub const EXECUTABLE: usize = 0x0040_0000;
/// What the read-only page holds.
pub const READ_ONLY_BYTE: u8 = 0xee;
/// `ret`, to be jumped to.
const RET: u32 = 0xd65f_03c0;

/// The byte the populated RW areas hold at user address `address`.
pub fn pattern(address: usize) -> u8 {
    (address.wrapping_mul(31) >> 3) as u8 | 1
}

pub struct UserMemory {
    pub space: Arc<AddressSpace>,
}

impl UserMemory {
    pub fn new() -> Result<Self, TestError> {
        let space = AddressSpace::new().or_fail("new address space")?;
        let rw = Protection::READ_WRITE;
        for (start, pages, protection) in [
            (READ_WRITE, 32, rw),
            (BEFORE_RO, 32, rw),
            (READ_ONLY, 1, Protection::READ_ONLY),
            (LAZY, LAZY_PAGES, rw),
            (EXECUTABLE, 1, Protection::READ_EXECUTE),
        ] {
            space
                .reserve(start..start + pages * PAGE_SIZE, protection)
                .or_fail("reserve")?;
        }
        let memory = Self { space };
        for area in [READ_WRITE..HOLE, BEFORE_RO..READ_ONLY] {
            memory.space.populate(area.clone()).or_fail("populate")?;
            memory.fill(area, pattern)?;
        }
        memory
            .space
            .populate(READ_ONLY..READ_ONLY + PAGE_SIZE)
            .or_fail("populate")?;
        memory.fill(READ_ONLY..READ_ONLY + PAGE_SIZE, |_| READ_ONLY_BYTE)?;
        memory
            .space
            .populate(EXECUTABLE..EXECUTABLE + PAGE_SIZE)
            .or_fail("populate")?;
        memory.write(EXECUTABLE, &RET.to_le_bytes())?;
        address_space::switch_to(Some(memory.space.clone()));
        Ok(memory)
    }

    /// The present user bytes in `range`, page by page: (user address, kernel alias, length).
    fn pages(&self, range: Range<usize>) -> Result<Vec<(usize, usize, usize)>, TestError> {
        let mut pieces = Vec::new();
        let mut address = range.start;
        while address < range.end {
            let end = range.end.min((address | (PAGE_SIZE - 1)) + 1);
            let alias = self.space.kernel_alias(address).ok_or_else(|| {
                TestError::Failed(alloc::format!("user page {address:#x} is not present"))
            })?;
            pieces.push((address, alias, end - address));
            address = end;
        }
        Ok(pieces)
    }

    /// Sets user bytes through the kernel's linear map, bypassing uaccess.
    pub fn fill(
        &self,
        range: Range<usize>,
        byte_at: impl Fn(usize) -> u8,
    ) -> Result<(), TestError> {
        for (start, alias, len) in self.pages(range)? {
            for offset in 0..len {
                // SAFETY: the alias is this address space's frame in the linear map.
                unsafe { ((alias + offset) as *mut u8).write(byte_at(start + offset)) };
            }
        }
        Ok(())
    }

    pub fn write(&self, address: usize, bytes: &[u8]) -> Result<(), TestError> {
        self.fill(address..address + bytes.len(), |a| bytes[a - address])
    }

    /// Reads user bytes through the kernel's linear map, bypassing uaccess.
    pub fn read(&self, range: Range<usize>) -> Result<Vec<u8>, TestError> {
        let mut bytes = Vec::with_capacity(range.len());
        for (_, alias, len) in self.pages(range)? {
            // SAFETY: as in `fill`.
            bytes
                .extend_from_slice(unsafe { core::slice::from_raw_parts(alias as *const u8, len) });
        }
        Ok(bytes)
    }

    /// Whether the page holding `address` has a frame.
    pub fn is_present(&self, address: usize) -> bool {
        self.space.kernel_alias(address).is_some()
    }
}

impl Drop for UserMemory {
    fn drop(&mut self) {
        address_space::switch_to(None);
    }
}
