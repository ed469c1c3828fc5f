//! User address spaces: a TTBR0 tree, an ASID, and the regions the user may touch.
//!
//! Regions are reserved without pages: the first access (from EL0, or from uaccess) faults
//! and [`AddressSpace::handle_fault`] puts a frame there, zeroed or filled from the file the
//! region maps (see backing.rs), or read back from swap (see swapping.rs). `fork` shares every
//! present page read-only between parent and child; the first write copies it (copy-on-write).

mod locking;
mod swapping;

pub use locking::{FutureLocks, decode_lock_all};
pub use swapping::Victim;

use super::asid::{Asid, AsidAllocator};
use super::backing::Backing;
use super::linear_tables::runtime_tables;
use super::page_table::{Attributes, Leaf, MemoryType, PAGE_SIZE, PageTable, TableMemory};
pub use super::protection::Protection;
use super::swap::areas::{self, Slot};
use super::swap::reclaim;
use super::{USER_TOP, frames, phys_to_virt};
use crate::arch::aarch64::{mmu, pan};
use crate::errno::{EACCES, EEXIST, EINVAL, ENOMEM, Errno};
use crate::sync::IrqMutex;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Range;

static ASIDS: IrqMutex<AsidAllocator> = IrqMutex::new(AsidAllocator::new());
/// Most regions one address space may have (kernel heap is finite; Linux's limit is a
/// sysctl, vm.max_map_count).
const MAX_REGIONS: usize = 1024;
static CURRENT: IrqMutex<Option<Arc<AddressSpace>>> = IrqMutex::new(None);

/// Sets the ASID width. Once, at boot.
pub fn init(asid_bits: u32) {
    ASIDS.lock().init(1 << asid_bits);
}

/// Uses only `count` ASIDs from now on, so tests can run through generations quickly.
#[cfg(feature = "ktest")]
pub fn limit_asids(count: usize) {
    ASIDS.lock().init(count);
    mmu::flush_tlb_all();
}

/// The access that faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Execute,
}

/// Why a fault could not be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultError {
    /// No region covers the address.
    Unmapped,
    /// The region does not allow the access.
    Denied,
    /// No frame to put there.
    OutOfMemory,
    /// The page lies wholly past the end of the file the region maps.
    BeyondFile,
    /// The page is swapped out and could not be read back (a disk error, or a caller that
    /// may not sleep while the swap I/O lock is held).
    SwapIo,
}

#[derive(Clone)]
struct Region {
    range: Range<usize>,
    protection: Protection,
    backing: Backing,
    /// mlock: its pages stay present.
    locked: bool,
}

struct Inner {
    root: usize,
    /// Sorted by address, never overlapping.
    regions: Vec<Region>,
    future_locks: FutureLocks,
}

pub struct AddressSpace {
    /// Assigned when the space is first installed, renewed after a generation change.
    asid: IrqMutex<Option<Asid>>,
    inner: IrqMutex<Inner>,
}

fn page_aligned(range: &Range<usize>) -> bool {
    range.start.is_multiple_of(PAGE_SIZE) && range.end.is_multiple_of(PAGE_SIZE)
}

fn pages(range: Range<usize>) -> impl Iterator<Item = usize> {
    range.step_by(PAGE_SIZE)
}

impl Inner {
    fn region(&self, address: usize) -> Option<&Region> {
        self.regions.iter().find(|r| r.range.contains(&address))
    }

    /// Whether regions cover all of `range`, without a gap.
    fn covers(&self, range: &Range<usize>) -> bool {
        let mut covered = range.start;
        for region in self
            .regions
            .iter()
            .filter(|r| r.range.end > range.start && r.range.start < range.end)
        {
            if region.range.start > covered {
                return false;
            }
            covered = region.range.end;
        }
        covered >= range.end
    }

    fn overlaps(&self, range: &Range<usize>) -> bool {
        self.regions
            .iter()
            .any(|r| r.range.start < range.end && range.start < r.range.end)
    }

    /// Cuts regions at `range`'s ends, so it is covered by whole regions.
    fn split_at_edges(&mut self, range: &Range<usize>) {
        for cut in [range.start, range.end] {
            if let Some(i) = self
                .regions
                .iter()
                .position(|r| r.range.start < cut && cut < r.range.end)
            {
                let head = &self.regions[i];
                let tail = Region {
                    range: cut..head.range.end,
                    protection: head.protection,
                    backing: head.backing.advanced(cut - head.range.start),
                    locked: head.locked,
                };
                self.regions[i].range.end = cut;
                self.regions.insert(i + 1, tail);
            }
        }
    }

