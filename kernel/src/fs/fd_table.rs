//! A process's file descriptors: small integers naming shared open files, each with its
//! close-on-exec flag.

use super::file::OpenFile;
use crate::errno::{EBADF, EINVAL, EMFILE, Errno};
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Most descriptors one process may hold (RLIMIT_NOFILE).
pub const MAX_FILES: usize = 256;

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
        self.slot(fd).map(|slot| slot.file.clone())
    }

    /// Installs `file` at the lowest free descriptor; on failure the file comes back.
    pub fn add(
        &mut self,
        file: Arc<OpenFile>,
        close_on_exec: bool,
    ) -> Result<usize, (Errno, Arc<OpenFile>)> {
        self.add_from(0, file, close_on_exec)
    }

    /// Installs `file` at the lowest free descriptor from `lowest` on (fcntl's F_DUPFD); on
    /// failure the file comes back.
    pub fn add_from(
        &mut self,
        lowest: usize,
        file: Arc<OpenFile>,
        close_on_exec: bool,
    ) -> Result<usize, (Errno, Arc<OpenFile>)> {
        if lowest >= MAX_FILES {
            return Err((EINVAL, file));
        }
        let free = (lowest..self.slots.len()).find(|&fd| self.slots[fd].is_none());
        let fd = match free {
            Some(fd) => fd,
            None if self.slots.len().max(lowest) < MAX_FILES => {
                let fd = self.slots.len().max(lowest);
                self.slots.resize(fd + 1, None);
                fd
            }
            None => return Err((EMFILE, file)),
        };
        self.slots[fd] = Some(Slot {
            file,
            close_on_exec,
        });
        Ok(fd)
    }

    fn slot(&self, fd: usize) -> Result<&Slot, Errno> {
        self.slots.get(fd).and_then(Option::as_ref).ok_or(EBADF)
    }

    fn slot_mut(&mut self, fd: usize) -> Result<&mut Slot, Errno> {
        self.slots.get_mut(fd).and_then(Option::as_mut).ok_or(EBADF)
    }

    /// The descriptor's close-on-exec flag (FD_CLOEXEC, fcntl's F_GETFD).
    pub fn close_on_exec_flag(&self, fd: usize) -> Result<bool, Errno> {
        self.slot(fd).map(|slot| slot.close_on_exec)
    }

    pub fn set_close_on_exec(&mut self, fd: usize, close_on_exec: bool) -> Result<(), Errno> {
        self.slot_mut(fd)
            .map(|slot| slot.close_on_exec = close_on_exec)
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

    /// The descriptors in use, lowest first.
    pub fn open_descriptors(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.slots.len()).filter(|&fd| self.slots[fd].is_some())
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
