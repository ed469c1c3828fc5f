//! test-time: clock_gettime, gettimeofday and nanosleep, the generic timer's counter read
//! from EL0, and TPIDR_EL0 as per-process state.
#![no_std]
#![no_main]

mod clocks;
mod counter;
mod sleeping;
mod thread_pointer;

use rt::args::Args;

rt::entry!(main);

fn main(_: Args) -> i32 {
    use clocks::*;
    use counter::*;
    use sleeping::*;
    use thread_pointer::*;
    rt::test::run_tests(
        "time",
        &rt::tests![
            realtime_and_monotonic_clocks_read,
            monotonic_clock_never_goes_back,
            unknown_clock_is_einval,
            gettimeofday_agrees_with_realtime,
            nanosleep_sleeps_at_least_the_request,
            nanosleep_of_zero_returns,
            nanosleep_rejects_bad_requests,
            clock_nanosleep_sleeps_until_an_absolute_time,
            counter_and_frequency_are_readable_at_el0,
            counter_agrees_with_monotonic_clock,
            tpidr_el0_is_inherited_and_then_per_process,
            tpidr_el0_survives_sleeping,
        ],
    )
}