    fn insert(&mut self, region: Region) {
        let at = self
            .regions
            .partition_point(|r| r.range.start < region.range.start);
        self.regions.insert(at, region);
    }
}

impl AddressSpace {
    /// An empty address space.
    pub fn new() -> Result<Arc<Self>, Errno> {
        let root = frames::allocate_zeroed().map_err(|_| ENOMEM)?;
        let space = Arc::new(Self {
            asid: IrqMutex::new(None),
            inner: IrqMutex::new(Inner {
                root,
                regions: Vec::new(),
                future_locks: FutureLocks::None,
            }),
        });
        reclaim::register(&space);
        Ok(space)
    }

    /// The TTBR0_EL1 value that installs this address space (table and ASID), giving it
    /// an ASID of the current generation first if it has none.
    fn ttbr0_for_install(&self) -> u64 {
        let mut asid = self.asid.lock();
        let mut asids = ASIDS.lock();
        let number = match *asid {
            Some(current) if asids.is_current(current) => current.number,
            _ => {
                let (fresh, new_generation) = asids.allocate();
                if new_generation {
                    mmu::flush_tlb_all();
                }
                *asid = Some(fresh);
                fresh.number
            }
        };
        self.inner.lock().root as u64 | (u64::from(number) << 48)
    }

    /// Drops every cached translation of this address space, walk caches included.
    fn flush_all(&self) {
        let asid = *self.asid.lock();
        if let Some(asid) = asid.filter(|a| ASIDS.lock().is_current(*a)) {
            mmu::flush_tlb_asid(asid.number);
        }
    }

    /// Drops any cached translation of user page `page`. Without a current ASID the space
    /// has not run since the last flush of everything, so nothing is cached.
    fn flush_page(&self, page: usize) {
        let asid = *self.asid.lock();
        if let Some(asid) = asid.filter(|a| ASIDS.lock().is_current(*a)) {
            mmu::flush_tlb_user_page(asid.number, page);
        }
    }

    /// Makes `range` usable with `protection`, without backing it with memory yet: its pages
    /// read as zeroes.
    pub fn reserve(&self, range: Range<usize>, protection: Protection) -> Result<(), Errno> {
        self.reserve_backed(range, protection, Backing::Zero)
    }

    /// Makes `range` usable with `protection`, its pages made from `backing` when touched.
    pub fn reserve_backed(
        &self,
        range: Range<usize>,
        protection: Protection,
        backing: Backing,
    ) -> Result<(), Errno> {
        if !page_aligned(&range) || range.is_empty() || range.end > USER_TOP {
            return Err(EINVAL);
        }
        let mut inner = self.inner.lock();
        if inner.overlaps(&range) {
            return Err(EEXIST);
        }
        if inner.regions.len() >= MAX_REGIONS {
            return Err(ENOMEM);
        }
        let future_locks = inner.future_locks;
        inner.insert(Region {
            range: range.clone(),
            protection,
            backing,
            locked: future_locks != FutureLocks::None,
        });
        drop(inner);
        if future_locks == FutureLocks::Present {
            // As Linux's mmap under MCL_FUTURE: what cannot be made present yet will be on
            // its first touch.
            let _ = self.make_present(range);
        }
        Ok(())
    }

    /// Whether nothing is mapped in `range`.
    /// The regions, in address order, with their protections (/proc/self/maps).
    pub fn regions(&self) -> Vec<(Range<usize>, Protection)> {
        let inner = self.inner.lock();
        inner
            .regions
            .iter()
            .map(|region| (region.range.clone(), region.protection))
            .collect()
    }

    /// What the region holding `address` maps there and on (mremap grows and moves a
    /// mapping with it).
    pub fn backing_at(&self, address: usize) -> Option<Backing> {
        let inner = self.inner.lock();
        let region = inner.region(address)?;
        Some(region.backing.advanced(address - region.range.start))
    }

    /// The protection all of `range` has, if regions cover it and agree (mremap).
    pub fn uniform_protection(&self, range: &Range<usize>) -> Option<Protection> {
        let inner = self.inner.lock();
        if !inner.covers(range) {
            return None;
        }
        let mut overlapping = inner
            .regions
            .iter()
            .filter(|r| r.range.end > range.start && r.range.start < range.end)
            .map(|r| r.protection);
        let first = overlapping.next()?;
        overlapping.all(|p| p == first).then_some(first)
    }

