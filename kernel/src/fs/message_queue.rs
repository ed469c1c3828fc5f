//! POSIX message queues (mq_open and the calls after it): named queues of whole messages,
//! each with a priority; a receive takes the oldest message of the highest priority. The
//! names live in one namespace (Linux's mqueue file system) until mq_unlink; a queue lives
//! on while a descriptor has it open.
//!
//! Locks: the namespace and each queue's messages have a lock of their own, held only to look
//! or change, never across a user copy or a sleep.

use crate::arch::aarch64::timer::now_nanos;
use crate::errno::{
    EACCES, EAGAIN, EEXIST, EINVAL, EMFILE, EMSGSIZE, ENAMETOOLONG, ENOENT, ERESTARTSYS, ETIMEDOUT,
    Errno,
};
use crate::fs::vfs::NAME_MAX;
use crate::sync::{InterruptsMasked, IrqMutex};
use crate::task::{self, scheduler, thread::Channel};
use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Priorities run from 0 to one below this (Linux's MQ_PRIO_MAX).
pub const PRIORITIES: u32 = 32768;
/// Linux's defaults for a queue created without attributes (fs.mqueue.msg_default and
/// msgsize_default).
pub const DEFAULT_ATTRIBUTES: Attributes = Attributes {
    max_messages: 10,
    message_size: 8192,
};
/// Linux's hard ceilings (HARD_MSGMAX, HARD_MSGSIZEMAX), which even root cannot pass.
const MAX_MESSAGES: usize = 65536;
const MAX_MESSAGE_SIZE: usize = 16 << 20;
/// RLIMIT_MSGQUEUE's default: the bytes one queue's messages may take (EMFILE beyond).
const MAX_QUEUE_BYTES: usize = 819_200;

/// What mq_open's `struct mq_attr` sets at creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attributes {
    pub max_messages: usize,
    pub message_size: usize,
}

impl Attributes {
    /// Checks attributes given to mq_open as Linux does (as root).
    pub fn checked(max_messages: i64, message_size: i64) -> Result<Self, Errno> {
        let in_range = |value: i64, max: usize| value > 0 && value as u64 <= max as u64;
        if !in_range(max_messages, MAX_MESSAGES) || !in_range(message_size, MAX_MESSAGE_SIZE) {
            return Err(EINVAL);
        }
        let attributes = Self {
            max_messages: max_messages as usize,
            message_size: message_size as usize,
        };
        if attributes.max_messages * attributes.message_size > MAX_QUEUE_BYTES {
            return Err(EMFILE);
        }
        Ok(attributes)
    }
}

pub struct MessageQueue {
    pub attributes: Attributes,
    /// Highest priority first; within one priority, oldest first.
    messages: IrqMutex<VecDeque<(u32, Vec<u8>)>>,
}

/// What a sender or receiver does when it would have to wait.
#[derive(Clone, Copy)]
pub enum Waiting {
    /// O_NONBLOCK: EAGAIN at once.
    Never,
    /// Until a message or room comes, or a signal (ERESTARTSYS).
    Forever,
    /// Until this time (nanoseconds on the kernel's clock), then ETIMEDOUT.
    Until(u64),
}

static NAMES: IrqMutex<BTreeMap<String, Arc<MessageQueue>>> = IrqMutex::new(BTreeMap::new());

/// A name as mq_open and mq_unlink take it (glibc has dropped the leading slash): not empty,
/// no slash, at most NAME_MAX bytes.
fn check_name(name: &str) -> Result<(), Errno> {
    if name.is_empty() {
        return Err(ENOENT);
    }
    if name.len() > NAME_MAX {
        return Err(ENAMETOOLONG);
    }
    if name.contains('/') {
        return Err(EACCES);
    }
    Ok(())
}

/// mq_open: the queue `name`, made with `create`'s attributes if it does not exist and
/// creating is asked for (EEXIST if it exists and `exclusive`).
pub fn open(
    name: &str,
    create: Option<Attributes>,
    exclusive: bool,
) -> Result<Arc<MessageQueue>, Errno> {
    check_name(name)?;
    let mut names = NAMES.lock();
    match (names.get(name), create) {
        (Some(_), Some(_)) if exclusive => Err(EEXIST),
        (Some(queue), _) => Ok(queue.clone()),
        (None, None) => Err(ENOENT),
        (None, Some(attributes)) => {
            let queue = Arc::new(MessageQueue {
                attributes,
                messages: IrqMutex::new(VecDeque::new()),
            });
            names.insert(String::from(name), queue.clone());
            Ok(queue)
        }
    }
}

/// mq_unlink: the name goes; the queue stays for those who have it open.
pub fn unlink(name: &str) -> Result<(), Errno> {
    check_name(name)?;
    NAMES.lock().remove(name).map(drop).ok_or(ENOENT)
}

impl MessageQueue {
    fn channel(&self) -> Channel {
        Channel::MessageQueue(self as *const Self as usize)
    }

    /// Messages waiting.
    pub fn len(&self) -> usize {
        self.messages.lock().len()
    }

    pub fn is_full(&self) -> bool {
        self.len() >= self.attributes.max_messages
    }

    /// The bytes of the messages waiting (the QSIZE a read of the descriptor reports).
    pub fn bytes(&self) -> usize {
        self.messages.lock().iter().map(|(_, m)| m.len()).sum()
    }

    /// Queues `message` with `priority`, waiting for room as `waiting` says.
    pub fn send(&self, message: Vec<u8>, priority: u32, waiting: Waiting) -> Result<(), Errno> {
        if message.len() > self.attributes.message_size {
            return Err(EMSGSIZE);
        }
        if priority >= PRIORITIES {
            return Err(EINVAL);
        }
        let mut message = Some(message);
        self.wait(waiting, || {
            let mut messages = self.messages.lock();
            if messages.len() >= self.attributes.max_messages {
                return false;
            }
            // After every message of the same or a higher priority.
            let at = messages.partition_point(|(queued, _)| *queued >= priority);
            messages.insert(at, (priority, message.take().expect("sent once")));
            true
        })
    }

    /// Takes the first message (highest priority, oldest), waiting for one as `waiting` says;
    /// EMSGSIZE unless `room` could hold the largest message the queue takes.
    pub fn receive(&self, room: usize, waiting: Waiting) -> Result<(u32, Vec<u8>), Errno> {
        if room < self.attributes.message_size {
            return Err(EMSGSIZE);
        }
        let mut taken = None;
        self.wait(waiting, || {
            taken = self.messages.lock().pop_front();
            taken.is_some()
        })?;
        Ok(taken.expect("taken when the wait ended"))
    }

    /// Runs `attempt` until it succeeds, sleeping in between as `waiting` allows; wakes the
    /// other side on success.
    fn wait(&self, waiting: Waiting, mut attempt: impl FnMut() -> bool) -> Result<(), Errno> {
        loop {
            // Masked from the attempt to the sleep: no wake-up can come in between unseen.
            let _masked = InterruptsMasked::new();
            if attempt() {
                scheduler::wake(self.channel());
                return Ok(());
            }
            match waiting {
                Waiting::Never => return Err(EAGAIN),
                Waiting::Until(deadline) if now_nanos() >= deadline => return Err(ETIMEDOUT),
                _ => {}
            }
            if task::signal_pending() {
                return Err(ERESTARTSYS);
            }
            scheduler::sleep(match waiting {
                Waiting::Until(_) => Channel::Tick,
                _ => self.channel(),
            });
        }
    }
}
