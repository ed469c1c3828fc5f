//! Connected local sockets, as socketpair(AF_UNIX) makes them: two pipes crossed, one for
//! each direction, the SOCK_SEQPACKET kind keeping message boundaries.

use super::pipe::{BrokenPipe, Pipe};
use super::user_buffers::UserBuffers;
use crate::errno::{ENFILE, Errno};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SocketType {
    Stream,
    SeqPacket,
}

pub struct Socket {
    pub kind: SocketType,
    /// What the peer sends; this end reads it.
    incoming: Arc<Pipe>,
    /// What this end sends; the peer reads it.
    outgoing: Arc<Pipe>,
    /// shutdown(SHUT_RD) was called: reads see EOF, the peer's writes EPIPE.
    read_shut: AtomicBool,
    /// shutdown(SHUT_WR) was called: writes are EPIPE, the peer's reads see EOF.
    write_shut: AtomicBool,
}

/// What one receive delivered.
pub struct Received {
    pub count: usize,
    /// The message was longer than the buffer and its rest was discarded (MSG_TRUNC).
    pub truncated: bool,
}

impl Socket {
    /// Two sockets connected to each other, or ENFILE when the kernel has no room for them.
    pub fn pair(kind: SocketType) -> Result<(Self, Self), Errno> {
        let first = Arc::new(Pipe::new().ok_or(ENFILE)?);
        let second = Arc::new(Pipe::new().ok_or(ENFILE)?);
        Ok((
            Self::end(kind, first.clone(), second.clone()),
            Self::end(kind, second, first),
        ))
    }

    fn end(kind: SocketType, incoming: Arc<Pipe>, outgoing: Arc<Pipe>) -> Self {
        incoming.open(false);
        outgoing.open(true);
        Self {
            kind,
            incoming,
            outgoing,
            read_shut: AtomicBool::new(false),
            write_shut: AtomicBool::new(false),
        }
    }

    pub fn receive(&self, buffer: &UserBuffers, non_blocking: bool) -> Result<Received, Errno> {
        if self.read_shut.load(Ordering::Relaxed) && !self.incoming.readable() {
            return Ok(Received {
                count: 0,
                truncated: false,
            });
        }
        match self.kind {
            SocketType::Stream => Ok(Received {
                count: self.incoming.read(buffer, non_blocking)?,
                truncated: false,
            }),
            SocketType::SeqPacket => {
                let (count, truncated) = self.incoming.read_message(buffer, non_blocking)?;
                Ok(Received { count, truncated })
            }
        }
    }

    pub fn send(
        &self,
        buffer: &UserBuffers,
        non_blocking: bool,
        broken: BrokenPipe,
    ) -> Result<usize, Errno> {
        if self.write_shut.load(Ordering::Relaxed) {
            return Err(broken.error());
        }
        match self.kind {
            SocketType::Stream => self.outgoing.write(buffer, non_blocking, broken),
            SocketType::SeqPacket => self.outgoing.write_message(buffer, non_blocking, broken),
        }
    }

    /// shutdown(2): closes this end for reading, writing or both; each only once.
    pub fn shutdown(&self, read: bool, write: bool) {
        if read && !self.read_shut.swap(true, Ordering::Relaxed) {
            self.incoming.close(false);
        }
        if write && !self.write_shut.swap(true, Ordering::Relaxed) {
            self.outgoing.close(true);
        }
    }

    /// (readable, writable, peer gone) for poll.
    pub fn poll(&self) -> (bool, bool, bool) {
        let read_shut = self.read_shut.load(Ordering::Relaxed);
        let write_shut = self.write_shut.load(Ordering::Relaxed);
        let peer_gone = !self.incoming.has_writers() && !self.outgoing.has_readers();
        let writable = write_shut || !self.outgoing.has_readers() || self.outgoing.has_room();
        (read_shut || self.incoming.readable(), writable, peer_gone)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.shutdown(true, true);
    }
}
