//! Pipes: a bounded byte queue between readers and writers, who sleep on it when it is empty
//! or full. A pipe can keep message boundaries, for the sockets built from two of them.
//!
//! Partial transfers follow Linux: a copy that faults after moving some bytes returns that
//! count; one that moves nothing returns EFAULT.

use super::user_buffers::UserBuffers;
use crate::errno::{EAGAIN, EFAULT, EMSGSIZE, EPIPE, ERESTARTSYS, Errno};
use crate::mm::page_table::PAGE_SIZE;
use crate::sync::{InterruptsMasked, IrqMutex};
use crate::task::{self, scheduler, signal, thread::Channel};
use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Bytes a pipe holds before writers wait (Linux's default pipe size).
pub const CAPACITY: usize = 65536;
/// Pipes alive at once: their buffers come from the kernel heap, which is finite.
const MAX_PIPES: usize = 128;

static PIPES: AtomicUsize = AtomicUsize::new(0);

pub struct Pipe {
    pub buffer: IrqMutex<VecDeque<u8>>,
    /// The lengths of the messages in `buffer`, oldest first, when boundaries are kept.
    messages: IrqMutex<VecDeque<usize>>,
    readers: AtomicUsize,
    writers: AtomicUsize,
}

/// What a write does when no reader is left.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BrokenPipe {
    /// SIGPIPE to the writer, then EPIPE (write(2), send(2) without MSG_NOSIGNAL).
    Signal,
    /// EPIPE only (MSG_NOSIGNAL).
    Quiet,
}

impl BrokenPipe {
    /// The writer's error, after the signal if there is one.
    pub fn error(self) -> Errno {
        if self == BrokenPipe::Signal {
            signal::raise_on_current(signal::SIGPIPE, signal::SignalInfo::from_kernel());
        }
        EPIPE
    }
}

/// The result of a transfer of which `done` of `wanted` bytes happened before a fault.
pub fn partial(done: usize, wanted: usize) -> Result<usize, Errno> {
    if done == 0 && wanted > 0 {
        Err(EFAULT)
    } else {
        Ok(done)
    }
}

