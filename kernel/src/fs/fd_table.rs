//! A process's file descriptors: small integers naming shared open files, each with its
//! close-on-exec flag.

use super::file::OpenFile;
use crate::errno::{EBADF, EMFILE, Errno};
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Most descriptors one process may hold (RLIMIT_NOFILE).
const MAX_FILES: usize = 256;

#[derive(Clone)]
struct Slot {
    file: Arc<OpenFile>,
    close_on_exec: bool,
}

/// Files leave the table only through these methods, which hand them back: dropping the
/// last reference to a pipe end wakes sleepers, which must not happen under the process
/// lock the caller holds.
#[derive(Clone, Default)]
pub struct FileTable {
    slots: Vec<Option<Slot>>,
}

impl FileTable {
    pub fn get(&self, fd: usize) -> Result<Arc<OpenFile>, Errno> {
        self.slots
            .get(fd)
            .and_then(Option::as_ref)
            .map(|slot| slot.file.clone())
            .ok_or(EBADF)
    }

    /// Installs `file` at the lowest free descriptor; on failure the file comes back.
    pub fn add(
        &mut self,
        file: Arc<OpenFile>,
        close_on_exec: bool,
    ) -> Result<usize, (Errno, Arc<OpenFile>)> {
        let fd = match self.slots.iter().position(Option::is_none) {
            Some(fd) => fd,
            None if self.slots.len() < MAX_FILES => {
                self.slots.push(None);
                self.slots.len() - 1
            }
            None => return Err((EMFILE, file)),
        };
        self.slots[fd] = Some(Slot {
            file,
            close_on_exec,
        });
        Ok(fd)
    }

    /// Installs `file` at `fd`; returns what was there.
    pub fn set(
        &mut self,
        fd: usize,
        file: Arc<OpenFile>,
        close_on_exec: bool,
    ) -> Result<Option<Arc<OpenFile>>, Errno> {
        if fd >= MAX_FILES {
            return Err(EBADF);
        }
        if self.slots.len() <= fd {
            self.slots.resize(fd + 1, None);
        }
        Ok(self.slots[fd]
            .replace(Slot {
                file,
                close_on_exec,
            })
            .map(|slot| slot.file))
    }

    /// Removes `fd` and returns its file.
    pub fn close(&mut self, fd: usize) -> Result<Arc<OpenFile>, Errno> {
        self.slots
            .get_mut(fd)
            .and_then(Option::take)
            .map(|slot| slot.file)
            .ok_or(EBADF)
    }

    /// Removes the close-on-exec descriptors (execve) and returns their files.
    pub fn close_on_exec(&mut self) -> Vec<Arc<OpenFile>> {
        self.slots
            .iter_mut()
            .filter(|slot| slot.as_ref().is_some_and(|s| s.close_on_exec))
            .filter_map(|slot| slot.take().map(|s| s.file))
            .collect()
    }
}
