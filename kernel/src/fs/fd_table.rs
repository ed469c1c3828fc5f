//! A process's file descriptors: small integers naming shared open files.

use super::file::OpenFile;
use crate::errno::{EBADF, EMFILE, Errno};
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Most descriptors one process may hold (RLIMIT_NOFILE).
const MAX_FILES: usize = 256;

#[derive(Clone, Default)]
pub struct FileTable {
    files: Vec<Option<Arc<OpenFile>>>,
}

impl FileTable {
    pub fn get(&self, fd: usize) -> Result<Arc<OpenFile>, Errno> {
        self.files.get(fd).cloned().flatten().ok_or(EBADF)
    }

    /// Installs `file` at the lowest free descriptor.
    pub fn add(&mut self, file: Arc<OpenFile>) -> Result<usize, Errno> {
        let fd = match self.files.iter().position(Option::is_none) {
            Some(fd) => fd,
            None if self.files.len() < MAX_FILES => {
                self.files.push(None);
                self.files.len() - 1
            }
            None => return Err(EMFILE),
        };
        self.files[fd] = Some(file);
        Ok(fd)
    }

    /// Installs `file` at `fd`; returns what was there, for the caller to drop once it has
    /// let go of the process's lock (closing a pipe end wakes processes).
    pub fn set(&mut self, fd: usize, file: Arc<OpenFile>) -> Result<Option<Arc<OpenFile>>, Errno> {
        if fd >= MAX_FILES {
            return Err(EBADF);
        }
        if self.files.len() <= fd {
            self.files.resize(fd + 1, None);
        }
        Ok(self.files[fd].replace(file))
    }

    /// Removes `fd`; the caller drops the file once it has let go of the process's lock.
    pub fn close(&mut self, fd: usize) -> Result<Arc<OpenFile>, Errno> {
        self.files.get_mut(fd).and_then(Option::take).ok_or(EBADF)
    }
}
