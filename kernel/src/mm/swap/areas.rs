//! The swap areas in use (swapon), their slots, and page I/O to them.
//!
//! A slot is named by a token, `area << 32 | page`, which a swapped-out page table entry
//! holds. Each page of an area counts the entries naming it (fork duplicates them), so the
//! slot is free again when the last goes. Areas are used by priority, the highest first;
//! areas of equal priority take turns, page by page (Linux's rule).

use super::header::{self, Header};
use crate::block::disk::{self, IoError, Partition};
use crate::errno::{EBUSY, EINVAL, ENOMEM, EPERM, Errno};
use crate::mm::frames;
use crate::mm::page_table::PAGE_SIZE;
use crate::mm::phys_to_virt;
use crate::sync::IrqMutex;
use crate::task::sleep_lock::{SleepLock, SleepLockGuard};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};

/// Linux's MAX_SWAPFILES is 32; a Pi's card has at most four primary partitions anyway.
const MAX_AREAS: usize = 8;
/// An owner count that marks the header page and bad pages: never handed out.
const UNUSABLE: u8 = u8::MAX;
/// The most page table entries one slot can be named by (fork beyond that fails with ENOMEM).
const MAX_OWNERS: u8 = UNUSABLE - 1;

struct Area {
    /// Which disk partition (block::disk's index).
    partition_index: usize,
    partition: Partition,
    priority: i16,
    /// Entries naming each page; [`UNUSABLE`] for the header and bad pages.
    owners: Vec<u8>,
    usable: usize,
    used: usize,
    /// Where the search for a free page starts.
    cursor: usize,
    /// swapoff is emptying it: no new slots.
    closing: bool,
}

static AREAS: IrqMutex<[Option<Area>; MAX_AREAS]> = IrqMutex::new([const { None }; MAX_AREAS]);
/// Set while any area is on, so the fault path's low-memory check costs one load otherwise.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// The last area a page went to, for turns among equal priorities.
static LAST_USED: IrqMutex<usize> = IrqMutex::new(0);
/// Linux numbers areas swapped on without a priority -2, -3, ... (swapfile.c's least_priority).
static LEAST_PRIORITY: IrqMutex<i16> = IrqMutex::new(-1);
/// Held across every swap-out (slot chosen to page written) and swap-in (slot read to page
/// mapped), so a page is never read back from a slot before its write ended.
static IO: SleepLock = SleepLock::new();

/// Where a page goes: area and page within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot(pub u64);

impl Slot {
    fn new(area: usize, page: usize) -> Self {
        Self(((area as u64) << 32) | page as u64)
    }

    fn area(self) -> usize {
        (self.0 >> 32) as usize
    }

    fn page(self) -> usize {
        self.0 as u32 as usize
    }

    /// Whether the slot lies in area `area`.
    pub fn is_in(self, area: usize) -> bool {
        self.area() == area
    }
}

/// Whether any swap area is on.
pub fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Takes the swap I/O lock (see [`IO`]); `None` if the caller may not sleep and it is held.
pub fn io_lock() -> Option<SleepLockGuard<'static>> {
    IO.lock()
}

/// A free slot, from the area of highest priority that has one; `None` when swap is full.
pub fn allocate_slot() -> Option<Slot> {
    let mut areas = AREAS.lock();
    let mut last = LAST_USED.lock();
    let best = areas
        .iter()
        .flatten()
        .filter(|area| !area.closing && area.used < area.usable)
        .map(|area| area.priority)
        .max()?;
    // Among the areas of that priority, the first after the last one used.
    let count = areas.len();
    let index = (1..=count).map(|step| (*last + step) % count).find(|&i| {
        areas[i]
            .as_ref()
            .is_some_and(|a| !a.closing && a.used < a.usable && a.priority == best)
    })?;
    let area = areas[index].as_mut().expect("found above");
    let pages = area.owners.len();
    let page = (0..pages)
        .map(|step| (area.cursor + step) % pages)
        .find(|&page| area.owners[page] == 0)?;
    area.owners[page] = 1;
    area.used += 1;
    area.cursor = (page + 1) % pages;
    *last = index;
    Some(Slot::new(index, page))
}

/// Adds an owner to `slot` (a forked page table entry).
pub fn duplicate(slot: Slot) -> Result<(), Errno> {
    let mut areas = AREAS.lock();
    let area = areas[slot.area()].as_mut().ok_or(EINVAL)?;
    let owners = &mut area.owners[slot.page()];
    if *owners >= MAX_OWNERS {
        return Err(ENOMEM);
    }
    *owners += 1;
    Ok(())
}

/// Drops one owner of `slot`; the last frees it.
pub fn release(slot: Slot) {
    let mut areas = AREAS.lock();
    if let Some(area) = areas[slot.area()].as_mut() {
        let owners = &mut area.owners[slot.page()];
        if *owners != 0 && *owners != UNUSABLE {
            *owners -= 1;
            if *owners == 0 {
                area.used -= 1;
            }
        }
    }
}

fn partition_of(slot: Slot) -> Option<Partition> {
    AREAS.lock()[slot.area()].as_ref().map(|a| a.partition)
}

/// Writes the frame at physical `frame` to `slot`.
pub fn write_page(slot: Slot, frame: usize) -> Result<(), IoError> {
    let partition = partition_of(slot).ok_or(IoError::OutOfRange)?;
    disk::transfer_page(partition, slot.page() as u64, frame, true)
}

