//! An address space's part in swapping: giving up pages for the clock (swap/reclaim.rs) or
//! for MADV_PAGEOUT, taking one back when a page whose entry names a slot is touched, and
//! emptying an area for swapoff.
//!
//! Only private memory goes out (anonymous, or a private copy of a file's page), and only a
//! page with one owner: a copy-on-write page shared after fork waits until it is written and
//! copied, a shared mapping's page stays with its file, and a locked region stays present.

use super::{AddressSpace, FaultError, Region};
use crate::arch::aarch64::mmu;
use crate::errno::{EINVAL, ENOMEM, Errno};
use crate::mm::backing::Backing;
use crate::mm::frames;
use crate::mm::linear_tables::runtime_tables;
use crate::mm::page_table::{Attributes, Leaf, PAGE_SIZE, PageTable};
use crate::mm::swap::areas::{self, Slot};
use crate::mm::swap::reclaim;
use crate::mm::{USER_TOP, phys_to_virt};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Range;

/// What one last-level table maps: the unit the clock walks in.
const TABLE_SPAN: usize = 512 * PAGE_SIZE;

/// A page just swapped out of its address space: its entry names `slot`, and `frame` still
/// holds the bytes until they are written.
pub struct Victim {
    pub space: Arc<AddressSpace>,
    pub page: usize,
    pub frame: usize,
    pub slot: Slot,
}

impl Region {
    fn may_swap(&self) -> bool {
        !self.locked && !self.backing.is_shared()
    }
}

/// Whether the clock spares pages accessed since its last visit (their second chance), or
/// takes every page it passes (MADV_PAGEOUT).
#[derive(Clone, Copy, PartialEq, Eq)]
enum SecondChance {
    Given,
    Refused,
}

impl AddressSpace {
    /// The clock's visit to this address space from `from` on: a page accessed since the
    /// last visit loses its access flag (its second chance), one not accessed is swapped out
    /// to a new slot and added to `out`, until `out` has `wanted`. Returns where to go on
    /// next time, or `None` when the visit reached the end (or swap is full).
    pub fn select_victims(
        self: &Arc<Self>,
        from: usize,
        wanted: usize,
        out: &mut Vec<Victim>,
    ) -> Option<usize> {
        self.take_victims(from..USER_TOP, SecondChance::Given, wanted, out)
    }

    /// MADV_PAGEOUT's choice: every page of `range` that may be swapped out, accessed lately
    /// or not, into `out` (with their slots, so the caller holds the swap I/O lock). EINVAL
    /// for a range with locked or device memory, ENOMEM for one not wholly mapped, as Linux.
    pub fn page_out_victims(
        self: &Arc<Self>,
        range: Range<usize>,
        out: &mut Vec<Victim>,
    ) -> Result<(), Errno> {
        {
            let inner = self.inner.lock();
            let overlaps = |r: &&Region| r.range.start < range.end && range.start < r.range.end;
            let pinned = |r: &Region| r.locked || matches!(r.backing, Backing::Device { .. });
            if inner.regions.iter().filter(overlaps).any(pinned) {
                return Err(EINVAL);
            }
            if !inner.covers(&range) {
                return Err(ENOMEM);
            }
        }
        self.take_victims(range, SecondChance::Refused, usize::MAX, out);
        Ok(())
    }

