//! Open files: what a file descriptor refers to, with its offset, and what read, write,
//! seek, stat and getdents64 do on each kind.
//!
//! Partial transfers follow Linux: a copy that faults after moving some bytes returns
//! that count; one that moves nothing returns EFAULT.

use super::console_input;
use super::pipe::{BrokenPipe, Pipe, partial};
use super::socket::Socket;
use super::user_buffers::UserBuffers;
use super::vfs::{Device, Node, NodeKind, S_IFMT};
use crate::arch::aarch64::timer;
use crate::console;
use crate::errno::{EBADF, EFAULT, EINVAL, EISDIR, ENOTDIR, ERESTARTSYS, ESPIPE, Errno};
use crate::mm::page_table::PAGE_SIZE;
use crate::sync::IrqMutex;
use crate::task;
use crate::uaccess::{UserSlice, copy_to_user};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

pub enum FileKind {
    Node(Arc<Node>),
    PipeRead(Arc<Pipe>),
    PipeWrite(Arc<Pipe>),
    Socket(Arc<Socket>),
}

pub struct OpenFile {
    pub kind: FileKind,
    offset: IrqMutex<usize>,
    readable: bool,
    writable: bool,
    /// O_NONBLOCK: EAGAIN instead of waiting (pipes); fcntl's F_SETFL changes it.
    non_blocking: AtomicBool,
}

/// What poll reports for a file: the `revents` bits.
pub mod poll_events {
    pub const IN: u16 = 0x001;
    pub const OUT: u16 = 0x004;
    pub const ERR: u16 = 0x008;
    pub const HUP: u16 = 0x010;
    pub const NVAL: u16 = 0x020;
}

/// Open-file status flags as fcntl's F_GETFL reports them.
pub const O_RDONLY: usize = 0;
pub const O_WRONLY: usize = 1;
pub const O_RDWR: usize = 2;
pub const O_NONBLOCK: usize = 0o4000;

/// `whence` values of lseek.
const SEEK_SET: usize = 0;
const SEEK_CUR: usize = 1;
const SEEK_END: usize = 2;

/// linux_dirent64 `d_type` values.
const DT_CHR: u8 = 2;
const DT_DIR: u8 = 4;
const DT_REG: u8 = 8;

impl OpenFile {
    pub fn new(kind: FileKind, readable: bool, writable: bool) -> Arc<Self> {
        match &kind {
            FileKind::PipeRead(pipe) => pipe.open(false),
            FileKind::PipeWrite(pipe) => pipe.open(true),
            FileKind::Node(_) | FileKind::Socket(_) => {}
        }
        Arc::new(Self {
            kind,
            offset: IrqMutex::new(0),
            readable,
            writable,
            non_blocking: AtomicBool::new(false),
        })
    }

    /// The same file with O_NONBLOCK set as asked.
    pub fn non_blocking(self: Arc<Self>, non_blocking: bool) -> Arc<Self> {
        self.set_non_blocking(non_blocking);
        self
    }

    pub fn set_non_blocking(&self, non_blocking: bool) {
        self.non_blocking.store(non_blocking, Ordering::Relaxed);
    }

    pub fn is_non_blocking(&self) -> bool {
        self.non_blocking.load(Ordering::Relaxed)
    }

    /// The access mode and status flags (fcntl's F_GETFL).
    pub fn status_flags(&self) -> usize {
        let mode = match (self.readable, self.writable) {
            (true, true) => O_RDWR,
            (false, true) => O_WRONLY,
            _ => O_RDONLY,
        };
        let non_blocking = if self.is_non_blocking() {
            O_NONBLOCK
        } else {
            0
        };
        mode | non_blocking
    }

    /// Which of the poll `events` (IN, OUT) the file is ready for now, plus HUP and ERR,
    /// which are reported whether asked for or not.
    pub fn poll(&self, events: u16) -> u16 {
        use poll_events::{ERR, HUP, IN, OUT};
        let (readable, writable, other) = match &self.kind {
            FileKind::PipeRead(pipe) => {
                let hung_up = !pipe.has_writers();
                (pipe.readable(), false, if hung_up { HUP } else { 0 })
            }
            FileKind::PipeWrite(pipe) => {
                let broken = !pipe.has_readers();
                (
                    false,
                    pipe.has_room() || broken,
                    if broken { ERR } else { 0 },
                )
            }
            FileKind::Socket(socket) => {
                let (readable, writable, peer_gone) = socket.poll();
                (readable, writable, if peer_gone { HUP } else { 0 })
            }
            FileKind::Node(_) if self.is_console() => (console_input::available(), true, 0),
            // Files and the null and zero devices never make anyone wait.
            FileKind::Node(_) => (true, true, 0),
        };
        let ready_in = if readable && self.readable { IN } else { 0 };
        let ready_out = if writable && self.writable { OUT } else { 0 };
        (ready_in | ready_out) & events | other
    }

