//! Pipes: a bounded byte queue between a read end and a write end.

use crate::sync::IrqMutex;
use alloc::collections::VecDeque;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Bytes a pipe holds before writers wait (Linux's default pipe size).
pub const CAPACITY: usize = 65536;
/// Pipes alive at once: their buffers come from the kernel heap, which is finite.
const MAX_PIPES: usize = 128;

static PIPES: AtomicUsize = AtomicUsize::new(0);

pub struct Pipe {
    pub buffer: IrqMutex<VecDeque<u8>>,
    readers: AtomicUsize,
    writers: AtomicUsize,
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

    /// One end closed; returns whether sleepers must be woken (last reader or writer gone).
    pub fn close(&self, write: bool) -> bool {
        self.count(write).fetch_sub(1, Ordering::Relaxed) == 1
    }

    fn count(&self, write: bool) -> &AtomicUsize {
        if write { &self.writers } else { &self.readers }
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        PIPES.fetch_sub(1, Ordering::Relaxed);
    }
}
