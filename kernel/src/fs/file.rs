//! Open files: what a file descriptor refers to, with its offset, and what read, write,
//! seek, stat and getdents64 do on each kind.
//!
//! Partial transfers follow Linux: a copy that faults after moving some bytes returns
//! that count; one that moves nothing returns EFAULT.

use super::fbdev;
use super::file_data::FileData;
use super::message_queue::MessageQueue;
use super::pipe::{BrokenPipe, Pipe, partial};
use super::socket::Socket;
use super::stat;
use super::tty;
use super::user_buffers::UserBuffers;
use super::vfs::{self, Device, Node, NodeKind, Timestamp};
use crate::arch::aarch64::timer;
use crate::console;
use crate::errno::{
    EACCES, EBADF, EFAULT, EINVAL, EISDIR, ENODEV, ENOENT, ENOTDIR, ERESTARTSYS, ESPIPE, Errno,
};
use crate::mm::address_space::FaultError;
use crate::mm::backing::{Backing, FileSource};
use crate::mm::frames;
use crate::mm::page_table::PAGE_SIZE;
use crate::sync::IrqMutex;
use crate::task;
use crate::task::signal::job_control::{self, TerminalUse};
use crate::uaccess::{UserSlice, copy_to_user};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use spin::Mutex;

pub enum FileKind {
    Node(Arc<Node>),
    PipeRead(Arc<Pipe>),
    PipeWrite(Arc<Pipe>),
    Socket(Arc<Socket>),
    MessageQueue(Arc<MessageQueue>),
}

pub struct OpenFile {
    pub kind: FileKind,
    offset: IrqMutex<usize>,
    readable: bool,
    writable: bool,
    /// O_NONBLOCK: EAGAIN instead of waiting (pipes); fcntl's F_SETFL changes it.
    non_blocking: AtomicBool,
    /// O_APPEND: every write goes to the end; fcntl's F_SETFL changes it.
    append: AtomicBool,
}

/// What poll reports for a file: the `revents` bits.
pub mod poll_events {
    pub const IN: u16 = 0x001;
    pub const PRI: u16 = 0x002;
    pub const OUT: u16 = 0x004;
    pub const ERR: u16 = 0x008;
    pub const HUP: u16 = 0x010;
    pub const NVAL: u16 = 0x020;
}

/// How mmap maps a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    /// MAP_PRIVATE: a copy, which writes change.
    Private,
    /// MAP_SHARED: the file itself, written through if `write` (PROT_WRITE).
    Shared { write: bool },
}

/// Open-file status flags as fcntl's F_GETFL reports them.
pub const O_RDONLY: usize = 0;
pub const O_WRONLY: usize = 1;
pub const O_RDWR: usize = 2;
pub const O_APPEND: usize = 0o2000;
pub const O_NONBLOCK: usize = 0o4000;

/// `whence` values of lseek.
const SEEK_SET: usize = 0;
const SEEK_CUR: usize = 1;
const SEEK_END: usize = 2;

/// linux_dirent64 `d_type` values.
const DT_CHR: u8 = 2;
const DT_DIR: u8 = 4;
const DT_REG: u8 = 8;
const DT_LNK: u8 = 10;

impl OpenFile {
    pub fn new(kind: FileKind, readable: bool, writable: bool) -> Arc<Self> {
        Arc::new(Self::with(kind, readable, writable))
    }

    /// A file open(2) opened, with its O_NONBLOCK and O_APPEND from `flags`.
    pub fn opened(node: Arc<Node>, readable: bool, writable: bool, flags: usize) -> Arc<Self> {
        let file = Self::with(FileKind::Node(node), readable, writable);
        file.set_status_flags(flags);
        Arc::new(file)
    }

    fn with(kind: FileKind, readable: bool, writable: bool) -> Self {
        match &kind {
            FileKind::PipeRead(pipe) => pipe.open(false),
            FileKind::PipeWrite(pipe) => pipe.open(true),
            FileKind::Node(_) | FileKind::Socket(_) | FileKind::MessageQueue(_) => {}
        }
        Self {
            kind,
            offset: IrqMutex::new(0),
            readable,
            writable,
            non_blocking: AtomicBool::new(false),
            append: AtomicBool::new(false),
        }
    }

