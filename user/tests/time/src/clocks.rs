//! clock_gettime and gettimeofday.

use rt::errno::Errno;
use rt::sys::time::{
    CLOCK_MONOTONIC, CLOCK_REALTIME, NANOS_PER_SECOND, Timespec, clock_gettime, gettimeofday,
};
use rt::test::{Context, Failure};

fn check_normalized(time: Timespec) -> Result<(), Failure> {
    rt::check!(
        (0..NANOS_PER_SECOND).contains(&time.nanoseconds),
        "{time:?}"
    );
    rt::check!(time.seconds >= 0, "{time:?}");
    Ok(())
}

pub fn realtime_and_monotonic_clocks_read() -> Result<(), Failure> {
    check_normalized(clock_gettime(CLOCK_REALTIME).context("CLOCK_REALTIME")?)?;
    check_normalized(clock_gettime(CLOCK_MONOTONIC).context("CLOCK_MONOTONIC")?)
}

pub fn monotonic_clock_never_goes_back() -> Result<(), Failure> {
    let mut previous = clock_gettime(CLOCK_MONOTONIC).context("clock_gettime")?;
    for _ in 0..1000 {
        let now = clock_gettime(CLOCK_MONOTONIC).context("clock_gettime")?;
        rt::check!(
            now.as_nanos() >= previous.as_nanos(),
            "{now:?} after {previous:?}"
        );
        previous = now;
    }
    Ok(())
}

pub fn unknown_clock_is_einval() -> Result<(), Failure> {
    rt::check_eq!(clock_gettime(100), Err(Errno::EINVAL));
    rt::check_eq!(clock_gettime(u32::MAX), Err(Errno::EINVAL), "clock -1");
    Ok(())
}

pub fn gettimeofday_agrees_with_realtime() -> Result<(), Failure> {
    let of_day = gettimeofday().context("gettimeofday")?;
    let realtime = clock_gettime(CLOCK_REALTIME).context("clock_gettime")?;
    rt::check!((0..1_000_000).contains(&of_day.microseconds), "{of_day:?}");
    let apart =
        realtime.as_nanos() - (of_day.seconds * NANOS_PER_SECOND + of_day.microseconds * 1000);
    rt::check!(
        (0..NANOS_PER_SECOND).contains(&apart),
        "{of_day:?} then {realtime:?}"
    );
    Ok(())
}
