//! Assertions for tests that return a failure with file, line and values instead of panicking.

/// `check!(condition)` or `check!(condition, "format", args...)`.
#[macro_export]
macro_rules! check {
    ($condition:expr $(,)?) => {
        if !$condition {
            return Err($crate::test::Failure::new(format_args!(
                "{}:{}: {} is false", file!(), line!(), stringify!($condition),
            )));
        }
    };
    ($condition:expr, $($context:tt)+) => {
        if !$condition {
            return Err($crate::test::Failure::new(format_args!(
                "{}:{}: {} is false: {}", file!(), line!(), stringify!($condition),
                format_args!($($context)+),
            )));
        }
    };
}

/// `check_eq!(actual, expected)` or with a trailing format string and arguments.
#[macro_export]
macro_rules! check_eq {
    ($actual:expr, $expected:expr $(,)?) => {
        match (&$actual, &$expected) {
            (actual, expected) => {
                if *actual != *expected {
                    return Err($crate::test::Failure::new(format_args!(
                        "{}:{}: {} is {:?}, want {:?}", file!(), line!(), stringify!($actual),
                        actual, expected,
                    )));
                }
            }
        }
    };
    ($actual:expr, $expected:expr, $($context:tt)+) => {
        match (&$actual, &$expected) {
            (actual, expected) => {
                if *actual != *expected {
                    return Err($crate::test::Failure::new(format_args!(
                        "{}:{}: {} is {:?}, want {:?}: {}", file!(), line!(),
                        stringify!($actual), actual, expected, format_args!($($context)+),
                    )));
                }
            }
        }
    };
}

/// `skip!("format", args...)`: the test does not apply here.
#[macro_export]
macro_rules! skip {
    ($($reason:tt)+) => {
        return Err($crate::test::Failure::skip(format_args!($($reason)+)))
    };
}