    /// Copies the mapping `from` to the free range at `to` of `len` bytes (at least as long):
    /// present pages are copied, the others are left to be faulted in there from the same
    /// backing (mremap, which then unmaps or empties `from`).
    pub fn copy_mapping(
        &self,
        from: Range<usize>,
        to: usize,
        len: usize,
        protection: Protection,
    ) -> Result<(), Errno> {
        let backing = self.backing_at(from.start).unwrap_or(Backing::Zero);
        // A shared mapping's pages come back from the file at the new place.
        if backing.is_shared() {
            return self.reserve_backed(to..to + len, protection, backing);
        }
        self.reserve_backed(to..to + len, protection, backing)?;
        let mut contents = alloc::vec![0u8; PAGE_SIZE];
        for page in pages(from.clone()) {
            // Back from swap first, page by page: copying the last page may swap out the next.
            if let Leaf::Swapped(slot) = self.leaf(page) {
                self.swap_in(page, Slot(slot)).map_err(|_| ENOMEM)?;
            }
            if let Some(alias) = self.kernel_alias(page) {
                // SAFETY: the page is present in this address space, a whole frame.
                unsafe {
                    core::ptr::copy_nonoverlapping(
                        alias as *const u8,
                        contents.as_mut_ptr(),
                        PAGE_SIZE,
                    )
                };
                self.write_bytes(to + (page - from.start), &contents)
                    .map_err(|_| ENOMEM)?;
            }
        }
        Ok(())
    }

    /// Whether regions cover every page of `range` (msync, madvise).
    pub fn is_mapped(&self, range: &Range<usize>) -> bool {
        self.inner.lock().covers(range)
    }

    pub fn is_free(&self, range: &Range<usize>) -> bool {
        range.end <= USER_TOP && !self.inner.lock().overlaps(range)
    }

    /// The highest free range of `len` bytes ending at or below `top`, as Linux's top-down
    /// mmap layout picks it (so a hole just unmapped is not the first thing reused).
    pub fn find_free_below(&self, top: usize, len: usize) -> Option<usize> {
        let inner = self.inner.lock();
        let mut end = top;
        for region in inner.regions.iter().rev().filter(|r| r.range.start < top) {
            if region.range.end <= end && end - region.range.end >= len {
                return Some(end - len);
            }
            end = end.min(region.range.start);
        }
        end.checked_sub(len)
            .filter(|start| *start >= super::MIN_USER_ADDRESS)
    }

    /// Removes `range` from the address space, freeing its pages (munmap).
    pub fn unmap(&self, range: Range<usize>) -> Result<(), Errno> {
        if !page_aligned(&range) || range.end > USER_TOP {
            return Err(EINVAL);
        }
        let mut inner = self.inner.lock();
        inner.split_at_edges(&range);
        inner
            .regions
            .retain(|r| !(range.start <= r.range.start && r.range.end <= range.end));
        self.release_pages(&inner, range);
        Ok(())
    }

    /// Frees the pages of `range` but keeps its regions: touched again, they are made anew
    /// from the backing (madvise's MADV_DONTNEED). ENOMEM if part of the range is not mapped,
    /// after the mapped parts are done, and EINVAL for locked pages, as Linux does.
    pub fn discard(&self, range: Range<usize>) -> Result<(), Errno> {
        if !page_aligned(&range) || range.end > USER_TOP {
            return Err(EINVAL);
        }
        let inner = self.inner.lock();
        let overlaps = |r: &&Region| r.range.start < range.end && range.start < r.range.end;
        if inner.regions.iter().filter(overlaps).any(|r| r.locked) {
            return Err(EINVAL);
        }
        let covered = inner.covers(&range);
        self.release_pages(&inner, range);
        if covered { Ok(()) } else { Err(ENOMEM) }
    }

    /// Unmaps the pages of `range`, freeing their frames and swap slots, and the tables left
    /// empty.
    fn release_pages(&self, inner: &Inner, range: Range<usize>) {
        let root = inner.root;
        let mut memory = runtime_tables();
        let mut table = PageTable::at(root, &mut memory);
        for (page, leaf) in table.leaves(range.clone()) {
            if let Leaf::Present { .. } = leaf {
                let _ = table.unmap_page(page);
                self.flush_page(page);
            }
            release(&mut table, page, leaf);
        }
        // Tables left empty go too (as Linux's free_pgtables), after the walk caches forget them.
        let mut emptied = Vec::new();
        if table.release_empty_tables(range, |frame| emptied.push(frame)) {
            self.flush_all();
        }
        for frame in emptied {
            frames::deallocate(frame).expect("table frames are allocated frames");
        }
    }