    pub fn node(&self) -> Option<&Arc<Node>> {
        match &self.kind {
            FileKind::Node(node) => Some(node),
            _ => None,
        }
    }

    pub fn socket(&self) -> Option<Arc<Socket>> {
        match &self.kind {
            FileKind::Socket(socket) => Some(socket.clone()),
            _ => None,
        }
    }

    pub fn is_console(&self) -> bool {
        self.node()
            .is_some_and(|node| matches!(node.kind, NodeKind::Device(Device::Console)))
    }

    pub fn read(&self, buffer: &UserBuffers) -> Result<usize, Errno> {
        if !self.readable {
            return Err(EBADF);
        }
        match &self.kind {
            FileKind::Node(node) => match &node.kind {
                NodeKind::Directory(_) => Err(EISDIR),
                NodeKind::File(data) => {
                    let mut offset = self.offset.lock();
                    let available = &data[(*offset).min(data.len())..];
                    let count = buffer.len().min(available.len());
                    let done = buffer.write_at(0, &available[..count]);
                    *offset += done;
                    partial(done, count)
                }
                NodeKind::Device(Device::Null) => Ok(0),
                NodeKind::Device(Device::Zero) => {
                    partial(buffer.clear_at(0, buffer.len()), buffer.len())
                }
                NodeKind::Device(Device::Console) => read_console(buffer),
            },
            FileKind::PipeRead(pipe) => pipe.read(buffer, self.is_non_blocking()),
            FileKind::Socket(socket) => Ok(socket.receive(buffer, self.is_non_blocking())?.count),
            FileKind::PipeWrite(_) => Err(EBADF),
        }
    }

    pub fn write(&self, buffer: &UserBuffers) -> Result<usize, Errno> {
        if !self.writable {
            return Err(EBADF);
        }
        match &self.kind {
            FileKind::Node(node) => match node.kind {
                // As on Linux, the null and zero devices accept anything without reading it.
                NodeKind::Device(Device::Null | Device::Zero) => Ok(buffer.len()),
                NodeKind::Device(Device::Console) => write_console(buffer),
                _ => Err(EBADF),
            },
            FileKind::PipeWrite(pipe) => {
                pipe.write(buffer, self.is_non_blocking(), BrokenPipe::Signal)
            }
            FileKind::Socket(socket) => {
                socket.send(buffer, self.is_non_blocking(), BrokenPipe::Signal)
            }
            FileKind::PipeRead(_) => Err(EBADF),
        }
    }

    pub fn seek(&self, offset: i64, whence: usize) -> Result<usize, Errno> {
        let node = match &self.kind {
            FileKind::Node(node) => node,
            _ => return Err(ESPIPE),
        };
        let size = match &node.kind {
            NodeKind::File(data) => data.len(),
            NodeKind::Directory(children) => children.len() + 2,
            NodeKind::Device(Device::Console) => return Err(ESPIPE),
            NodeKind::Device(_) => return Ok(0),
        };
        let mut current = self.offset.lock();
        let base = match whence {
            SEEK_SET => 0,
            SEEK_CUR => *current as i64,
            SEEK_END => size as i64,
            _ => return Err(EINVAL),
        };
        let target = base.checked_add(offset).filter(|t| *t >= 0).ok_or(EINVAL)?;
        *current = target as usize;
        Ok(*current)
    }

    /// `struct stat` (asm-generic layout, 128 bytes).
    pub fn stat(&self) -> [u8; 128] {
        match &self.kind {
            FileKind::Node(node) => stat_of(node),
            FileKind::PipeRead(pipe) | FileKind::PipeWrite(pipe) => {
                stat_bytes(pipe.channel() as u64, 0o010_600, 1, 0, 0)
            }
            FileKind::Socket(socket) => stat_bytes(Arc::as_ptr(socket) as u64, 0o140_777, 1, 0, 0),
        }
    }