/// Reads `slot` into the frame at physical `frame`.
pub fn read_page(slot: Slot, frame: usize) -> Result<(), IoError> {
    let partition = partition_of(slot).ok_or(IoError::OutOfRange)?;
    disk::transfer_page(partition, slot.page() as u64, frame, false)
}

/// Pages in all areas, and how many of them are free (sysinfo, /proc/meminfo).
pub fn totals() -> (usize, usize) {
    AREAS
        .lock()
        .iter()
        .flatten()
        .fold((0, 0), |(total, free), area| {
            (total + area.usable, free + area.usable - area.used)
        })
}

/// SWAP_FLAG_PREFER: the low 15 bits are the priority.
const FLAG_PREFER: u32 = 0x8000;
const PRIORITY_MASK: u32 = 0x7fff;
/// SWAP_FLAG_DISCARD, _DISCARD_ONCE and _DISCARD_PAGES: accepted, and there is nothing to
/// discard on the disks this kernel drives.
const FLAGS_DISCARD: u32 = 0x7_0000;

/// Turns swap on on partition `partition_index` with swapon's `flags`: reads and checks its
/// header. EBUSY if it is on already, EINVAL without a valid header or with unknown flags,
/// EPERM when every area is taken (as Linux's MAX_SWAPFILES).
pub fn swapon(partition_index: usize, flags: u32) -> Result<(), Errno> {
    if flags & !(FLAG_PREFER | PRIORITY_MASK | FLAGS_DISCARD) != 0 {
        return Err(EINVAL);
    }
    let partition = disk::partition(partition_index).ok_or(EINVAL)?;
    if AREAS
        .lock()
        .iter()
        .flatten()
        .any(|a| a.partition_index == partition_index)
    {
        return Err(EBUSY);
    }
    let header = read_header(partition)?;
    let pages = header.last_page as usize + 1;
    // One byte per page from a 16 MiB heap: a huge partition is ENOMEM, not a panic.
    let mut owners = Vec::new();
    owners.try_reserve_exact(pages).map_err(|_| ENOMEM)?;
    owners.resize(pages, 0u8);
    owners[0] = UNUSABLE;
    for bad in header.bad_pages.iter().map(|&page| page as usize) {
        if let Some(owner) = owners.get_mut(bad) {
            *owner = UNUSABLE;
        }
    }
    let usable = owners.iter().filter(|&&o| o == 0).count();
    let mut areas = AREAS.lock();
    if areas
        .iter()
        .flatten()
        .any(|a| a.partition_index == partition_index)
    {
        return Err(EBUSY);
    }
    let free = areas.iter().position(Option::is_none).ok_or(EPERM)?;
    let priority = if flags & FLAG_PREFER != 0 {
        (flags & PRIORITY_MASK) as i16
    } else {
        let mut least = LEAST_PRIORITY.lock();
        *least -= 1;
        *least
    };
    areas[free] = Some(Area {
        partition_index,
        partition,
        priority,
        owners,
        usable,
        used: 0,
        cursor: 1,
        closing: false,
    });
    ACTIVE.store(true, Ordering::Relaxed);
    Ok(())
}

fn read_header(partition: Partition) -> Result<Header, Errno> {
    let frame = frames::allocate().map_err(|_| ENOMEM)?;
    let read = disk::transfer_page(partition, 0, frame, false);
    // SAFETY: the frame is ours and in the linear map.
    let page = unsafe { &*(phys_to_virt(frame) as *const [u8; PAGE_SIZE]) };
    let parsed = read
        .map_err(|_| EINVAL)
        .and_then(|()| header::parse(page, partition.sectors / 8).map_err(|_| EINVAL));
    frames::deallocate(frame).expect("allocated above");
    parsed
}

/// Starts swapoff of partition `partition_index`: no new slots go there. Returns the area's
/// index; EINVAL if swap is not on there.
pub fn begin_swapoff(partition_index: usize) -> Result<usize, Errno> {
    let mut areas = AREAS.lock();
    let (index, area) = areas
        .iter_mut()
        .enumerate()
        .find_map(|(i, a)| {
            a.as_mut()
                .filter(|a| a.partition_index == partition_index && !a.closing)
                .map(|a| (i, a))
        })
        .ok_or(EINVAL)?;
    area.closing = true;
    Ok(index)
}

/// Whether no page is left in area `index`.
pub fn is_empty(index: usize) -> bool {
    AREAS.lock()[index].as_ref().is_none_or(|a| a.used == 0)
}

/// Ends swapoff of area `index`: removed if no page is left in it, else put back in use
/// (the pages could not all come back). Whether it was removed.
pub fn end_swapoff(index: usize) -> bool {
    let empty = is_empty(index);
    let mut areas = AREAS.lock();
    if empty {
        areas[index] = None;
    } else if let Some(area) = areas[index].as_mut() {
        area.closing = false;
    }
    ACTIVE.store(areas.iter().any(Option::is_some), Ordering::Relaxed);
    empty
}

/// /proc/swaps: one line per area, as Linux lays it out.
pub fn proc_swaps() -> Vec<u8> {
    let mut text = String::from("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
    for area in AREAS.lock().iter().flatten() {
        let kib = |pages: usize| pages * PAGE_SIZE / 1024;
        let name = alloc::format!("/dev/{}", disk::device_name(area.partition_index));
        let _ = writeln!(
            text,
            "{name:<40}partition\t{}\t\t{}\t\t{}",
            kib(area.usable),
            kib(area.used),
            area.priority
        );
    }
    text.into_bytes()
}
