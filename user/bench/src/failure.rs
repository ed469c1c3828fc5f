//! Why a benchmark could not be measured.

use core::fmt;

use rt::errno::Errno;
use rt::wait::Termination;

pub enum Failure {
    /// A system call failed.
    Errno(Errno),
    /// A read or write moved fewer bytes than asked, so the loop would measure something else.
    ShortTransfer { asked: usize, moved: usize },
    /// A child process ended otherwise than with status 0.
    Child(Termination),
    /// Memory read back did not hold what was written.
    Corrupted,
}

impl From<Errno> for Failure {
    fn from(errno: Errno) -> Self {
        Failure::Errno(errno)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Errno(errno) => write!(f, "{errno}"),
            Failure::ShortTransfer { asked, moved } => {
                write!(f, "moved {moved} of {asked} bytes")
            }
            Failure::Child(termination) => write!(f, "a child {termination:?}"),
            Failure::Corrupted => write!(f, "memory read back changed"),
        }
    }
}