    /// A descriptor of a message queue (mq_open).
    pub fn message_queue(queue: Arc<MessageQueue>, readable: bool, writable: bool) -> Arc<Self> {
        Self::new(FileKind::MessageQueue(queue), readable, writable)
    }

    pub fn is_readable(&self) -> bool {
        self.readable
    }

    pub fn is_writable(&self) -> bool {
        self.writable
    }

    /// The same file with O_NONBLOCK set as asked.
    pub fn non_blocking(self: Arc<Self>, non_blocking: bool) -> Arc<Self> {
        self.set_non_blocking(non_blocking);
        self
    }

    pub fn set_non_blocking(&self, non_blocking: bool) {
        self.non_blocking.store(non_blocking, Ordering::Relaxed);
    }

    /// fcntl's F_SETFL: O_NONBLOCK and O_APPEND change; the access mode stays.
    pub fn set_status_flags(&self, flags: usize) {
        self.set_non_blocking(flags & O_NONBLOCK != 0);
        self.append.store(flags & O_APPEND != 0, Ordering::Relaxed);
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
        let append = if self.append.load(Ordering::Relaxed) {
            O_APPEND
        } else {
            0
        };
        mode | non_blocking | append
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
            FileKind::MessageQueue(queue) => (queue.len() > 0, !queue.is_full(), 0),
            FileKind::Node(_) if self.is_console() => (tty::available(), true, 0),
            // Files and the null and zero devices never make anyone wait.
            FileKind::Node(_) => (true, true, 0),
        };
        let ready_in = if readable && self.readable { IN } else { 0 };
        let ready_out = if writable && self.writable { OUT } else { 0 };
        (ready_in | ready_out) & events | other
    }

    /// What a mapping of this file from `offset` holds (mmap): a private copy of the file's
    /// bytes or the file's own pages, or for /dev/zero anonymous memory (shared: a new
    /// anonymous file of `len` bytes). Mapping needs the descriptor open for reading, and for
    /// writing too to share it writable (EACCES otherwise); what has no pages (pipes,
    /// sockets, directories, the console) is ENODEV.
    pub fn mapping(&self, offset: usize, len: usize, sharing: Sharing) -> Result<Backing, Errno> {
        let shared = matches!(sharing, Sharing::Shared { .. });
        if !self.readable || sharing == (Sharing::Shared { write: true }) && !self.writable {
            return Err(EACCES);
        }
        let FileKind::Node(node) = &self.kind else {
            return Err(ENODEV);
        };
        match node.kind {
            NodeKind::File(_) if shared => Ok(Backing::Shared {
                file: node.clone(),
                offset,
                writable: self.writable,
            }),
            NodeKind::File(_) => Ok(Backing::File {
                file: node.clone(),
                offset,
            }),
            NodeKind::Device(Device::Zero) if shared => anonymous_shared_memory(len),
            NodeKind::Device(Device::Zero) => Ok(Backing::Zero),
            // Device memory has no pages to copy: only shared mappings of it.
            NodeKind::Device(Device::Framebuffer) if shared => {
                let framebuffer = fbdev::framebuffer().ok_or(ENODEV)?;
                let phys = fbdev::mapped_address(framebuffer, offset, len).ok_or(EINVAL)?;
                Ok(Backing::Device {
                    phys,
                    writable: self.writable,
                })
            }
            NodeKind::Device(Device::Framebuffer) => Err(EINVAL),
            _ => Err(ENODEV),
        }
    }

    pub fn node(&self) -> Option<&Arc<Node>> {
        match &self.kind {
            FileKind::Node(node) => Some(node),
            _ => None,
        }
    }

    pub fn queue(&self) -> Option<Arc<MessageQueue>> {
        match &self.kind {
            FileKind::MessageQueue(queue) => Some(queue.clone()),
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
        self.is_device(Device::Console)
    }

    pub fn is_device(&self, device: Device) -> bool {
        self.node()
            .is_some_and(|node| matches!(node.kind, NodeKind::Device(d) if d == device))
    }

    pub fn read(&self, buffer: &UserBuffers) -> Result<usize, Errno> {
        self.read_from(buffer, None)
    }

    /// pread: a read at `offset`, the file's own offset untouched.
    pub fn read_at(&self, buffer: &UserBuffers, offset: usize) -> Result<usize, Errno> {
        self.check_positional()?;
        self.read_from(buffer, Some(offset))
    }

    pub fn write(&self, buffer: &UserBuffers) -> Result<usize, Errno> {
        self.write_to(buffer, None)
    }

    /// pwrite: a write at `offset` (at the end under O_APPEND, as Linux does), the file's
    /// own offset untouched.
    pub fn write_at(&self, buffer: &UserBuffers, offset: usize) -> Result<usize, Errno> {
        self.check_positional()?;
        self.write_to(buffer, Some(offset))
    }

    /// Pipes, sockets and the console have no positions (ESPIPE).
    fn check_positional(&self) -> Result<(), Errno> {
        match self.node() {
            Some(_) if !self.is_console() => Ok(()),
            _ => Err(ESPIPE),
        }
    }

    fn read_from(&self, buffer: &UserBuffers, at: Option<usize>) -> Result<usize, Errno> {
        if !self.readable {
            return Err(EBADF);
        }
        match &self.kind {
            FileKind::Node(node) => match &node.kind {
                NodeKind::Directory(_) | NodeKind::Listed(_) => Err(EISDIR),
                NodeKind::File(data) => {
                    let offset = at.unwrap_or_else(|| *self.offset.lock());
                    let done = read_file(data, offset, buffer)?;
                    if at.is_none() {
                        *self.offset.lock() = offset + done;
                    }
                    Ok(done)
                }
                NodeKind::Symlink(_) => Err(EINVAL),
                NodeKind::Generated(generate) => self.read_made(&generate(), buffer, at),
                NodeKind::Device(Device::Null) => Ok(0),
                NodeKind::Device(Device::Zero) => {
                    partial(buffer.clear_at(0, buffer.len()), buffer.len())
                }
                NodeKind::Device(Device::Console) => read_console(buffer),
                // The disk's partitions are for swapon and the framebuffer for mmap; their
                // bytes are not read through files.
                NodeKind::Device(Device::Disk(_) | Device::Framebuffer) => Err(EINVAL),
            },
            FileKind::PipeRead(pipe) => pipe.read(buffer, self.is_non_blocking()),
            FileKind::Socket(socket) => Ok(socket.receive(buffer, self.is_non_blocking())?.count),
            FileKind::MessageQueue(queue) => {
                // As Linux's mqueue file system shows a queue; notification is not kept.
                let status = alloc::format!(
                    "QSIZE:{:<10} NOTIFY:{:<5} SIGNO:{:<5} NOTIFY_PID:{:<6}\n",
                    queue.bytes(),
                    0,
                    0,
                    0
                );
                self.read_made(status.as_bytes(), buffer, at)
            }
            FileKind::PipeWrite(_) => Err(EBADF),
        }
    }

    /// A read of `bytes`, made for this read (a /proc file, a queue's status), from the
    /// file's offset or `at`.
    fn read_made(
        &self,
        bytes: &[u8],
        buffer: &UserBuffers,
        at: Option<usize>,
    ) -> Result<usize, Errno> {
        let offset = at.unwrap_or_else(|| *self.offset.lock());
        let available = bytes.get(offset..).unwrap_or_default();
        let count = available.len().min(buffer.len());
        let done = buffer.write_at(0, &available[..count]);
        if at.is_none() {
            *self.offset.lock() = offset + done;
        }
        partial(done, count)
    }

    fn write_to(&self, buffer: &UserBuffers, at: Option<usize>) -> Result<usize, Errno> {
        if !self.writable {
            return Err(EBADF);
        }
        match &self.kind {
            FileKind::Node(node) => match node.kind {
                // As on Linux, the null and zero devices accept anything without reading it.
                NodeKind::Device(Device::Null | Device::Zero) => Ok(buffer.len()),
                NodeKind::Device(Device::Console) => write_console(buffer),
                NodeKind::File(ref data) => {
                    let offset = if self.append.load(Ordering::Relaxed) {
                        data.lock().size()
                    } else {
                        at.unwrap_or_else(|| *self.offset.lock())
                    };
                    let done = write_file(node, data, offset, buffer)?;
                    if at.is_none() {
                        *self.offset.lock() = offset + done;
                    }
                    Ok(done)
                }
                _ => Err(EBADF),
            },
            FileKind::PipeWrite(pipe) => {
                pipe.write(buffer, self.is_non_blocking(), BrokenPipe::Signal)
            }
            FileKind::Socket(socket) => {
                socket.send(buffer, self.is_non_blocking(), BrokenPipe::Signal)
            }
            FileKind::PipeRead(_) => Err(EBADF),
            FileKind::MessageQueue(_) => Err(EINVAL),
        }
    }

    pub fn seek(&self, offset: i64, whence: usize) -> Result<usize, Errno> {
        let node = match &self.kind {
            FileKind::Node(node) => node,
            _ => return Err(ESPIPE),
        };
        let size = match &node.kind {
            NodeKind::File(data) => data.lock().size(),
            NodeKind::Directory(_) | NodeKind::Listed(_) => node.entries().len() + 2,
            NodeKind::Symlink(_) => return Err(EINVAL),
            NodeKind::Generated(generate) => generate().len(),
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
            FileKind::Node(node) => stat::of_node(node),
            FileKind::PipeRead(pipe) | FileKind::PipeWrite(pipe) => {
                stat::of_anonymous(pipe.channel() as u64, stat::S_IFIFO | 0o600)
            }
            FileKind::Socket(socket) => {
                stat::of_anonymous(Arc::as_ptr(socket) as u64, stat::S_IFSOCK | 0o777)
            }
            FileKind::MessageQueue(queue) => {
                stat::of_anonymous(Arc::as_ptr(queue) as u64, vfs::S_IFREG | 0o600)
            }
        }
    }

    /// ftruncate: sets the size of a regular file open for writing.
    pub fn truncate(&self, size: usize) -> Result<(), Errno> {
        match self.node() {
            Some(node) if self.writable => truncate(node, size),
            _ => Err(EINVAL),
        }
    }

    /// Fills `buffer` with linux_dirent64 records from the directory's position.
    pub fn read_directory(&self, buffer: UserSlice) -> Result<usize, Errno> {
        let directory = self
            .node()
            .filter(|node| node.is_directory())
            .ok_or(ENOTDIR)?;
        if directory.is_removed() {
            return Err(ENOENT);
        }
        let children = directory.entries();
        let mut position = self.offset.lock();
        let entries = [
            (".", directory.inode, DT_DIR),
            ("..", directory.up().inode, DT_DIR),
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
            FileKind::Node(_) | FileKind::Socket(_) | FileKind::MessageQueue(_) => {}
        }
    }
}

