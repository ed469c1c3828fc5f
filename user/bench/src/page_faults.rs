//! The demand-zero page fault: the first write to a page of a fresh anonymous mapping.

use rt::args::page_size;
use rt::sys::memory::{PROT_READ, PROT_WRITE, map_anonymous, munmap};

use crate::failure::Failure;
use crate::stopwatch::{cost_of, per_operation};

/// Pages per mapping: 1 MiB, which cannot hold a 2 MiB-aligned range, so a kernel with
/// transparent huge pages (Linux) still faults in one 4 KiB page at a time.
const PAGES_PER_MAPPING: usize = 256;
/// Each mapping is one loop; the cheapest wins, as in [`crate::stopwatch::measure`].
const MAPPINGS: usize = 5;

pub fn demand_zero_fault() -> Result<u64, Failure> {
    let page = page_size();
    let len = PAGES_PER_MAPPING * page;
    let mut cheapest = u64::MAX;
    // Mapping and unmapping stay outside the timed loops.
    for _ in 0..MAPPINGS {
        let start = map_anonymous(len, PROT_READ | PROT_WRITE)?;
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