    /// Fills `buffer` with linux_dirent64 records from the directory's position.
    pub fn read_directory(&self, buffer: UserSlice) -> Result<usize, Errno> {
        let Some(NodeKind::Directory(children)) = self.node().map(|node| &node.kind) else {
            return Err(ENOTDIR);
        };
        let directory = self.node().expect("checked above");
        let mut position = self.offset.lock();
        let entries = [
            (".", directory.inode, DT_DIR),
            ("..", directory.inode, DT_DIR),
        ]
        .into_iter()
        .chain(
            children
                .iter()
                .map(|(name, node)| (name.as_str(), node.inode, dirent_type(node))),
        );
        let mut written = 0;
        let mut next = *position;
        for (index, (name, inode, kind)) in entries.enumerate().skip(*position) {
            let length = (19 + name.len() + 1).next_multiple_of(8);
            if written + length > buffer.len {
                if written == 0 {
                    return Err(EINVAL);
                }
                break;
            }
            let mut record = Vec::with_capacity(length);
            record.extend_from_slice(&inode.to_le_bytes());
            record.extend_from_slice(&((index + 1) as i64).to_le_bytes());
            record.extend_from_slice(&(length as u16).to_le_bytes());
            record.push(kind);
            record.extend_from_slice(name.as_bytes());
            record.resize(length, 0);
            // As Linux: the records written before a fault are the result.
            if copy_to_user(buffer.start.add(written), &record) != 0 {
                if written == 0 {
                    return Err(EFAULT);
                }
                break;
            }
            written += length;
            next = index + 1;
        }
        *position = next;
        Ok(written)
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        match &self.kind {
            FileKind::PipeRead(pipe) => pipe.close(false),
            FileKind::PipeWrite(pipe) => pipe.close(true),
            FileKind::Node(_) | FileKind::Socket(_) => {}
        }
    }
}

fn dirent_type(node: &Node) -> u8 {
    match node.kind {
        NodeKind::Directory(_) => DT_DIR,
        NodeKind::File(_) => DT_REG,
        NodeKind::Device(_) => DT_CHR,
    }
}

/// Linux's device numbers for the kernel's character devices.
fn device_number(device: Device) -> u64 {
    let (major, minor) = match device {
        Device::Console => (5, 1),
        Device::Null => (1, 3),
        Device::Zero => (1, 5),
    };
    (major << 8) | minor
}

pub fn stat_of(node: &Node) -> [u8; 128] {
    let rdev = match node.kind {
        NodeKind::Device(device) => device_number(device),
        _ => 0,
    };
    let links = if node.mode & S_IFMT == super::vfs::S_IFDIR {
        2
    } else {
        1
    };
    stat_bytes(node.inode, node.mode, links, rdev, node.size() as u64)
}

fn stat_bytes(inode: u64, mode: u32, links: u32, rdev: u64, size: u64) -> [u8; 128] {
    let mut stat = [0u8; 128];
    let mut put =
        |offset: usize, bytes: &[u8]| stat[offset..offset + bytes.len()].copy_from_slice(bytes);
    put(0, &1u64.to_le_bytes()); // st_dev
    put(8, &inode.to_le_bytes());
    put(16, &mode.to_le_bytes());
    put(20, &links.to_le_bytes());
    put(32, &rdev.to_le_bytes());
    put(48, &size.to_le_bytes());
    put(56, &(PAGE_SIZE as u32).to_le_bytes()); // st_blksize
    put(64, &size.div_ceil(512).to_le_bytes()); // st_blocks
    let now = timer::counter() / timer::counter_frequency();
    for time in [72, 88, 104] {
        put(time, &now.to_le_bytes());
    }
    stat
}

fn read_console(buffer: &UserBuffers) -> Result<usize, Errno> {
    if buffer.len() == 0 {
        return Ok(0);
    }
    let bytes = console_input::take(buffer.len(), task::signal_pending).ok_or(ERESTARTSYS)?;
    let done = buffer.write_at(0, &bytes);
    console_input::unread(&bytes[done..]);
    partial(done, bytes.len())
}

fn write_console(buffer: &UserBuffers) -> Result<usize, Errno> {
    let mut chunk = [0u8; 256];
    let mut done = 0;
    while done < buffer.len() {
        let part = &mut chunk[..(buffer.len() - done).min(256)];
        let copied = buffer.read_at(done, part);
        console::write_bytes(&part[..copied]);
        done += copied;
        if copied < part.len() {
            return partial(done, buffer.len());
        }
    }
    Ok(done)
}
