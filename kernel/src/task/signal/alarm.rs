//! The interval timers: the real-time one (setitimer's ITIMER_REAL, and so alarm), SIGALRM
//! when it expires, checked on every timer tick; and the CPU-time ones (ITIMER_VIRTUAL,
//! ITIMER_PROF), SIGVTALRM and SIGPROF, counted down by the ticks charged to the process.

use super::{SIGALRM, SIGPROF, SIGVTALRM, SignalInfo};
use crate::arch::aarch64::timer::{self, NANOS_PER_SECOND, TICK_HZ};
use crate::task::process::Process;
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

/// A CPU-time timer: the CPU time left before it expires (0: disarmed), and the period it
/// re-arms with (0: once).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTimer {
    pub left: u64,
    pub interval: u64,
}

/// The CPU-time timers a process has, in setitimer's order after ITIMER_REAL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuTimerKind {
    /// ITIMER_VIRTUAL: user time only.
    Virtual = 0,
    /// ITIMER_PROF: user and system time.
    Profiling = 1,
}

const TICK_NANOS: u64 = NANOS_PER_SECOND / TICK_HZ;

/// From the timer interrupt, for the process it charged a tick to: counts its CPU-time
/// timers down and sends SIGVTALRM or SIGPROF for each that runs out.
pub fn on_cpu_tick(process: &Process, in_user_space: bool) {
    let mut expired = [false; 2];
    {
        let mut state = process.state.lock();
        for (kind, timer) in state.cpu_timers.iter_mut().enumerate() {
            let counts = kind == CpuTimerKind::Profiling as usize || in_user_space;
            if timer.left == 0 || !counts {
                continue;
            }
            timer.left = timer.left.saturating_sub(TICK_NANOS);
            if timer.left == 0 {
                expired[kind] = true;
                timer.left = timer.interval;
            }
        }
    }
    for (signal, expired) in [SIGVTALRM, SIGPROF].into_iter().zip(expired) {
        if expired {
            super::send(process, signal, SignalInfo::from_kernel());
        }
    }
}
