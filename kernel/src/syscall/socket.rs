//! Socket calls: socketpair(AF_UNIX) and the send/receive calls on the connected pair it
//! makes. There are no addresses (socket, bind, connect are not supported), no ancillary
//! data, and no MSG_PEEK, MSG_OOB or MSG_WAITALL: those are EOPNOTSUPP, never silently
//! something else.

use super::files::{file, install_pair, iovecs};
use super::{Arguments, SyscallResult, read_user, word, write_user};
use crate::errno::{
    EAFNOSUPPORT, EFAULT, EINVAL, EISCONN, ENOTSOCK, EOPNOTSUPP, EPROTONOSUPPORT, ESOCKTNOSUPPORT,
    Errno,
};
use crate::fs::file::{FileKind, OpenFile};
use crate::fs::pipe::BrokenPipe;
use crate::fs::socket::{Received, Socket, SocketType};
use crate::fs::user_buffers::UserBuffers;
use crate::uaccess::{UserPtr, UserSlice, access_ok, get_user, put_user};
use alloc::sync::Arc;

const AF_UNIX: usize = 1;
const SOCK_STREAM: usize = 1;
const SOCK_SEQPACKET: usize = 5;
const SOCK_TYPE_MASK: usize = 0xf;
const SOCK_NONBLOCK: usize = 0o4000;
const SOCK_CLOEXEC: usize = 0o2_000_000;

const MSG_OOB: usize = 0x1;
const MSG_PEEK: usize = 0x2;
const MSG_TRUNC: usize = 0x20;
const MSG_DONTWAIT: usize = 0x40;
const MSG_WAITALL: usize = 0x100;
const MSG_NOSIGNAL: usize = 0x4000;
/// Flags whose meaning this kernel does not provide, on a send and on a receive (Linux
/// ignores the receive flags on a send).
const SEND_UNSUPPORTED: usize = MSG_OOB;
const RECEIVE_UNSUPPORTED: usize = MSG_OOB | MSG_PEEK | MSG_TRUNC | MSG_WAITALL;

/// `struct msghdr`: name, namelen, iov, iovlen, control, controllen, flags (56 bytes).
const MSGHDR_SIZE: usize = 56;
const MSGHDR_NAMELEN: usize = 8;
const MSGHDR_CONTROLLEN: usize = 40;
const MSGHDR_FLAGS: usize = 48;

/// socket(2): this kernel has no address families to bind or connect in.
pub fn socket(_args: &Arguments) -> SyscallResult {
    Err(EAFNOSUPPORT)
}

/// socketpair(AF_UNIX, SOCK_STREAM or SOCK_SEQPACKET [| SOCK_NONBLOCK | SOCK_CLOEXEC], 0, sv).
pub fn socketpair(args: &Arguments) -> SyscallResult {
    let (domain, type_and_flags, protocol) = (args.usize(0), args.usize(1), args.usize(2));
    if domain != AF_UNIX {
        return Err(EAFNOSUPPORT);
    }
    if type_and_flags & !(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(EINVAL);
    }
    let kind = match type_and_flags & SOCK_TYPE_MASK {
        SOCK_STREAM => SocketType::Stream,
        SOCK_SEQPACKET => SocketType::SeqPacket,
        // SOCK_DGRAM among them: not in this kernel.
        _ => return Err(ESOCKTNOSUPPORT),
    };
    // Linux takes 0 or PF_UNIX itself.
    if protocol > AF_UNIX {
        return Err(EPROTONOSUPPORT);
    }
    let non_blocking = type_and_flags & SOCK_NONBLOCK != 0;
    let (first, second) = Socket::pair(kind)?;
    let open = |socket| {
        OpenFile::new(FileKind::Socket(Arc::new(socket)), true, true).non_blocking(non_blocking)
    };
    install_pair(
        open(first),
        open(second),
        type_and_flags & SOCK_CLOEXEC != 0,
        args.usize(3),
    )
}

/// The socket behind a descriptor, and whether its file is in O_NONBLOCK mode.
struct Endpoint {
    socket: Arc<Socket>,
    non_blocking: bool,
}

impl Endpoint {
    /// The endpoint of descriptor `fd` for a call with `flags`, of which `unsupported` are
    /// EOPNOTSUPP.
    fn of(fd: i32, flags: usize, unsupported: usize) -> Result<Self, Errno> {
        if flags & unsupported != 0 {
            return Err(EOPNOTSUPP);
        }
        let file = file(fd)?;
        Ok(Self {
            socket: file.socket().ok_or(ENOTSOCK)?,
            non_blocking: file.is_non_blocking() || flags & MSG_DONTWAIT != 0,
        })
    }

