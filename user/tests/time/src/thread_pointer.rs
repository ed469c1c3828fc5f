//! TPIDR_EL0, the thread pointer EL0 may write: a fork inherits it, and after that each
//! process keeps its own value across switches and sleeps.

use rt::sys::process::sched_yield;
use rt::sys::time::sleep_millis;
use rt::test::{Context, Failure};
use rt::wait::Termination;
use testkit::child::in_child;

fn thread_pointer() -> u64 {
    let value: u64;
    // SAFETY: EL0 may read its thread pointer.
    unsafe { core::arch::asm!("mrs {}, tpidr_el0", out(reg) value, options(nomem, nostack)) };
    value
}

fn set_thread_pointer(value: u64) {
    // SAFETY: EL0 may write its thread pointer; the runtime does not use it.
    unsafe { core::arch::asm!("msr tpidr_el0, {}", in(reg) value, options(nomem, nostack)) };
}

/// Runs `body` with TPIDR_EL0 restored afterwards.
fn keeping_thread_pointer(body: impl FnOnce() -> Result<(), Failure>) -> Result<(), Failure> {
    let saved = thread_pointer();
    let result = body();
    set_thread_pointer(saved);
    result
}

const PARENT: u64 = 0x1234_5678_9abc_def0;
const CHILD: u64 = 0x0fed_cba9_8765_4321;

pub fn tpidr_el0_is_inherited_and_then_per_process() -> Result<(), Failure> {
    keeping_thread_pointer(|| {
        set_thread_pointer(PARENT);
        let termination = in_child(|| {
            if thread_pointer() != PARENT {
                return 1;
            }
            set_thread_pointer(CHILD);
            for _ in 0..10 {
                if sched_yield().is_err() || thread_pointer() != CHILD {
                    return 2;
                }
            }
            0
        })?;
        rt::check_eq!(
            termination,
            Termination::Exited(0),
            "1: not inherited, 2: lost"
        );
        rt::check_eq!(thread_pointer(), PARENT);
        Ok(())
    })
}

pub fn tpidr_el0_survives_sleeping() -> Result<(), Failure> {
    keeping_thread_pointer(|| {
        set_thread_pointer(CHILD);
        sleep_millis(5).context("nanosleep")?;
        rt::check_eq!(thread_pointer(), CHILD);
        Ok(())
    })
}
