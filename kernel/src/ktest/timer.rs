//! Tests that the timer interrupt is routed and taken, and a helper for tests that need ticks.

use super::{TestResult, check, ktest};
use crate::arch::aarch64::{irq, timer};

/// Sleeps until `count` timer interrupts have been taken, failing after a second without.
pub fn wait_for_ticks(count: u64) -> TestResult {
    let first = timer::ticks();
    let deadline = timer::counter() + timer::counter_frequency();
    while timer::ticks() < first + count && timer::counter() < deadline {
        irq::wait_for_interrupt();
    }
    let seen = timer::ticks() - first;
    check!(
        seen >= count,
        "only {seen} of {count} timer interrupts in one second"
    );
    Ok(())
}

ktest!(
    "timer",
    fn interrupts_arrive() {
        // Five ticks take 50 ms at 100 Hz.
        wait_for_ticks(5)
    }
);
