//! The real-time interval timer (setitimer's ITIMER_REAL, and so alarm): SIGALRM when it
//! expires, checked on every timer tick.

use super::{SIGALRM, SignalInfo};
use crate::arch::aarch64::timer;
use crate::task::scheduler;
use core::sync::atomic::{AtomicU64, Ordering};

/// A process's timer: when it next expires, and the period it re-arms with (0: once).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RealTimer {
    /// Nanoseconds since boot; `None` while disarmed.
    pub deadline: Option<u64>,
    pub interval: u64,
}

/// The earliest deadline of any process, so a tick with nothing due costs one load.
static EARLIEST: AtomicU64 = AtomicU64::new(u64::MAX);

/// Notes a newly armed deadline.
pub fn armed(deadline: u64) {
    EARLIEST.fetch_min(deadline, Ordering::Relaxed);
}

/// From the timer interrupt: sends SIGALRM to every process whose timer has expired.
pub fn on_tick() {
    let now = timer::now_nanos();
    if EARLIEST.load(Ordering::Relaxed) > now {
        return;
    }
    let mut earliest = u64::MAX;
    for process in scheduler::processes() {
        let expired = {
            let mut state = process.state.lock();
            let timer = &mut state.real_timer;
            let expired = timer.deadline.is_some_and(|deadline| deadline <= now);
            if expired {
                timer.deadline = (timer.interval != 0).then(|| now + timer.interval);
            }
            if let Some(deadline) = timer.deadline {
                earliest = earliest.min(deadline);
            }
            expired
        };
        if expired {
            super::send(&process, SIGALRM, SignalInfo::from_kernel());
        }
    }
    EARLIEST.store(earliest, Ordering::Relaxed);
}
