//! Page faults: the first write to a page of a fresh anonymous mapping, private (a zeroed
//! frame of its own) or shared (the page of the shared memory object behind the mapping), and
//! the first read of a page MADV_PAGEOUT wrote to swap.

use rt::args::page_size;
use rt::errno::Errno;
use rt::sys::memory::{
    MADV_PAGEOUT, PROT_READ, PROT_WRITE, madvise, map_anonymous, map_shared_anonymous, munmap,
};

use crate::failure::Failure;
use crate::stopwatch::{cost_of, per_operation};

/// Pages per mapping: 1 MiB, which cannot hold a 2 MiB-aligned range, so a kernel with
/// transparent huge pages (Linux) still faults in one 4 KiB page at a time.
const PAGES_PER_MAPPING: usize = 256;
/// Each mapping is one loop; the cheapest wins, as in [`crate::stopwatch::measure`].
const MAPPINGS: usize = 5;

pub fn demand_zero_fault() -> Result<u64, Failure> {
    first_write_fault(map_anonymous)
}

pub fn shared_fault() -> Result<u64, Failure> {
    first_write_fault(map_shared_anonymous)
}

/// The cost of the first write to each page of mappings `map` makes.
fn first_write_fault(map: fn(usize, u32) -> Result<usize, Errno>) -> Result<u64, Failure> {
    let page = page_size();
    let len = PAGES_PER_MAPPING * page;
    let mut cheapest = u64::MAX;
    // Mapping and unmapping stay outside the timed loops.
    for _ in 0..MAPPINGS {
        let start = map(len, PROT_READ | PROT_WRITE)?;
        let touched = cost_of(PAGES_PER_MAPPING, |index| {
            // SAFETY: inside the mapping just made, which nothing else uses.
            unsafe { ((start + index * page) as *mut u8).write_volatile(1) };
            Ok(())
        });
        // SAFETY: the mapping is this function's own and no longer used.
        unsafe { munmap(start, len)? };
        cheapest = cheapest.min(per_operation(touched?, PAGES_PER_MAPPING));
    }
    Ok(cheapest)
}

/// Pages per mapping swapped out and back: fewer, as each is two disk transfers.
const SWAPPED_PAGES_PER_MAPPING: usize = 64;

/// Bringing a page back from swap: the first read of each page of a mapping whose pages
/// MADV_PAGEOUT wrote out. Needs a swap area on.
pub fn swap_in_fault() -> Result<u64, Failure> {
    let page = page_size();
    let len = SWAPPED_PAGES_PER_MAPPING * page;
    let mut cheapest = u64::MAX;
    for _ in 0..MAPPINGS {
        let start = map_anonymous(len, PROT_READ | PROT_WRITE)?;
        for index in 0..SWAPPED_PAGES_PER_MAPPING {
            // SAFETY: inside the mapping just made, which nothing else uses.
            unsafe { ((start + index * page) as *mut u8).write_volatile(1) };
        }
        madvise(start, len, MADV_PAGEOUT)?;
        let read = cost_of(SWAPPED_PAGES_PER_MAPPING, |index| {
            // SAFETY: as above.
            let byte = unsafe { ((start + index * page) as *const u8).read_volatile() };
            if byte == 1 {
                Ok(())
            } else {
                Err(Failure::Corrupted)
            }
        });
        // SAFETY: the mapping is this function's own and no longer used.
        unsafe { munmap(start, len)? };
        cheapest = cheapest.min(per_operation(read?, SWAPPED_PAGES_PER_MAPPING));
    }
    Ok(cheapest)
}
