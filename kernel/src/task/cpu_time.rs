//! CPU time, counted the way Linux counts it without VIRT_CPU_ACCOUNTING: each timer tick is
//! charged whole to the thread (and process) it interrupted, as user time when the tick came
//! from EL0 and as system time otherwise, so the syscall path pays nothing for it.

use crate::arch::aarch64::timer::{NANOS_PER_SECOND, TICK_HZ};
use core::ops::{Add, AddAssign};
use core::sync::atomic::{AtomicU64, Ordering};

/// Clock ticks as times() and /proc/<pid>/stat count them (Linux's USER_HZ).
const USER_HZ: u64 = 100;

/// A running total that the timer interrupt adds to while others read it.
#[derive(Default)]
pub struct CpuClock {
    user: AtomicU64,
    system: AtomicU64,
}

impl CpuClock {
    /// Charges one timer tick.
    pub fn charge_tick(&self, in_user_space: bool) {
        let counter = if in_user_space {
            &self.user
        } else {
            &self.system
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn read(&self) -> CpuTimes {
        CpuTimes {
            user_ticks: self.user.load(Ordering::Relaxed),
            system_ticks: self.system.load(Ordering::Relaxed),
        }
    }
}

/// The CPU's own time: what threads used, and the ticks that found it idle (/proc/stat,
/// /proc/uptime).
pub struct MachineClock {
    busy: CpuClock,
    idle: AtomicU64,
}

pub static MACHINE: MachineClock = MachineClock {
    busy: CpuClock {
        user: AtomicU64::new(0),
        system: AtomicU64::new(0),
    },
    idle: AtomicU64::new(0),
};

impl MachineClock {
    /// Charges one timer tick: to user or system time, or (`None`) to idle time.
    pub fn charge_tick(&self, in_user_space: Option<bool>) {
        match in_user_space {
            Some(user) => self.busy.charge_tick(user),
            None => {
                self.idle.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The threads' times and the idle ticks.
    pub fn read(&self) -> (CpuTimes, u64) {
        (self.busy.read(), self.idle.load(Ordering::Relaxed))
    }
}

/// Timer ticks in USER_HZ clock ticks.
pub fn clock_ticks(ticks: u64) -> u64 {
    ticks * USER_HZ / TICK_HZ
}

/// User and system time, in timer ticks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTimes {
    pub user_ticks: u64,
    pub system_ticks: u64,
}

impl CpuTimes {
    /// (user, system) in USER_HZ clock ticks.
    pub fn clock_ticks(self) -> (u64, u64) {
        (clock_ticks(self.user_ticks), clock_ticks(self.system_ticks))
    }

    /// User and system time together, in nanoseconds (the CPU-time clocks).
    pub fn nanos(self) -> u64 {
        (self.user_ticks + self.system_ticks) * (NANOS_PER_SECOND / TICK_HZ)
    }

    /// (user, system) as `struct timeval`s: seconds and microseconds.
    pub fn timevals(self) -> [(u64, u64); 2] {
        let convert = |ticks: u64| {
            let micros = ticks * 1_000_000 / TICK_HZ;
            (micros / 1_000_000, micros % 1_000_000)
        };
        [convert(self.user_ticks), convert(self.system_ticks)]
    }
}

impl Add for CpuTimes {
    type Output = CpuTimes;

    fn add(self, other: CpuTimes) -> CpuTimes {
        CpuTimes {
            user_ticks: self.user_ticks + other.user_ticks,
            system_ticks: self.system_ticks + other.system_ticks,
        }
    }
}

impl AddAssign for CpuTimes {
    fn add_assign(&mut self, other: CpuTimes) {
        *self = *self + other;
    }
}
