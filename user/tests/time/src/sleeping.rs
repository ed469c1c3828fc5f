//! nanosleep: it sleeps at least as long as asked, and refuses malformed requests.

use rt::errno::Errno;
use rt::sys::time::{NANOS_PER_SECOND, Timespec, monotonic_nanos, nanosleep};
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