    /// A send to a connected socket names no address: a stream socket refuses one
    /// (EISCONN), a packet socket ignores it, as Linux's AF_UNIX does.
    fn check_destination(&self, address_length: usize) -> Result<(), Errno> {
        if address_length != 0 && self.socket.kind == SocketType::Stream {
            return Err(EISCONN);
        }
        Ok(())
    }

    fn send(&self, buffers: &UserBuffers, flags: usize) -> SyscallResult {
        let broken = if flags & MSG_NOSIGNAL != 0 {
            BrokenPipe::Quiet
        } else {
            BrokenPipe::Signal
        };
        self.socket.send(buffers, self.non_blocking, broken)
    }

    fn receive(&self, buffers: &UserBuffers) -> Result<Received, Errno> {
        self.socket.receive(buffers, self.non_blocking)
    }
}

fn single_buffer(address: usize, length: usize) -> Result<UserBuffers, Errno> {
    if !access_ok(address, length) {
        return Err(EFAULT);
    }
    Ok(UserBuffers::single(UserSlice::new(address, length)))
}

/// sendto(fd, buffer, length, flags, destination, destination length).
pub fn sendto(args: &Arguments) -> SyscallResult {
    let flags = args.usize(3);
    let endpoint = Endpoint::of(args.i32(0), flags, SEND_UNSUPPORTED)?;
    endpoint.check_destination(args.usize(5))?;
    endpoint.send(&single_buffer(args.usize(1), args.usize(2))?, flags)
}

/// recvfrom(fd, buffer, length, flags, source, source length). The peer of a socketpair
/// has no address: the source length becomes 0, as on Linux.
pub fn recvfrom(args: &Arguments) -> SyscallResult {
    let endpoint = Endpoint::of(args.i32(0), args.usize(3), RECEIVE_UNSUPPORTED)?;
    let received = endpoint.receive(&single_buffer(args.usize(1), args.usize(2))?)?;
    if args.usize(4) != 0 {
        report_no_address(args.usize(5))?;
    }
    Ok(received.count)
}

/// Writes an address length of 0 to `length_pointer`, checking it as Linux's
/// move_addr_to_user does (a negative length is EINVAL).
fn report_no_address(length_pointer: usize) -> Result<(), Errno> {
    let pointer = UserPtr::<i32>::new(length_pointer);
    if get_user(pointer)? < 0 {
        return Err(EINVAL);
    }
    put_user(pointer, 0)
}

/// A `struct msghdr` read from user memory, with its iovecs.
struct MessageHeader {
    name: usize,
    name_length: usize,
    buffers: UserBuffers,
    control_length: usize,
}

fn read_message_header(address: usize) -> Result<MessageHeader, Errno> {
    let header = read_user::<MSGHDR_SIZE>(address)?;
    let name_length = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
    let iovecs = iovecs(word(&header, 2) as usize, word(&header, 3) as usize)?;
    Ok(MessageHeader {
        name: word(&header, 0) as usize,
        name_length: name_length as usize,
        buffers: UserBuffers::vectored(iovecs),
        control_length: word(&header, 5) as usize,
    })
}

/// sendmsg(fd, message, flags), without ancillary data.
pub fn sendmsg(args: &Arguments) -> SyscallResult {
    let flags = args.usize(2);
    let endpoint = Endpoint::of(args.i32(0), flags, SEND_UNSUPPORTED)?;
    let header = read_message_header(args.usize(1))?;
    if header.control_length != 0 {
        return Err(EOPNOTSUPP);
    }
    if header.name != 0 {
        endpoint.check_destination(header.name_length)?;
    }
    endpoint.send(&header.buffers, flags)
}

/// recvmsg(fd, message, flags): fills the iovecs, reports no address, no ancillary data,
/// and MSG_TRUNC in msg_flags when a message did not fit.
pub fn recvmsg(args: &Arguments) -> SyscallResult {
    let endpoint = Endpoint::of(args.i32(0), args.usize(2), RECEIVE_UNSUPPORTED)?;
    let address = args.usize(1);
    let header = read_message_header(address)?;
    let received = endpoint.receive(&header.buffers)?;
    if header.name != 0 {
        write_user(address + MSGHDR_NAMELEN, &0u32.to_le_bytes())?;
    }
    write_user(address + MSGHDR_CONTROLLEN, &0u64.to_le_bytes())?;
    let message_flags = if received.truncated {
        MSG_TRUNC as u32
    } else {
        0
    };
    write_user(address + MSGHDR_FLAGS, &message_flags.to_le_bytes())?;
    Ok(received.count)
}

/// shutdown(fd, SHUT_RD | SHUT_WR | SHUT_RDWR).
pub fn shutdown(args: &Arguments) -> SyscallResult {
    let endpoint = Endpoint::of(args.i32(0), 0, 0)?;
    let how = args.usize(1);
    if how > 2 {
        return Err(EINVAL);
    }
    endpoint.socket.shutdown(how != 1, how != 0);
    Ok(0)
}
