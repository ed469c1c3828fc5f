//! Time: clocks, the time of day and sleeping.

use crate::errno::Errno;
use crate::syscall;

pub const CLOCK_REALTIME: u32 = 0;
pub const CLOCK_MONOTONIC: u32 = 1;

pub const NANOS_PER_SECOND: i64 = 1_000_000_000;

/// Linux's `struct timespec` on a 64-bit kernel.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Timespec {
    pub seconds: i64,
    pub nanoseconds: i64,
}

impl Timespec {
    pub fn from_millis(millis: i64) -> Self {
        Timespec {
            seconds: millis / 1000,
            nanoseconds: millis % 1000 * 1_000_000,
        }
    }

    pub fn as_nanos(&self) -> i64 {
        self.seconds * NANOS_PER_SECOND + self.nanoseconds
    }
}

/// Linux's `struct timeval` on a 64-bit kernel.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Timeval {
    pub seconds: i64,
    pub microseconds: i64,
}

pub fn clock_gettime(clock: u32) -> Result<Timespec, Errno> {
    let mut now = Timespec::default();
    // SAFETY: the kernel writes one `struct timespec`, which `now` is.
    unsafe { syscall!(CLOCK_GETTIME, clock, &raw mut now) }?;
    Ok(now)
}

/// Nanoseconds on CLOCK_MONOTONIC.
pub fn monotonic_nanos() -> Result<i64, Errno> {
    clock_gettime(CLOCK_MONOTONIC).map(|now| now.as_nanos())
}

pub fn gettimeofday() -> Result<Timeval, Errno> {
    let mut now = Timeval::default();
    // SAFETY: the kernel writes one `struct timeval`, which `now` is; no time zone is asked for.
    unsafe { syscall!(GETTIMEOFDAY, &raw mut now, 0) }?;
    Ok(now)
}

/// Sleeps for `duration`; nothing interrupts it here, so no remainder is asked for.
pub fn nanosleep(duration: &Timespec) -> Result<(), Errno> {
    // SAFETY: the kernel only reads `duration`.
    unsafe { syscall!(NANOSLEEP, duration as *const Timespec, 0) }.map(drop)
}

pub fn sleep_millis(millis: i64) -> Result<(), Errno> {
    nanosleep(&Timespec::from_millis(millis))
}
