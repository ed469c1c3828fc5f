//! Time calls: clock_gettime, clock_getres and gettimeofday writing where they cannot,
//! nanosleep and clock_nanosleep reading where they cannot, and the pointers Linux never
//! touches (a NULL timeval, nanosleep's remainder when the sleep is not interrupted).

use rt::errno::Errno;
use rt::sys::time::{CLOCK_MONOTONIC, Timespec, Timeval};
use rt::syscall;
use rt::test::Failure;
use testkit::bad_pointers::BadPointers;
use testkit::edge::{Beyond, PageEdge};
use testkit::expect::{expect_at_edges, expect_for_each};

const EFAULT: Result<usize, Errno> = Err(Errno::EFAULT);

pub fn clock_gettime_into_bad_buffer_is_efault() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    // SAFETY: the kernel writes a `struct timespec` only where it can, none of it ours.
    let call = |address| unsafe { syscall!(CLOCK_GETTIME, CLOCK_MONOTONIC, address) };
    expect_for_each(&bad.unwritable(), EFAULT, call)?;
    expect_at_edges(&Beyond::UNWRITABLE, size_of::<Timespec>() / 2, EFAULT, call)
}

pub fn clock_getres_into_bad_buffer_is_efault() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let [_null, unwritable @ ..] = bad.unwritable();
    // SAFETY: the kernel writes a `struct timespec` only where it can, none of it ours.
    let call = |address| unsafe { syscall!(CLOCK_GETRES, CLOCK_MONOTONIC, address) };
    expect_for_each(&unwritable, EFAULT, call)?;
    expect_at_edges(&Beyond::UNWRITABLE, size_of::<Timespec>() / 2, EFAULT, call)?;
    // A NULL resolution is allowed: the call only checks the clock.
    rt::check_eq!(call(0), Ok(0));
    Ok(())
}

pub fn gettimeofday_into_bad_buffer_is_efault() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let [_null, unwritable @ ..] = bad.unwritable();
    // SAFETY: the kernel writes a `struct timeval` only where it can, none of it ours.
    let call = |address| unsafe { syscall!(GETTIMEOFDAY, address, 0) };
    expect_for_each(&unwritable, EFAULT, call)?;
    expect_at_edges(&Beyond::UNWRITABLE, size_of::<Timeval>() / 2, EFAULT, call)?;
    let mut now = Timeval::default();
    let now_address = &raw mut now as usize;
    // SAFETY: the time goes into `now`; the time zone goes nowhere it can be written.
    expect_for_each(&unwritable, EFAULT, |address| unsafe {
        syscall!(GETTIMEOFDAY, now_address, address)
    })
}

/// Both arguments may be NULL: there is then nothing to store.
pub fn gettimeofday_with_null_timeval_succeeds() -> Result<(), Failure> {
    // SAFETY: nothing is passed.
    rt::check_eq!(unsafe { syscall!(GETTIMEOFDAY, 0, 0) }, Ok(0));
    Ok(())
}

pub fn nanosleep_with_bad_request_is_efault() -> Result<(), Failure> {
    // SAFETY: nanosleep only reads the request; no remainder is asked for.
    expect_efault_for_bad_requests(|address| unsafe { syscall!(NANOSLEEP, address, 0) })
}

pub fn clock_nanosleep_with_bad_request_is_efault() -> Result<(), Failure> {
    const TIMER_ABSTIME: usize = 1;
    for flags in [0, TIMER_ABSTIME] {
        // SAFETY: clock_nanosleep only reads the request; no remainder is asked for.
        expect_efault_for_bad_requests(|address| unsafe {
            syscall!(CLOCK_NANOSLEEP, CLOCK_MONOTONIC, flags, address, 0)
        })?;
    }
    Ok(())
}

/// `call` (a sleep taking a `struct timespec` request at the address) fails with EFAULT for
/// every unreadable request, and for one whose nanoseconds lie past a page edge.
fn expect_efault_for_bad_requests(
    call: impl Fn(usize) -> Result<usize, Errno>,
) -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    expect_for_each(&bad.unreadable(), EFAULT, &call)?;
    for beyond in Beyond::UNREADABLE {
        let edge = PageEdge::new(beyond)?;
        // The seconds are readable and zero, the nanoseconds are past the edge.
        let request = edge.place_at_end(&0i64.to_ne_bytes());
        expect_for_each(&[("straddling", request)], EFAULT, &call)?;
    }
    Ok(())
}

/// The remainder is written only when a signal cuts the sleep short.
pub fn nanosleep_ignores_bad_remainder_when_not_interrupted() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let request = Timespec {
        seconds: 0,
        nanoseconds: 1000,
    };
    let request_address = &raw const request as usize;
    // SAFETY: nanosleep reads the request and writes nothing when not interrupted.
    expect_for_each(&bad.unwritable(), Ok(0), |address| unsafe {
        syscall!(NANOSLEEP, request_address, address)
    })
}
