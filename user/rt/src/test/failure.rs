//! Why a test did not pass: it failed, or it was skipped, with a one-line reason.

use core::fmt;
use core::panic::Location;

use crate::errno::Errno;
use crate::fixed_str::FixedStr;

pub struct Failure {
    skipped: bool,
    reason: FixedStr<384>,
}

impl Failure {
    pub fn new(reason: fmt::Arguments<'_>) -> Self {
        Failure {
            skipped: false,
            reason: FixedStr::from_fmt(reason),
        }
    }

    /// The test does not apply here; `reason` says why.
    pub fn skip(reason: fmt::Arguments<'_>) -> Self {
        Failure {
            skipped: true,
            reason: FixedStr::from_fmt(reason),
        }
    }

    pub fn is_skip(&self) -> bool {
        self.skipped
    }

    pub fn reason(&self) -> &str {
        self.reason.as_str()
    }
}

impl From<&str> for Failure {
    fn from(reason: &str) -> Self {
        Failure::new(format_args!("{reason}"))
    }
}

/// `result.context("what")?` turns an unexpected errno into a failure naming the call site.
pub trait Context<T> {
    fn context(self, what: &str) -> Result<T, Failure>;
}

impl<T> Context<T> for Result<T, Errno> {
    #[track_caller]
    fn context(self, what: &str) -> Result<T, Failure> {
        let at = Location::caller();
        self.map_err(|errno| {
            Failure::new(format_args!("{}:{}: {what}: {errno}", at.file(), at.line()))
        })
    }
}