    /// Changes the protection of `range`, which must be wholly mapped (mprotect).
    pub fn protect(&self, range: Range<usize>, protection: Protection) -> Result<(), Errno> {
        if !page_aligned(&range) || range.end > USER_TOP {
            return Err(EINVAL);
        }
        let mut inner = self.inner.lock();
        if !inner.covers(&range) {
            return Err(ENOMEM);
        }
        let within = |r: &Region| range.start < r.range.end && r.range.start < range.end;
        let write_refused = |r: &Region| !r.backing.may_become_writable();
        if protection.write && inner.regions.iter().any(|r| within(r) && write_refused(r)) {
            return Err(EACCES);
        }
        inner.split_at_edges(&range);
        for region in inner
            .regions
            .iter_mut()
            .filter(|r| range.start <= r.range.start && r.range.end <= range.end)
        {
            region.protection = protection;
        }
        let root = inner.root;
        let mut memory = runtime_tables();
        let mut table = PageTable::at(root, &mut memory);
        for (page, leaf) in table.leaves(range) {
            let Leaf::Present { .. } = leaf else {
                continue;
            };
            let Some(frame) = leaf.ram_frame() else {
                // Device memory is mapped again, with the new protection, when next touched.
                let _ = table.unmap_page(page);
                self.flush_page(page);
                continue;
            };
            // A page shared copy-on-write stays read-only until the copy-on-write fault; one
            // a shared mapping shares is written in place.
            let shared_mapping = inner.region(page).is_some_and(|r| r.backing.is_shared());
            let effective = Protection {
                write: protection.write && (shared_mapping || !frames::is_shared(frame)),
                ..protection
            };
            table
                .set_page(page, frame, Attributes::user(effective))
                .map_err(|_| ENOMEM)?;
            self.flush_page(page);
            if protection.execute {
                mmu::sync_instruction_cache(phys_to_virt(frame), PAGE_SIZE);
            }
        }
        Ok(())
    }

    /// Serves a fault at `address`: maps a page (zeroed, or the mapped file's), or copies a
    /// shared page on a write, if a region allows `access` there.
    pub fn handle_fault(&self, address: usize, access: Access) -> Result<(), FaultError> {
        if reclaim::memory_low() && self.fault_takes_a_frame(address, access) {
            reclaim::reclaim_batch();
        }
        let inner = self.inner.lock();
        let region = inner.region(address).ok_or(FaultError::Unmapped)?;
        let protection = region.protection;
        let allowed = match access {
            Access::Read => protection.read,
            Access::Write => protection.write,
            Access::Execute => protection.execute,
        };
        if !allowed {
            return Err(FaultError::Denied);
        }
        let page = address & !(PAGE_SIZE - 1);
        let mut memory = runtime_tables();
        let mut table = PageTable::at(inner.root, &mut memory);
        let device = matches!(region.backing, Backing::Device { .. });
        let attributes = if device {
            Attributes::user_uncached(protection)
        } else {
            Attributes::user(protection)
        };
        let present = match table.leaf(page) {
            Leaf::Absent => None,
            Leaf::Swapped(slot) => {
                drop(inner);
                return self.swap_in(page, Slot(slot));
            }
            // Touched since the clock cleared the flag: set it and retry (swap/reclaim.rs).
            Leaf::Present {
                accessed: false, ..
            } => {
                table.set_accessed(page);
                mmu::publish_table_update();
                return Ok(());
            }
            Leaf::Present {
                frame, attributes, ..
            } => Some((frame, attributes)),
        };
        match present {
            None => {
                let backing = region.backing.advanced(page - region.range.start);
                if let Backing::Device { phys, .. } = backing {
                    table
                        .set_page(page, phys, attributes)
                        .map_err(|_| FaultError::OutOfMemory)?;
                    mmu::publish_table_update();
                    return Ok(());
                }
                let frame = new_page(&backing)?;
                if protection.execute {
                    mmu::sync_instruction_cache(phys_to_virt(frame), PAGE_SIZE);
                }
                if table.set_page(page, frame, attributes).is_err() {
                    let _ = frames::deallocate(frame);
                    return Err(FaultError::OutOfMemory);
                }
                mmu::publish_table_update();
            }
            // A shared mapping writes to the page it shares, once the region allows it.
            Some((frame, current))
                if access == Access::Write && !current.writable && region.backing.is_shared() =>
            {
                table
                    .set_page(page, frame, attributes)
                    .map_err(|_| FaultError::OutOfMemory)?;
                self.flush_page(page);
            }
            Some((frame, current)) if access == Access::Write && !current.writable => {
                let own = if frames::is_shared(frame) {
                    let copy = frames::allocate().map_err(|_| FaultError::OutOfMemory)?;
                    // SAFETY: both frames are RAM in the linear map; `copy` is ours alone.
                    unsafe {
                        core::ptr::copy_nonoverlapping(
                            phys_to_virt(frame) as *const u8,
                            phys_to_virt(copy) as *mut u8,
                            PAGE_SIZE,
                        );
                    }
                    copy
                } else {
                    frame
                };
                if own != frame {
                    // Break before make: a new output address needs the old entry gone
                    // from every TLB first.
                    let _ = table.unmap_page(page);
                    self.flush_page(page);
                }
                if table.set_page(page, own, attributes).is_err() {
                    return Err(FaultError::OutOfMemory);
                }
                self.flush_page(page);
                if own != frame {
                    frames::release(frame).expect("user frames are allocated frames");
                }
            }
            // Present and allowed, yet it faulted: the page was not reachable at all (a
            // kernel-pointer access under software PAN). Retrying would fault forever.
            Some(_) => return Err(FaultError::Denied),
        }
        Ok(())
    }

