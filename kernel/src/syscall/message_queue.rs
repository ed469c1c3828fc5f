//! The POSIX message queue calls: mq_open, mq_unlink, mq_timedsend, mq_timedreceive and
//! mq_getsetattr (mq_notify is not implemented: ENOSYS). glibc's mq_send and mq_receive are
//! these with no timeout.

use super::files::{O_ACCMODE, O_CLOEXEC, O_CREAT, O_EXCL, file, install};
use super::paths::read_path;
use super::time::read_timespec;
use super::{Arguments, SyscallResult, put_words, read_user, word, write_user};
use crate::errno::{EBADF, EFAULT, EINVAL, EMSGSIZE, Errno};
use crate::fs::file::{O_NONBLOCK, O_RDWR, O_WRONLY, OpenFile};
use crate::fs::message_queue::{self, Attributes, DEFAULT_ATTRIBUTES, MessageQueue, Waiting};
use crate::uaccess::{UserCStr, UserPtr, copy_from_user, put_user};
use alloc::sync::Arc;
use alloc::vec;

/// `struct mq_attr`: mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs, then four reserved longs.
const MQ_ATTR_SIZE: usize = 64;

/// mq_open(name, flags, mode, attributes): a descriptor for the queue `name`, made with
/// O_CREAT (with `attributes`, or Linux's defaults for NULL).
pub fn mq_open(args: &Arguments) -> SyscallResult {
    let name = read_path(UserCStr::new(args.usize(0)))?;
    let flags = args.usize(1);
    if flags & O_ACCMODE == O_ACCMODE {
        return Err(EINVAL);
    }
    let create = if flags & O_CREAT == 0 {
        None
    } else if args.usize(3) == 0 {
        Some(DEFAULT_ATTRIBUTES)
    } else {
        let bytes = read_user::<MQ_ATTR_SIZE>(args.usize(3))?;
        Some(Attributes::checked(
            word(&bytes, 1) as i64,
            word(&bytes, 2) as i64,
        )?)
    };
    let queue = message_queue::open(&name, create, flags & O_EXCL != 0)?;
    let access = flags & O_ACCMODE;
    let file =
        OpenFile::message_queue(queue, access != O_WRONLY, access & (O_WRONLY | O_RDWR) != 0)
            .non_blocking(flags & O_NONBLOCK != 0);
    install(file, flags & O_CLOEXEC != 0)
}

pub fn mq_unlink(args: &Arguments) -> SyscallResult {
    let name = read_path(UserCStr::new(args.usize(0)))?;
    message_queue::unlink(&name)?;
    Ok(0)
}

/// The queue behind descriptor `fd`, if it is open for reading (`for_writing`: for writing).
fn queue(fd: i32, for_writing: bool) -> Result<(Arc<OpenFile>, Arc<MessageQueue>), Errno> {
    let file = file(fd)?;
    let queue = file.queue().ok_or(EBADF)?;
    let allowed = if for_writing {
        file.is_writable()
    } else {
        file.is_readable()
    };
    if !allowed {
        return Err(EBADF);
    }
    Ok((file, queue))
}

/// How a send or receive on `file` waits: not at all with O_NONBLOCK, else until the
/// absolute CLOCK_REALTIME time at `timeout` (NULL: for ever).
fn waiting(file: &OpenFile, timeout: usize) -> Result<Waiting, Errno> {
    let deadline = match timeout {
        0 => None,
        address => Some(read_timespec(address)?),
    };
    Ok(if file.is_non_blocking() {
        Waiting::Never
    } else {
        deadline.map_or(Waiting::Forever, Waiting::Until)
    })
}

/// mq_timedsend(fd, message, length, priority, timeout).
pub fn mq_timedsend(args: &Arguments) -> SyscallResult {
    let (file, queue) = queue(args.i32(0), true)?;
    let length = args.usize(2);
    if length > queue.attributes.message_size {
        return Err(EMSGSIZE);
    }
    let mut message = vec![0u8; length];
    if copy_from_user(&mut message, UserPtr::new(args.usize(1))) != 0 {
        return Err(EFAULT);
    }
    let priority = u32::try_from(args.usize(3)).map_err(|_| EINVAL)?;
    let waiting = waiting(&file, args.usize(4))?;
    queue.send(message, priority, waiting)?;
    Ok(0)
}

/// mq_timedreceive(fd, buffer, length, priority, timeout): the message's length; its
/// priority at `priority` unless NULL. A message that cannot be copied out is lost, as on
/// Linux.
pub fn mq_timedreceive(args: &Arguments) -> SyscallResult {
    let (file, queue) = queue(args.i32(0), false)?;
    let waiting = waiting(&file, args.usize(4))?;
    let (priority, message) = queue.receive(args.usize(2), waiting)?;
    write_user(args.usize(1), &message)?;
    if args.usize(3) != 0 {
        put_user(UserPtr::<u32>::new(args.usize(3)), priority)?;
    }
    Ok(message.len())
}

/// mq_getsetattr(fd, new, old): the attributes at `old`; `new` may change only O_NONBLOCK.
pub fn mq_getsetattr(args: &Arguments) -> SyscallResult {
    let file = file(args.i32(0))?;
    let queue = file.queue().ok_or(EBADF)?;
    let new = match args.usize(1) {
        0 => None,
        address => {
            let flags = word(&read_user::<MQ_ATTR_SIZE>(address)?, 0) as usize;
            if flags & !O_NONBLOCK != 0 {
                return Err(EINVAL);
            }
            Some(flags)
        }
    };
    if args.usize(2) != 0 {
        let mut bytes = [0u8; MQ_ATTR_SIZE];
        let flags = if file.is_non_blocking() {
            O_NONBLOCK
        } else {
            0
        };
        let fields = [
            flags,
            queue.attributes.max_messages,
            queue.attributes.message_size,
            queue.len(),
        ];
        put_words(&mut bytes, &fields.map(|field| field as u64));
        write_user(args.usize(2), &bytes)?;
    }
    if let Some(flags) = new {
        file.set_non_blocking(flags & O_NONBLOCK != 0);
    }
    Ok(0)
}
