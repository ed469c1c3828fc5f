//! Tests that the timer interrupt is routed and taken.

use super::{check, ktest};
use crate::arch::aarch64::{irq, timer};

ktest!(
    "timer",
    fn interrupts_arrive() {
        let first = timer::ticks();
        // Five ticks take 50 ms; allow a whole second of counter time.
        let deadline = timer::counter() + timer::counter_frequency();
        while timer::ticks() < first + 5 && timer::counter() < deadline {
            irq::wait_for_interrupt();
        }
        let seen = timer::ticks() - first;
        check!(seen >= 5, "only {seen} timer interrupts in one second");
        Ok(())
    }
);
