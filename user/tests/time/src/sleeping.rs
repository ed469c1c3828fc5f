//! nanosleep and clock_nanosleep: they sleep at least as long as asked (or until the time
//! asked), and refuse malformed requests.

use rt::errno::Errno;
use rt::sys::time::{CLOCK_MONOTONIC, NANOS_PER_SECOND, Timespec, monotonic_nanos, nanosleep};
use rt::test::{Context, Failure};

pub fn nanosleep_sleeps_at_least_the_request() -> Result<(), Failure> {
    let request = Timespec::from_millis(20);
    let start = monotonic_nanos().context("clock_gettime")?;
    nanosleep(&request).context("nanosleep")?;
    let slept = monotonic_nanos().context("clock_gettime")? - start;
    rt::check!(slept >= request.as_nanos(), "slept {slept} ns for 20 ms");
    Ok(())
}

pub fn nanosleep_of_zero_returns() -> Result<(), Failure> {
    rt::check_eq!(nanosleep(&Timespec::default()), Ok(()));
    Ok(())
}

pub fn nanosleep_rejects_bad_requests() -> Result<(), Failure> {
    let bad = [
        Timespec {
            seconds: 0,
            nanoseconds: NANOS_PER_SECOND,
        },
        Timespec {
            seconds: 0,
            nanoseconds: -1,
        },
        Timespec {
            seconds: -1,
            nanoseconds: 0,
        },
    ];
    for request in bad {
        rt::check_eq!(nanosleep(&request), Err(Errno::EINVAL), "{request:?}");
    }
    Ok(())
}

/// clock_nanosleep with TIMER_ABSTIME sleeps until the clock reads the request; relative, it
/// sleeps as nanosleep does; the CPU-time clocks and unknown ones are EINVAL.
pub fn clock_nanosleep_sleeps_until_an_absolute_time() -> Result<(), Failure> {
    const TIMER_ABSTIME: usize = 1;
    const CLOCK_THREAD_CPUTIME_ID: usize = 3;
    let sleep = |clock: usize, flags: usize, request: &Timespec| {
        // SAFETY: the kernel reads the request and, with no remainder asked for, writes nothing.
        unsafe { rt::syscall!(CLOCK_NANOSLEEP, clock, flags, request as *const Timespec, 0) }
    };
    let start = monotonic_nanos().context("clock_gettime")?;
    let wake_at = start + 20_000_000;
    let request = Timespec {
        seconds: wake_at / NANOS_PER_SECOND,
        nanoseconds: wake_at % NANOS_PER_SECOND,
    };
    rt::check_eq!(
        sleep(CLOCK_MONOTONIC as usize, TIMER_ABSTIME, &request),
        Ok(0)
    );
    let woke = monotonic_nanos().context("clock_gettime")?;
    rt::check!(woke >= wake_at, "woke at {woke} ns for {wake_at} ns");
    // A time already past returns at once.
    rt::check_eq!(
        sleep(
            CLOCK_MONOTONIC as usize,
            TIMER_ABSTIME,
            &Timespec::default()
        ),
        Ok(0)
    );
    let relative = Timespec::from_millis(10);
    let before = monotonic_nanos().context("clock_gettime")?;
    rt::check_eq!(sleep(CLOCK_MONOTONIC as usize, 0, &relative), Ok(0));
    let slept = monotonic_nanos().context("clock_gettime")? - before;
    rt::check!(slept >= relative.as_nanos(), "slept {slept} ns for 10 ms");
    rt::check_eq!(
        sleep(CLOCK_THREAD_CPUTIME_ID, 0, &relative),
        Err(Errno::EINVAL)
    );
    rt::check_eq!(sleep(99, 0, &relative), Err(Errno::EINVAL));
    Ok(())
}