impl Pipe {
    /// A new pipe, or `None` when too many exist (ENFILE).
    pub fn new() -> Option<Self> {
        PIPES
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |count| {
                (count < MAX_PIPES).then_some(count + 1)
            })
            .ok()?;
        Some(Self {
            buffer: IrqMutex::new(VecDeque::new()),
            messages: IrqMutex::new(VecDeque::new()),
            readers: AtomicUsize::new(0),
            writers: AtomicUsize::new(0),
        })
    }

    /// The identity sleepers on this pipe wait under.
    pub fn channel(&self) -> usize {
        self as *const Self as usize
    }

    pub fn has_readers(&self) -> bool {
        self.readers.load(Ordering::Relaxed) > 0
    }

    pub fn has_writers(&self) -> bool {
        self.writers.load(Ordering::Relaxed) > 0
    }

    pub fn open(&self, write: bool) {
        self.count(write).fetch_add(1, Ordering::Relaxed);
    }

    /// One end closed; the last reader or writer to go wakes the sleepers, who see EOF or
    /// EPIPE.
    pub fn close(&self, write: bool) {
        if self.count(write).fetch_sub(1, Ordering::Relaxed) == 1 {
            scheduler::wake(Channel::Pipe(self.channel()));
        }
    }

    fn count(&self, write: bool) -> &AtomicUsize {
        if write { &self.writers } else { &self.readers }
    }

    /// Whether a read would find something: bytes, an empty message, or EOF.
    pub fn readable(&self) -> bool {
        !self.buffer.lock().is_empty() || !self.messages.lock().is_empty() || !self.has_writers()
    }

    pub fn has_room(&self) -> bool {
        self.buffer.lock().len() < CAPACITY
    }

    /// Sleeps until `attempt` gives an answer: `None` means "wait for the other end", which
    /// becomes EAGAIN when `non_blocking`, ERESTARTSYS when a signal is pending.
    fn wait_for<T>(
        &self,
        non_blocking: bool,
        mut attempt: impl FnMut() -> Option<Result<T, Errno>>,
    ) -> Result<T, Errno> {
        loop {
            let _masked = InterruptsMasked::new();
            if let Some(result) = attempt() {
                return result;
            }
            if non_blocking {
                return Err(EAGAIN);
            }
            if task::signal_pending() {
                return Err(ERESTARTSYS);
            }
            scheduler::sleep(Channel::Pipe(self.channel()));
        }
    }

    /// Reads what is there, up to `buffer`'s length, waiting while the pipe is empty and has
    /// writers; 0 at EOF.
    pub fn read(&self, buffer: &UserBuffers, non_blocking: bool) -> Result<usize, Errno> {
        if buffer.len() == 0 {
            return Ok(0);
        }
        self.wait_for(non_blocking, || {
            let available = self.buffer.lock().len();
            if available > 0 {
                let result = self.take(buffer, available);
                scheduler::wake(Channel::Pipe(self.channel()));
                return Some(result);
            }
            (!self.has_writers()).then_some(Ok(0))
        })
    }

    /// Moves up to `available` bytes to the user, a page at a time as Linux's pipe buffers
    /// do: a page that faults part-way stays in the pipe and does not count.
    fn take(&self, buffer: &UserBuffers, available: usize) -> Result<usize, Errno> {
        let mut done = 0;
        let wanted = buffer.len().min(available);
        while done < wanted {
            let chunk = self.front((wanted - done).min(PAGE_SIZE));
            if buffer.write_at(done, &chunk) != chunk.len() {
                return partial(done, wanted);
            }
            self.buffer.lock().drain(..chunk.len());
            done += chunk.len();
        }
        Ok(done)
    }

    /// A copy of the first `count` bytes, taken without holding the lock over a user copy.
    fn front(&self, count: usize) -> Vec<u8> {
        self.buffer.lock().iter().take(count).copied().collect()
    }

    /// Writes all of `buffer`, waiting for room; a signal or O_NONBLOCK ends the wait with
    /// what was written so far.
    pub fn write(
        &self,
        buffer: &UserBuffers,
        non_blocking: bool,
        broken: BrokenPipe,
    ) -> Result<usize, Errno> {
        if !self.has_readers() {
            // Linux checks for readers before it touches the buffer.
            return Err(broken.error());
        }
        let mut done = 0;
        while done < buffer.len() {
            // Like Linux, a chunk that faults part-way is not written at all.
            let mut chunk = vec![0u8; (buffer.len() - done).min(PAGE_SIZE)];
            if buffer.read_at(done, &mut chunk) != chunk.len() {
                return partial(done, buffer.len());
            }
            let mut pending = &chunk[..];
            while !pending.is_empty() {
                let written = self.wait_for(non_blocking, || {
                    if !self.has_readers() {
                        return Some(Err(broken.error()));
                    }
                    let mut queue = self.buffer.lock();
                    let room = CAPACITY.saturating_sub(queue.len()).min(pending.len());
                    queue.extend(&pending[..room]);
                    drop(queue);
                    (room > 0).then_some(Ok(room))
                });
                match written {
                    Ok(written) => {
                        scheduler::wake(Channel::Pipe(self.channel()));
                        pending = &pending[written..];
                        done += written;
                    }
                    Err(_) if done > 0 => return Ok(done),
                    Err(error) => return Err(error),
                }
            }
        }
        Ok(done)
    }

    /// Receives the oldest message whole, waiting for one; returns the bytes delivered and
    /// whether the message was longer than `buffer` (the rest is discarded, as MSG_TRUNC
    /// says). A fault leaves the message in the pipe and is EFAULT.
    pub fn read_message(
        &self,
        buffer: &UserBuffers,
        non_blocking: bool,
    ) -> Result<(usize, bool), Errno> {
        self.wait_for(non_blocking, || {
            let Some(length) = self.messages.lock().front().copied() else {
                return (!self.has_writers()).then_some(Ok((0, false)));
            };
            let chunk = self.front(length.min(buffer.len()));
            if buffer.write_at(0, &chunk) != chunk.len() {
                return Some(Err(EFAULT));
            }
            self.buffer.lock().drain(..length);
            self.messages.lock().pop_front();
            scheduler::wake(Channel::Pipe(self.channel()));
            Some(Ok((chunk.len(), length > chunk.len())))
        })
    }

    /// Sends `buffer` as one message, waiting until it fits whole; EMSGSIZE if it never can.
    pub fn write_message(
        &self,
        buffer: &UserBuffers,
        non_blocking: bool,
        broken: BrokenPipe,
    ) -> Result<usize, Errno> {
        if buffer.len() > CAPACITY {
            return Err(EMSGSIZE);
        }
        let mut message = vec![0u8; buffer.len()];
        if buffer.read_at(0, &mut message) != message.len() {
            return Err(EFAULT);
        }
        self.wait_for(non_blocking, || {
            if !self.has_readers() {
                return Some(Err(broken.error()));
            }
            let mut queue = self.buffer.lock();
            if queue.len() + message.len() > CAPACITY {
                return None;
            }
            queue.extend(&message);
            drop(queue);
            self.messages.lock().push_back(message.len());
            scheduler::wake(Channel::Pipe(self.channel()));
            Some(Ok(message.len()))
        })
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        PIPES.fetch_sub(1, Ordering::Relaxed);
    }
}
