//! Timing a loop of operations with CLOCK_MONOTONIC, less what the same loop costs empty.
//!
//! Under QEMU's `-icount shift=0` one instruction is one virtual nanosecond, so the
//! nanoseconds are instructions, on this kernel and on Linux alike.

use core::hint::black_box;

use rt::sys::time::monotonic_nanos;

use crate::failure::Failure;

/// A measurement is split into this many loops and the cheapest wins: work the kernel does
/// for itself now and then (a timer tick, Linux's deferred work) lands in one loop, not in all.
const BATCHES: usize = 5;

/// Nanoseconds `repetitions` calls of `operation` (given the call's index) take beyond what an
/// empty loop of as many iterations takes; never negative.
pub fn cost_of(
    repetitions: usize,
    operation: impl FnMut(usize) -> Result<(), Failure>,
) -> Result<u64, Failure> {
    let busy = elapsed(repetitions, operation)?;
    let empty = elapsed(repetitions, |index| {
        black_box(index);
        Ok(())
    })?;
    Ok(busy.saturating_sub(empty))
}

/// The cost of one operation of a loop that cost `total`, to the nearest nanosecond.
pub fn per_operation(total: u64, operations: usize) -> u64 {
    let operations = operations as u64;
    (total + operations / 2) / operations
}

/// Nanoseconds one call of `operation` takes: the cheapest of [`BATCHES`] loops that share
/// `repetitions` calls, enough calls that the clock's own reads and resolution vanish.
pub fn measure(
    repetitions: usize,
    mut operation: impl FnMut(usize) -> Result<(), Failure>,
) -> Result<u64, Failure> {
    let per_batch = repetitions.div_ceil(BATCHES);
    let mut cheapest = u64::MAX;
    for _ in 0..BATCHES {
        let cost = per_operation(cost_of(per_batch, &mut operation)?, per_batch);
        cheapest = cheapest.min(cost);
    }
    Ok(cheapest)
}

fn elapsed(
    repetitions: usize,
    mut operation: impl FnMut(usize) -> Result<(), Failure>,
) -> Result<u64, Failure> {
    let start = monotonic_nanos()?;
    for index in 0..repetitions {
        operation(black_box(index))?;
    }
    let end = monotonic_nanos()?;
    Ok(end.saturating_sub(start) as u64)
}
