//! How a child ended, decoded from the status word wait4(2) stores.

use core::fmt;

use crate::signal::{self, Signal};

/// With it, wait4 returns 0 instead of blocking while no child has ended.
pub const WNOHANG: i32 = 1;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    /// exit(2) or exit_group(2) with this status (its low 8 bits).
    Exited(i32),
    /// Killed by this signal.
    Killed(Signal),
}

impl Termination {
    /// Decodes Linux's wait status: the low 7 bits are the signal (0 for a normal exit), bits
    /// 8-15 the exit status; bit 7 only says whether a core was dumped.
    pub fn from_wait_status(status: i32) -> Self {
        match status & 0x7f {
            0 => Termination::Exited((status >> 8) & 0xff),
            signal => Termination::Killed(signal),
        }
    }

    /// The status a shell would report: the exit status, or 128 plus the signal.
    pub fn shell_status(self) -> i32 {
        match self {
            Termination::Exited(status) => status,
            Termination::Killed(signal) => 128 + signal,
        }
    }
}

/// "exited with status N" or "killed by signal N", as init reports a test program.
impl fmt::Display for Termination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Termination::Exited(status) => write!(f, "exited with status {status}"),
            Termination::Killed(signal) => write!(f, "killed by signal {signal}"),
        }
    }
}

/// As Display, with the signal's name.
impl fmt::Debug for Termination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)?;
        match *self {
            Termination::Killed(number) => match signal::name(number) {
                Some(name) => write!(f, " ({name})"),
                None => Ok(()),
            },
            Termination::Exited(_) => Ok(()),
        }
    }
}