fn dirent_type(node: &Node) -> u8 {
    match node.kind {
        NodeKind::Directory(_) | NodeKind::Listed(_) => DT_DIR,
        NodeKind::File(_) | NodeKind::Generated(_) => DT_REG,
        NodeKind::Symlink(_) => DT_LNK,
        NodeKind::Device(_) => DT_CHR,
    }
}

/// Copies file bytes from `offset` to `buffer`, a chunk at a time, the file's lock never
/// held over a user copy; returns how many arrived (EFAULT if none could).
/// A regular file's pages, as a private mapping copies them and a shared one maps them.
impl FileSource for Node {
    fn read_page(&self, offset: usize, page: &mut [u8; PAGE_SIZE]) -> bool {
        let NodeKind::File(data) = &self.kind else {
            return false;
        };
        let data = data.lock();
        if offset >= data.size() {
            return false;
        }
        page.fill(0);
        let mut done = 0;
        while done < PAGE_SIZE {
            let chunk = data.read(offset + done, PAGE_SIZE - done);
            if chunk.is_empty() {
                break;
            }
            page[done..done + chunk.len()].copy_from_slice(&chunk);
            done += chunk.len();
        }
        true
    }

    fn shared_frame(&self, offset: usize) -> Result<usize, FaultError> {
        let NodeKind::File(data) = &self.kind else {
            return Err(FaultError::BeyondFile);
        };
        let mut data = data.lock();
        let page = data
            .page_at(offset)
            .map_err(|_| FaultError::OutOfMemory)?
            .ok_or(FaultError::BeyondFile)?;
        let frame = page.frame();
        frames::share(frame).map_err(|_| FaultError::OutOfMemory)?;
        Ok(frame)
    }
}

/// Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS, or of /dev/zero): the pages of a file
/// of `len` bytes that has no name, as Linux's shmem.
pub fn anonymous_shared_memory(len: usize) -> Result<Backing, Errno> {
    let file = Node::file(0o600, &[], now());
    truncate(&file, len)?;
    Ok(Backing::Shared {
        file,
        offset: 0,
        writable: true,
    })
}

fn read_file(data: &Mutex<FileData>, offset: usize, buffer: &UserBuffers) -> Result<usize, Errno> {
    let mut done = 0;
    while done < buffer.len() {
        let chunk = data.lock().read(offset + done, buffer.len() - done);
        if chunk.is_empty() {
            break;
        }
        let copied = buffer.write_at(done, &chunk);
        done += copied;
        if copied < chunk.len() {
            return partial(done, buffer.len());
        }
    }
    Ok(done)
}

/// Copies `buffer` into the file at `offset`, a page at a time read from user memory first;
/// returns how many bytes were written (EFAULT or ENOSPC if none could be).
fn write_file(
    node: &Node,
    data: &Mutex<FileData>,
    offset: usize,
    buffer: &UserBuffers,
) -> Result<usize, Errno> {
    let mut done = 0;
    let mut chunk = vec![0u8; buffer.len().min(PAGE_SIZE)];
    while done < buffer.len() {
        let wanted = (buffer.len() - done).min(PAGE_SIZE);
        let copied = buffer.read_at(done, &mut chunk[..wanted]);
        if copied > 0 {
            let written = match data.lock().write(offset + done, &chunk[..copied]) {
                Ok(written) => written,
                Err(_) if done > 0 => break,
                Err(error) => return Err(error),
            };
            done += written;
            if written < copied {
                break;
            }
        }
        if copied < wanted {
            break;
        }
    }
    if done > 0 {
        node.touch(now());
    }
    partial(done, buffer.len())
}