    /// Whether serving a fault at `address` needs a new frame (a page first touched, or a
    /// copy-on-write copy), so that reclaim runs first only for those: running it for an
    /// access-flag fault would clear more flags, which fault again, and so on.
    fn fault_takes_a_frame(&self, address: usize, access: Access) -> bool {
        let inner = self.inner.lock();
        let mut memory = runtime_tables();
        match PageTable::at(inner.root, &mut memory).leaf(address & !(PAGE_SIZE - 1)) {
            Leaf::Absent => true,
            Leaf::Present { attributes, .. } => access == Access::Write && !attributes.writable,
            Leaf::Swapped(_) => false,
        }
    }

    /// Backs every page of `range` now, as the first read of each would.
    pub fn populate(&self, range: Range<usize>) -> Result<(), FaultError> {
        for page in pages(range) {
            if !self.is_present(page) {
                self.handle_fault(page, Access::Read)?;
            }
        }
        Ok(())
    }

    /// Writes `bytes` at user `address` through the kernel's linear map, whatever the
    /// region's protection (for building a process image).
    pub fn write_bytes(&self, address: usize, bytes: &[u8]) -> Result<(), FaultError> {
        let mut done = 0;
        while done < bytes.len() {
            let at = address + done;
            let chunk = (PAGE_SIZE - at % PAGE_SIZE).min(bytes.len() - done);
            self.populate(at & !(PAGE_SIZE - 1)..(at & !(PAGE_SIZE - 1)) + PAGE_SIZE)?;
            let alias = self.kernel_alias(at).ok_or(FaultError::OutOfMemory)?;
            // SAFETY: the page is present and private to this new address space.
            unsafe {
                core::ptr::copy_nonoverlapping(bytes[done..].as_ptr(), alias as *mut u8, chunk)
            };
            if self
                .inner
                .lock()
                .region(at)
                .is_some_and(|r| r.protection.execute)
            {
                mmu::sync_instruction_cache(alias, chunk);
            }
            done += chunk;
        }
        Ok(())
    }

    /// The kernel's linear-map address of the byte at user `address`, if its page is present
    /// and RAM.
    pub fn kernel_alias(&self, address: usize) -> Option<usize> {
        let root = self.inner.lock().root;
        let mut memory = runtime_tables();
        match PageTable::at(root, &mut memory).translate(address)? {
            (pa, attributes) if attributes.memory == MemoryType::Normal => Some(phys_to_virt(pa)),
            _ => None,
        }
    }

    /// Whether the page at user `address` is mapped now (RAM or device memory).
    pub fn is_present(&self, address: usize) -> bool {
        let root = self.inner.lock().root;
        let mut memory = runtime_tables();
        PageTable::at(root, &mut memory)
            .translate(address)
            .is_some()
    }