    /// Walks the private pages of `range` from its start, swapping out (to new slots, into
    /// `out`) those `chance` does not spare, until `out` has `wanted`. Returns where to go on
    /// next time, or `None` when the walk reached the end of `range` (or swap is full).
    fn take_victims(
        self: &Arc<Self>,
        range: Range<usize>,
        chance: SecondChance,
        wanted: usize,
        out: &mut Vec<Victim>,
    ) -> Option<usize> {
        let inner = self.inner.lock();
        let mut memory = runtime_tables();
        let mut table = PageTable::at(inner.root, &mut memory);
        let overlaps = |r: &&Region| r.range.start < range.end && range.start < r.range.end;
        for region in inner.regions.iter().filter(overlaps) {
            if !region.may_swap() {
                continue;
            }
            // A table's worth at a time, so that a visit that stops early costs what it saw.
            let mut start = region.range.start.max(range.start);
            let region_end = region.range.end.min(range.end);
            while start < region_end {
                let end = (start / TABLE_SPAN + 1) * TABLE_SPAN;
                let window = start..end.min(region_end);
                start = window.end;
                for (page, frame) in table.present_pages(window) {
                    if frames::is_shared(frame) {
                        continue;
                    }
                    if table.clear_accessed(page) && chance == SecondChance::Given {
                        self.flush_page(page);
                        continue;
                    }
                    let slot = areas::allocate_slot()?;
                    table
                        .set_swapped(page, slot.0)
                        .expect("the page's tables exist");
                    self.flush_page(page);
                    out.push(Victim {
                        space: self.clone(),
                        page,
                        frame,
                        slot,
                    });
                    if out.len() >= wanted {
                        return Some(page + PAGE_SIZE);
                    }
                }
            }
        }
        None
    }

    /// Maps a victim's frame again after its write failed, if its entry still names the slot.
    pub fn put_back(&self, victim: &Victim) {
        let inner = self.inner.lock();
        let mut memory = runtime_tables();
        let mut table = PageTable::at(inner.root, &mut memory);
        let region = inner.region(victim.page);
        match region {
            Some(region) if table.leaf(victim.page) == Leaf::Swapped(victim.slot.0) => {
                let attributes = Attributes::user(region.protection);
                table
                    .set_page(victim.page, victim.frame, attributes)
                    .expect("the page's tables exist");
                mmu::publish_table_update();
                areas::release(victim.slot);
            }
            _ => frames::release(victim.frame).expect("user frames are allocated frames"),
        }
    }

    /// Brings the page at `page` back from `slot`, which its entry named when the fault was
    /// looked at. Asleep for the read; Ok without reading if another thread was first.
    pub(super) fn swap_in(&self, page: usize, slot: Slot) -> Result<(), FaultError> {
        if reclaim::memory_low() {
            reclaim::reclaim_batch();
        }
        let _io = areas::io_lock().ok_or(FaultError::SwapIo)?;
        if self.leaf(page) != Leaf::Swapped(slot.0) {
            return Ok(());
        }
        let frame = frames::allocate().map_err(|_| FaultError::OutOfMemory)?;
        if areas::read_page(slot, frame).is_err() {
            frames::deallocate(frame).expect("allocated above");
            return Err(FaultError::SwapIo);
        }
        let inner = self.inner.lock();
        let mut memory = runtime_tables();
        let mut table = PageTable::at(inner.root, &mut memory);
        match inner.region(page) {
            Some(region) if table.leaf(page) == Leaf::Swapped(slot.0) => {
                if region.protection.execute {
                    mmu::sync_instruction_cache(phys_to_virt(frame), PAGE_SIZE);
                }
                table
                    .set_page(page, frame, Attributes::user(region.protection))
                    .expect("the page's tables exist");
                mmu::publish_table_update();
                areas::release(slot);
            }
            _ => frames::deallocate(frame).expect("allocated above"),
        }
        Ok(())
    }

    pub(super) fn leaf(&self, page: usize) -> Leaf {
        let inner = self.inner.lock();
        let mut memory = runtime_tables();
        PageTable::at(inner.root, &mut memory).leaf(page)
    }

    /// Brings back every page this address space has in area `area` (swapoff).
    pub fn swap_in_area(&self, area: usize) -> Result<(), FaultError> {
        let swapped = {
            let inner = self.inner.lock();
            let mut memory = runtime_tables();
            PageTable::at(inner.root, &mut memory).swapped_pages(0..USER_TOP)
        };
        for (page, slot) in swapped.into_iter().map(|(page, slot)| (page, Slot(slot))) {
            if slot.is_in(area) {
                self.swap_in(page, slot)?;
            }
        }
        Ok(())
    }
}
