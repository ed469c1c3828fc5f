//! The page replacement policy: a clock over every address space's private pages, run by
//! the thread that needs a frame when free frames fall below a low-water mark.
//!
//! The hand walks address space by address space, page by page. A page accessed since the
//! hand last passed (its access flag set) loses the flag and stays; one not accessed is
//! swapped out. Clearing the flag costs a TLB invalidation now and an access-flag fault at
//! the next touch, which is how an A53 without hardware access-flag updates learns of use.

use super::areas;
use crate::errno::Errno;
use crate::mm::address_space::{AddressSpace, Victim};
use crate::mm::frames;
use crate::sync::IrqMutex;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::ops::Range;

/// Reclaim starts below this many free frames (2 MiB) ...
const LOW_WATER: usize = 512;
/// ... and frees this many pages at a time.
const BATCH: usize = 64;

/// Every address space, for the clock to visit.
static SPACES: IrqMutex<Vec<Weak<AddressSpace>>> = IrqMutex::new(Vec::new());

/// Where the hand is: which address space (index into SPACES), and from which address.
static HAND: IrqMutex<(usize, usize)> = IrqMutex::new((0, 0));

/// Makes a new address space visible to the clock.
pub fn register(space: &Arc<AddressSpace>) {
    let mut spaces = SPACES.lock();
    spaces.retain(|space| space.strong_count() > 0);
    spaces.push(Arc::downgrade(space));
}

/// The address spaces alive now.
pub fn spaces() -> Vec<Arc<AddressSpace>> {
    SPACES.lock().iter().filter_map(Weak::upgrade).collect()
}

/// Whether swap is on and free frames are below the low-water mark.
pub fn memory_low() -> bool {
    areas::active() && frames::free_frames() < LOW_WATER
}

/// Swaps out a batch of pages. Called where a user page is about to be allocated while
/// memory is low, with no lock held.
pub fn reclaim_batch() {
    let Some(_io) = areas::io_lock() else {
        return;
    };
    write_out(select(BATCH));
}

/// Swaps out the private pages of `range` in `space` now, used lately or not (MADV_PAGEOUT);
/// without swap, nothing. Errors as [`AddressSpace::page_out_victims`].
pub fn page_out(space: &Arc<AddressSpace>, range: Range<usize>) -> Result<(), Errno> {
    let Some(_io) = areas::io_lock() else {
        return Ok(());
    };
    let mut victims = Vec::new();
    space.page_out_victims(range, &mut victims)?;
    write_out(victims);
    Ok(())
}

/// Writes each victim to its slot and frees its frame; one whose write failed goes back.
fn write_out(victims: Vec<Victim>) {
    for victim in victims {
        if areas::write_page(victim.slot, victim.frame).is_ok() {
            frames::release(victim.frame).expect("user frames are allocated frames");
        } else {
            victim.space.put_back(&victim);
        }
    }
}

/// Moves the hand until `wanted` pages are chosen, or twice round every address space (by
/// then every page's flag has been cleared once, so only pages in use all along are left).
fn select(wanted: usize) -> Vec<Victim> {
    let spaces = spaces();
    let mut victims = Vec::new();
    if spaces.is_empty() {
        return victims;
    }
    let mut hand = HAND.lock();
    for _ in 0..2 * spaces.len() + 1 {
        let space = &spaces[hand.0 % spaces.len()];
        match space.select_victims(hand.1, wanted - victims.len(), &mut victims) {
            Some(next) => {
                hand.1 = next;
                break;
            }
            None => *hand = ((hand.0 + 1) % spaces.len(), 0),
        }
        if victims.len() >= wanted || areas::totals().1 == 0 {
            break;
        }
    }
    victims
}
