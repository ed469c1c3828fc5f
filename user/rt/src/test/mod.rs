//! A tiny test harness printing the line protocol the xtask parses:
//! `test <suite>::<name> ... ok`, `... FAILED (<reason>)` or `... skipped (<reason>)`.

mod check;
mod failure;

use core::fmt::{self, Write};
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicI32, Ordering};

pub use failure::{Context, Failure};

use crate::fixed_str::FixedStr;
use crate::sys::process::{Pid, getpid};

/// A test: `Ok` passed; `Err` failed or was skipped, with the reason.
pub type Test = fn() -> Result<(), Failure>;

/// `tests![a, b]` is `[("a", a as Test), ("b", b as Test)]`: each name written once.
#[macro_export]
macro_rules! tests {
    ($($test:ident),* $(,)?) => {
        [$((stringify!($test), $test as $crate::test::Test)),*]
    };
}

/// The process running a test, 0 between tests. A panic in that process (not in a child it
/// forked) is the test's verdict.
static RUNNING_IN: AtomicI32 = AtomicI32::new(0);

/// A reason as it goes on the verdict line: line breaks become spaces, and a long reason is
/// cut rather than spilling over.
struct OneLine(FixedStr<512>);

impl Write for OneLine {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for character in text.chars() {
            let character = if matches!(character, '\n' | '\r') {
                ' '
            } else {
                character
            };
            self.0.write_char(character)?;
        }
        Ok(())
    }
}

fn print_verdict(verdict: &str, reason: fmt::Arguments<'_>) {
    let mut line = OneLine(FixedStr::new());
    let _ = line.write_fmt(reason);
    crate::println!("{verdict} ({})", line.0);
}

/// Runs `tests` in order, one protocol line each, and returns the exit status: 0 when none
/// failed, 1 otherwise. The line's prefix is printed before the test runs, so a test that
/// hangs shows where.
pub fn run_tests(suite: &str, tests: &[(&str, Test)]) -> i32 {
    let me: Pid = getpid();
    let mut failed = false;
    for (name, test) in tests {
        crate::print!("test {suite}::{name} ... ");
        RUNNING_IN.store(me, Ordering::Relaxed);
        let result = test();
        RUNNING_IN.store(0, Ordering::Relaxed);
        match result {
            Ok(()) => crate::println!("ok"),
            Err(failure) if failure.is_skip() => {
                print_verdict("skipped", format_args!("{}", failure.reason()))
            }
            Err(failure) => {
                failed = true;
                print_verdict("FAILED", format_args!("{}", failure.reason()));
            }
        }
    }
    i32::from(failed)
}

/// Called by the panic handler: when this process is running a test, ends its line with
/// FAILED and the panic, and says so. The process then exits, so later tests do not run.
pub(crate) fn report_panic(info: &PanicInfo<'_>) -> bool {
    if RUNNING_IN.load(Ordering::Relaxed) != getpid() {
        return false;
    }
    match info.location() {
        Some(location) => print_verdict(
            "FAILED",
            format_args!("panicked at {location}: {}", info.message()),
        ),
        None => print_verdict("FAILED", format_args!("panicked: {}", info.message())),
    }
    true
}
