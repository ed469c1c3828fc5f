//! Time system calls: clocks from the generic timer's counter, and sleeping.

use super::{Arguments, SyscallResult, read_user, word, write_user};
use crate::arch::aarch64::timer::{self, NANOS_PER_SECOND, TICK_HZ, now_nanos};
use crate::errno::{EFAULT, EINTR, EINVAL, Errno};
use crate::sync::InterruptsMasked;
use crate::task::{self, scheduler, thread::Channel};
use crate::uaccess::{UserPtr, copy_to_user};

const CLOCK_REALTIME: usize = 0;
const CLOCK_MONOTONIC: usize = 1;
const CLOCK_PROCESS_CPUTIME_ID: usize = 2;
const CLOCK_THREAD_CPUTIME_ID: usize = 3;
const CLOCK_MONOTONIC_RAW: usize = 4;
const CLOCK_REALTIME_COARSE: usize = 5;
const CLOCK_MONOTONIC_COARSE: usize = 6;
const CLOCK_BOOTTIME: usize = 7;

/// `struct timespec` or `struct timeval` (two 64-bit fields) to user memory.
fn put_pair(address: usize, seconds: u64, fraction: u64) -> SyscallResult {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&seconds.to_le_bytes());
    bytes[8..].copy_from_slice(&fraction.to_le_bytes());
    write_user(address, &bytes).map(|()| 0)
}

fn check_clock(clock: usize) -> Result<(), Errno> {
    match clock {
        CLOCK_REALTIME
        | CLOCK_MONOTONIC
        | CLOCK_PROCESS_CPUTIME_ID
        | CLOCK_THREAD_CPUTIME_ID
        | CLOCK_MONOTONIC_RAW
        | CLOCK_REALTIME_COARSE
        | CLOCK_MONOTONIC_COARSE
        | CLOCK_BOOTTIME => Ok(()),
        _ => Err(EINVAL),
    }
}

/// The CPU time the process or the thread has used, for the CPU-time clocks; None for the
/// others, which all read the counter.
fn cpu_clock_nanos(clock: usize) -> Option<u64> {
    let thread = task::current_thread();
    let times = match clock {
        CLOCK_PROCESS_CPUTIME_ID => thread.process.cpu_clock.read(),
        CLOCK_THREAD_CPUTIME_ID => thread.cpu_clock.read(),
        _ => return None,
    };
    Some(times.nanos())
}

pub fn clock_gettime(args: &Arguments) -> SyscallResult {
    let clock = args.usize(0);
    check_clock(clock)?;
    let now = cpu_clock_nanos(clock).unwrap_or_else(now_nanos);
    put_pair(
        args.usize(1),
        now / NANOS_PER_SECOND,
        now % NANOS_PER_SECOND,
    )
}

pub fn gettimeofday(args: &Arguments) -> SyscallResult {
    let now = now_nanos();
    if args.usize(0) != 0 {
        put_pair(
            args.usize(0),
            now / NANOS_PER_SECOND,
            now % NANOS_PER_SECOND / 1000,
        )?;
    }
    if args.usize(1) != 0 && copy_to_user(UserPtr::new(args.usize(1)), &[0u8; 8]) != 0 {
        // struct timezone {tz_minuteswest, tz_dsttime}: two ints, UTC.
        return Err(EFAULT);
    }
    Ok(0)
}

/// A `struct timespec` from user memory, checked: nanoseconds since the clock's zero.
pub(super) fn read_timespec(address: usize) -> Result<u64, Errno> {
    let request = read_user::<16>(address)?;
    let (seconds, nanos) = (word(&request, 0) as i64, word(&request, 1) as i64);
    if seconds < 0 || !(0..NANOS_PER_SECOND as i64).contains(&nanos) {
        return Err(EINVAL);
    }
    Ok((seconds as u64)
        .saturating_mul(NANOS_PER_SECOND)
        .saturating_add(nanos as u64))
}

/// Sleeps until `deadline`; interrupted by a signal, stores the time left at `remaining`
/// (unless 0) and fails with EINTR.
fn sleep_until(deadline: u64, remaining: usize) -> SyscallResult {
    loop {
        let _masked = InterruptsMasked::new();
        let now = now_nanos();
        if now >= deadline {
            return Ok(0);
        }
        if task::signal_pending() {
            let left = deadline - now;
            if remaining != 0 {
                put_pair(remaining, left / NANOS_PER_SECOND, left % NANOS_PER_SECOND)?;
            }
            return Err(EINTR);
        }
        scheduler::sleep(Channel::Tick);
    }
}

pub fn nanosleep(args: &Arguments) -> SyscallResult {
    let duration = read_timespec(args.usize(0))?;
    sleep_until(now_nanos().saturating_add(duration), args.usize(1))
}

/// The clocks one can sleep on; not the CPU-time clocks, which here are not kept apart from
/// the wall clock.
fn check_sleep_clock(clock: usize) -> Result<(), Errno> {
    match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME => Ok(()),
        _ => Err(EINVAL),
    }
}

/// clock_nanosleep(clock, flags, request, remaining): relative, or until an absolute time
/// with TIMER_ABSTIME (when `remaining` is never written). The C library turns the -errno
/// into the positive error number its wrapper returns.
pub fn clock_nanosleep(args: &Arguments) -> SyscallResult {
    const TIMER_ABSTIME: usize = 1;
    check_sleep_clock(args.usize(0))?;
    let flags = args.usize(1);
    let time = read_timespec(args.usize(2))?;
    if flags & TIMER_ABSTIME != 0 {
        sleep_until(time, 0)
    } else {
        sleep_until(now_nanos().saturating_add(time), args.usize(3))
    }
}

/// The resolution of every clock: one tick of the generic timer's counter.
pub fn clock_getres(args: &Arguments) -> SyscallResult {
    check_clock(args.usize(0))?;
    if args.usize(1) == 0 {
        return Ok(0);
    }
    // CPU time is counted in timer ticks.
    let resolution = match args.usize(0) {
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => NANOS_PER_SECOND / TICK_HZ,
        _ => NANOS_PER_SECOND.div_ceil(timer::counter_frequency()).max(1),
    };
    put_pair(args.usize(1), 0, resolution)
}

/// Seconds since boot, for sysinfo.
pub fn uptime_seconds() -> u64 {
    now_nanos() / NANOS_PER_SECOND
}