/// truncate and ftruncate: sets a regular file's size.
pub fn truncate(node: &Node, size: usize) -> Result<(), Errno> {
    match &node.kind {
        NodeKind::File(data) => {
            data.lock().truncate(size)?;
            node.touch(now());
            Ok(())
        }
        NodeKind::Directory(_) | NodeKind::Listed(_) => Err(EISDIR),
        _ => Err(EINVAL),
    }
}

/// The time file changes are stamped with: the realtime clock.
pub fn now() -> Timestamp {
    let nanos = timer::now_nanos();
    Timestamp {
        seconds: nanos / 1_000_000_000,
        nanoseconds: (nanos % 1_000_000_000) as u32,
    }
}

fn read_console(buffer: &UserBuffers) -> Result<usize, Errno> {
    job_control::check_terminal_use(TerminalUse::Read)?;
    if buffer.len() == 0 {
        return Ok(0);
    }
    let bytes = tty::take(buffer.len(), task::signal_pending).ok_or(ERESTARTSYS)?;
    let done = buffer.write_at(0, &bytes);
    tty::unread(&bytes[done..]);
    partial(done, bytes.len())
}

fn write_console(buffer: &UserBuffers) -> Result<usize, Errno> {
    job_control::check_terminal_use(TerminalUse::Write)?;
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
