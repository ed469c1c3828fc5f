//! The generic timer as Linux lets EL0 see it: CNTFRQ_EL0 and CNTVCT_EL0 are readable, and
//! the counter keeps the same time as CLOCK_MONOTONIC.

use rt::sys::time::{NANOS_PER_SECOND, monotonic_nanos, sleep_millis};
use rt::test::{Context, Failure};

fn frequency() -> u64 {
    let hertz: u64;
    // SAFETY: reading a register Linux makes readable at EL0.
    unsafe { core::arch::asm!("mrs {}, cntfrq_el0", out(reg) hertz, options(nomem, nostack)) };
    hertz
}

fn count() -> u64 {
    let ticks: u64;
    // SAFETY: as above; the isb keeps the read from being hoisted above earlier code.
    unsafe {
        core::arch::asm!("isb", "mrs {}, cntvct_el0", out(reg) ticks, options(nomem, nostack))
    };
    ticks
}

pub fn counter_and_frequency_are_readable_at_el0() -> Result<(), Failure> {
    rt::check!(frequency() > 0, "CNTFRQ_EL0 is 0");
    let before = count();
    sleep_millis(1).context("nanosleep")?;
    let after = count();
    rt::check!(after > before, "CNTVCT_EL0 went from {before} to {after}");
    Ok(())
}

pub fn counter_agrees_with_monotonic_clock() -> Result<(), Failure> {
    let (start_ticks, start_nanos) = (count(), monotonic_nanos().context("clock_gettime")?);
    sleep_millis(20).context("nanosleep")?;
    let (end_ticks, end_nanos) = (count(), monotonic_nanos().context("clock_gettime")?);
    let by_counter =
        ((end_ticks - start_ticks) as u128 * NANOS_PER_SECOND as u128 / frequency() as u128) as i64;
    let by_clock = end_nanos - start_nanos;
    // Allow 10% and 2 ms: the two reads of each pair are not simultaneous.
    let tolerance = by_clock / 10 + 2_000_000;
    rt::check!(
        (by_counter - by_clock).abs() <= tolerance,
        "the counter says {by_counter} ns, CLOCK_MONOTONIC {by_clock} ns"
    );
    Ok(())
}