    /// A copy for a forked child: same regions, every present page shared copy-on-write.
    pub fn fork(&self) -> Result<Arc<Self>, Errno> {
        // A slot being written stays out of a child until its write ended: a write that fails
        // puts the page back in this space alone (swapping.rs, put_back).
        let _io = areas::active().then(areas::io_lock).flatten();
        let child = Self::new()?;
        let inner = self.inner.lock();
        let mut child_inner = child.inner.lock();
        // Memory locks are not inherited.
        child_inner.regions = inner.regions.clone();
        for region in child_inner.regions.iter_mut() {
            region.locked = false;
        }
        let mut memory = runtime_tables();
        let mut parent_memory = runtime_tables();
        let mut parent_table = PageTable::at(inner.root, &mut parent_memory);
        let mut child_table = PageTable::at(child_inner.root, &mut memory);
        for region in &inner.regions {
            // A shared mapping's pages stay as they are in both; the others become
            // copy-on-write.
            let shared_mapping = region.backing.is_shared();
            let shared = Attributes::user(Protection {
                write: region.protection.write && shared_mapping,
                ..region.protection
            });
            // Device pages are mapped again in the child when it touches them.
            for (page, leaf) in parent_table.leaves(region.range.clone()) {
                if let Leaf::Swapped(slot) = leaf {
                    areas::duplicate(Slot(slot))?;
                    if child_table.set_swapped(page, slot).is_err() {
                        areas::release(Slot(slot));
                        return Err(ENOMEM);
                    }
                    continue;
                }
                let Some(frame) = leaf.ram_frame() else {
                    continue;
                };
                frames::share(frame).map_err(|_| ENOMEM)?;
                if child_table.set_page(page, frame, shared).is_err() {
                    frames::release(frame).expect("shared just above");
                    return Err(ENOMEM);
                }
                if region.protection.write && !shared_mapping {
                    parent_table
                        .set_page(page, frame, shared)
                        .map_err(|_| ENOMEM)?;
                    self.flush_page(page);
                }
            }
        }
        drop(child_inner);
        Ok(child)
    }
}

/// Lets go of what a page held: its frame if RAM (device memory is no frame), its slot if
/// swapped out. A present page is already unmapped or about to go with its table.
fn release(table: &mut PageTable<'_, impl TableMemory>, page: usize, leaf: Leaf) {
    if let Leaf::Swapped(_) = leaf {
        table.clear_swapped(page);
    }
    release_leaf(leaf);
}

/// [`release`] for a page whose table goes away with it.
fn release_leaf(leaf: Leaf) {
    if let Some(frame) = leaf.ram_frame() {
        frames::release(frame).expect("user frames are allocated frames");
    } else if let Leaf::Swapped(slot) = leaf {
        areas::release(Slot(slot));
    }
}

/// A frame holding what `backing` puts in a page first touched.
fn new_page(backing: &Backing) -> Result<usize, FaultError> {
    match backing {
        Backing::Zero => frames::allocate_zeroed().map_err(|_| FaultError::OutOfMemory),
        Backing::Shared { file, offset, .. } => file.shared_frame(*offset),
        Backing::Device { .. } => unreachable!("device pages are mapped, not made"),
        Backing::File { file, offset } => {
            let frame = frames::allocate().map_err(|_| FaultError::OutOfMemory)?;
            // SAFETY: the frame is RAM in the linear map, whole, and ours alone.
            let page = unsafe { &mut *(phys_to_virt(frame) as *mut [u8; PAGE_SIZE]) };
            if file.read_page(*offset, page) {
                Ok(frame)
            } else {
                frames::deallocate(frame).expect("just allocated");
                Err(FaultError::BeyondFile)
            }
        }
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        let inner = self.inner.lock();
        let mut memory = runtime_tables();
        PageTable::at(inner.root, &mut memory).destroy(
            |_, leaf| release_leaf(leaf),
            |table| frames::deallocate(table).expect("table frames are allocated frames"),
        );
        if let Some(asid) = *self.asid.lock() {
            let mut asids = ASIDS.lock();
            if asids.is_current(asid) {
                mmu::flush_tlb_asid(asid.number);
            }
            asids.free(asid);
        }
    }
}

/// Makes `space` the user address space of this CPU (`None`: no user mappings at all).
pub fn switch_to(space: Option<Arc<AddressSpace>>) {
    // Off the old table first: a new ASID generation flushes the TLB, and nothing may
    // refill it under an ASID the generation hands out again.
    pan::set_user_ttbr0(None);
    pan::set_user_ttbr0(space.as_ref().map(|s| s.ttbr0_for_install()));
    *CURRENT.lock() = space;
}

pub fn current() -> Option<Arc<AddressSpace>> {
    CURRENT.lock().clone()
}
