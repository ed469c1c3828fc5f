//! File descriptors: the standard three and an owned descriptor that closes itself.

use crate::errno::Errno;
use crate::sys::file::close;

pub type Fd = i32;

pub const STDIN: Fd = 0;
pub const STDOUT: Fd = 1;
pub const STDERR: Fd = 2;

/// A descriptor this program opened and closes when dropped.
#[derive(Debug)]
pub struct OwnedFd(Fd);

impl OwnedFd {
    /// Takes over `fd`, which nothing else closes.
    pub fn new(fd: Fd) -> Self {
        OwnedFd(fd)
    }

    pub fn raw(&self) -> Fd {
        self.0
    }

    /// Closes now, reporting what close(2) says.
    pub fn close(self) -> Result<(), Errno> {
        let fd = self.0;
        core::mem::forget(self);
        close(fd)
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // Nothing to do about a failed close of a descriptor being abandoned.
        let _ = close(self.0);
    }
}
