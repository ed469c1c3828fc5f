//! File system calls: open, read, write and friends on the read-only file tree, devices and pipes.

use super::{Arguments, SyscallResult};
use crate::errno::{
    E2BIG, EBADF, EEXIST, EFAULT, EINVAL, EISDIR, ENAMETOOLONG, ENFILE, ENOENT, ENOTDIR, ENOTTY,
    ERANGE, EROFS, Errno,
};
use crate::fs::file::{FileKind, O_NONBLOCK, O_RDWR, O_WRONLY, OpenFile, stat_of};
use crate::fs::pipe::Pipe;
use crate::fs::user_buffers::UserBuffers;
use crate::fs::vfs::{self, Node};
use crate::mm::page_table::PAGE_SIZE;
use crate::task;
use crate::uaccess::{
    UserCStr, UserPtr, UserSlice, access_ok, copy_from_user, copy_struct_from_user, copy_to_user,
    get_user, put_user, strncpy_from_user,
};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

/// `dirfd` meaning "the current directory".
const AT_FDCWD: i32 = -100;
const AT_EMPTY_PATH: usize = 0x1000;
const O_ACCMODE: usize = 3;
const O_CREAT: usize = 0o100;
const O_EXCL: usize = 0o200;
const O_TRUNC: usize = 0o1000;
/// arm64's value (asm/fcntl.h), not asm-generic's.
const O_DIRECTORY: usize = 0o40_000;
const O_CLOEXEC: usize = 0o2_000_000;
/// Longest path accepted, NUL included (Linux's PATH_MAX).
const PATH_MAX: usize = 4096;
/// Most iovecs in one readv/writev (UIO_MAXIOV).
const IOV_MAX: usize = 1024;
const TCGETS: usize = 0x5401;

pub(super) fn file(fd: i32) -> Result<Arc<OpenFile>, Errno> {
    let fd = usize::try_from(fd).map_err(|_| EBADF)?;
    task::current().state.lock().files.get(fd)
}

/// Puts `file` at the lowest free descriptor. A file the table refuses is dropped only after
/// the process lock is released (closing a pipe end wakes sleepers).
fn install(file: Arc<OpenFile>, close_on_exec: bool) -> SyscallResult {
    install_from(0, file, close_on_exec)
}

/// Puts `file` at the lowest free descriptor from `lowest` on, as [`install`] does.
fn install_from(lowest: usize, file: Arc<OpenFile>, close_on_exec: bool) -> SyscallResult {
    let added = task::current()
        .state
        .lock()
        .files
        .add_from(lowest, file, close_on_exec);
    added.map_err(|(error, _file)| error)
}

/// Copies a path from user space.
pub fn read_path(path: UserCStr) -> Result<String, Errno> {
    let mut buffer = vec![0u8; PATH_MAX];
    let length = strncpy_from_user(&mut buffer, path)?;
    if length == PATH_MAX {
        return Err(ENAMETOOLONG);
    }
    buffer.truncate(length);
    String::from_utf8(buffer).map_err(|_| ENOENT)
}

/// The directory a `*at` call starts from: the current one or `dirfd`'s.
fn base_directory(dirfd: i32, path: &str) -> Result<String, Errno> {
    let cwd = task::current().state.lock().cwd.clone();
    if path.starts_with('/') || dirfd == AT_FDCWD {
        return Ok(cwd);
    }
    let directory = file(dirfd)?;
    let node = directory.node().ok_or(ENOTDIR)?;
    if !node.is_directory() {
        return Err(ENOTDIR);
    }
    path_of(node).ok_or(ENOENT)
}

/// The absolute path of a directory node, found by searching the tree.
fn path_of(target: &Node) -> Option<String> {
    fn search(node: &Arc<Node>, target: u64, path: &mut String) -> bool {
        if node.inode == target {
            return true;
        }
        let vfs::NodeKind::Directory(children) = &node.kind else {
            return false;
        };
        for (name, child) in children {
            let length = path.len();
            path.push('/');
            path.push_str(name);
            if search(child, target, path) {
                return true;
            }
            path.truncate(length);
        }
        false
    }
    let mut path = String::new();
    search(crate::fs::initramfs::root(), target.inode, &mut path).then(|| {
        if path.is_empty() {
            String::from("/")
        } else {
            path
        }
    })
}

fn lookup_at(dirfd: i32, path: &str) -> Result<Arc<Node>, Errno> {
    if path.is_empty() {
        return Err(ENOENT);
    }
    task::lookup(&base_directory(dirfd, path)?, path)
}

pub fn openat(args: &Arguments) -> SyscallResult {
    open(args.i32(0), UserCStr::new(args.usize(1)), args.usize(2))
}

/// openat2: openat with its flags in a versioned `struct open_how` {flags, mode, resolve}.
pub fn openat2(args: &Arguments) -> SyscallResult {
    const OPEN_HOW_SIZE_VER0: usize = 24;
    let size = args.usize(3);
    if !(OPEN_HOW_SIZE_VER0..=PAGE_SIZE).contains(&size) {
        return Err(if size < OPEN_HOW_SIZE_VER0 {
            EINVAL
        } else {
            E2BIG
        });
    }
    let mut how = [0u8; OPEN_HOW_SIZE_VER0];
    copy_struct_from_user(&mut how, UserPtr::new(args.usize(2)), size)?;
    let field = |i: usize| u64::from_le_bytes(how[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    let (flags, resolve) = (field(0), field(2));
    if resolve != 0 || flags > u64::from(u32::MAX) {
        return Err(EINVAL);
    }
    open(args.i32(0), UserCStr::new(args.usize(1)), flags as usize)
}

fn open(dirfd: i32, path: UserCStr, flags: usize) -> SyscallResult {
    let path = read_path(path)?;
    let node = match lookup_at(dirfd, &path) {
        Err(error) if error == ENOENT && flags & O_CREAT != 0 => return Err(EROFS),
        Ok(_) if flags & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL => return Err(EEXIST),
        result => result?,
    };
    let access = flags & O_ACCMODE;
    let writable = access == O_WRONLY || access == O_RDWR;
    if flags & O_DIRECTORY != 0 && !node.is_directory() {
        return Err(ENOTDIR);
    }
    if writable && node.is_directory() {
        return Err(EISDIR);
    }
    let is_device = matches!(node.kind, vfs::NodeKind::Device(_));
    if (writable || flags & O_TRUNC != 0) && !is_device {
        return Err(EROFS);
    }
    let file = OpenFile::new(FileKind::Node(node), access != O_WRONLY, writable)
        .non_blocking(flags & O_NONBLOCK != 0);
    install(file, flags & O_CLOEXEC != 0)
}

pub fn close(args: &Arguments) -> SyscallResult {
    let fd = usize::try_from(args.i32(0)).map_err(|_| EBADF)?;
    let closed = task::current().state.lock().files.close(fd)?;
    drop(closed);
    Ok(0)
}

/// The buffer of read/write, checked up front as Linux's vfs_read/vfs_write do (so even a
/// device that ignores the buffer refuses a kernel address).
fn buffer(args: &Arguments) -> Result<UserBuffers, Errno> {
    let (address, len) = (args.usize(1), args.usize(2));
    if !access_ok(address, len) {
        return Err(EFAULT);
    }
    Ok(UserBuffers::single(UserSlice::new(address, len)))
}

pub fn read(args: &Arguments) -> SyscallResult {
    let file = file(args.i32(0))?;
    file.read(&buffer(args)?)
}

pub fn write(args: &Arguments) -> SyscallResult {
    let file = file(args.i32(0))?;
    file.write(&buffer(args)?)
}

/// The (base, length) pairs of a user iovec array, checked as Linux's import_iovec does.
pub(super) fn iovecs(address: usize, count: usize) -> Result<Vec<UserSlice>, Errno> {
    if count > IOV_MAX {
        return Err(EINVAL);
    }
    let mut raw = vec![0u8; count * 16];
    if copy_from_user(&mut raw, UserPtr::new(address)) != 0 {
        return Err(EFAULT);
    }
    let mut total: usize = 0;
    raw.chunks(16)
        .map(|pair| {
            let base = usize::from_le_bytes(pair[..8].try_into().expect("8 bytes"));
            let len = usize::from_le_bytes(pair[8..].try_into().expect("8 bytes"));
            total = total
                .checked_add(len)
                .filter(|t| *t <= isize::MAX as usize)
                .ok_or(EINVAL)?;
            if !access_ok(base, len) {
                return Err(EFAULT);
            }
            Ok(UserSlice::new(base, len))
        })
        .collect()
}

/// readv/writev's buffers: the iovecs as one stream, as Linux's iov_iter sees them.
fn vectored(args: &Arguments) -> Result<(Arc<OpenFile>, UserBuffers), Errno> {
    let file = file(args.i32(0))?;
    Ok((
        file,
        UserBuffers::vectored(iovecs(args.usize(1), args.usize(2))?),
    ))
}

pub fn readv(args: &Arguments) -> SyscallResult {
    let (file, buffers) = vectored(args)?;
    file.read(&buffers)
}

pub fn writev(args: &Arguments) -> SyscallResult {
    let (file, buffers) = vectored(args)?;
    file.write(&buffers)
}

pub fn lseek(args: &Arguments) -> SyscallResult {
    file(args.i32(0))?.seek(args.i64(1), args.usize(2))
}

pub fn pipe2(args: &Arguments) -> SyscallResult {
    let flags = args.usize(1);
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(EINVAL);
    }
    let (close_on_exec, non_blocking) = (flags & O_CLOEXEC != 0, flags & O_NONBLOCK != 0);
    let pipe = Arc::new(Pipe::new().ok_or(ENFILE)?);
    let read_end =
        OpenFile::new(FileKind::PipeRead(pipe.clone()), true, false).non_blocking(non_blocking);
    let write_end =
        OpenFile::new(FileKind::PipeWrite(pipe), false, true).non_blocking(non_blocking);
    install_pair(read_end, write_end, close_on_exec, args.usize(0))
}

/// Installs two new files (pipe2, socketpair) and writes their descriptors to the two ints
/// at `fds`; on any failure neither stays open.
pub(super) fn install_pair(
    first: Arc<OpenFile>,
    second: Arc<OpenFile>,
    close_on_exec: bool,
    fds: usize,
) -> SyscallResult {
    let first_fd = install(first, close_on_exec)?;
    let second_fd = match install(second, close_on_exec) {
        Ok(fd) => fd,
        Err(error) => {
            close_quietly(&[first_fd]);
            return Err(error);
        }
    };
    let fds = UserPtr::<i32>::new(fds);
    if put_user(fds, first_fd as i32)
        .and_then(|()| put_user(fds.add(1), second_fd as i32))
        .is_err()
    {
        close_quietly(&[first_fd, second_fd]);
        return Err(EFAULT);
    }
    Ok(0)
}

/// Closes descriptors this call just made, dropping the files after the lock is released.
fn close_quietly(fds: &[usize]) {
    let process = task::current();
    let closed: Vec<_> = {
        let mut state = process.state.lock();
        fds.iter().map(|&fd| state.files.close(fd)).collect()
    };
    drop(closed);
}

pub fn dup(args: &Arguments) -> SyscallResult {
    install(file(args.i32(0))?, false)
}

/// fcntl(fd, command, argument): duplicating (F_DUPFD, F_DUPFD_CLOEXEC), the descriptor's
/// close-on-exec flag (F_GETFD, F_SETFD) and the file's status flags (F_GETFL, F_SETFL, of
/// which only O_NONBLOCK can change). Locks and the rest are EINVAL.
pub fn fcntl(args: &Arguments) -> SyscallResult {
    const F_DUPFD: usize = 0;
    const F_GETFD: usize = 1;
    const F_SETFD: usize = 2;
    const F_GETFL: usize = 3;
    const F_SETFL: usize = 4;
    const F_DUPFD_CLOEXEC: usize = 1030;
    const FD_CLOEXEC: usize = 1;
    let (fd, argument) = (args.i32(0), args.usize(2));
    let file = file(fd)?;
    let index = fd as usize;
    let process = task::current();
    match args.usize(1) {
        command @ (F_DUPFD | F_DUPFD_CLOEXEC) => {
            install_from(argument, file, command == F_DUPFD_CLOEXEC)
        }
        F_GETFD => {
            let close_on_exec = process.state.lock().files.close_on_exec_flag(index)?;
            Ok(if close_on_exec { FD_CLOEXEC } else { 0 })
        }
        F_SETFD => {
            let close_on_exec = argument & FD_CLOEXEC != 0;
            process
                .state
                .lock()
                .files
                .set_close_on_exec(index, close_on_exec)?;
            Ok(0)
        }
        F_GETFL => Ok(file.status_flags()),
        F_SETFL => {
            file.set_non_blocking(argument & O_NONBLOCK != 0);
            Ok(0)
        }
        _ => Err(EINVAL),
    }
}

/// umask(mask): sets the file-creation mask, returns the old one.
pub fn umask(args: &Arguments) -> SyscallResult {
    let process = task::current();
    let mut state = process.state.lock();
    let old = core::mem::replace(&mut state.umask, (args.usize(0) & 0o777) as u32);
    Ok(old as usize)
}

pub fn dup3(args: &Arguments) -> SyscallResult {
    let (old, new) = (args.i32(0), args.i32(1));
    if old == new || args.usize(2) & !O_CLOEXEC != 0 {
        return Err(EINVAL);
    }
    let file = file(old)?;
    let new = usize::try_from(new).map_err(|_| EBADF)?;
    let close_on_exec = args.usize(2) & O_CLOEXEC != 0;
    let replaced = task::current()
        .state
        .lock()
        .files
        .set(new, file, close_on_exec)?;
    drop(replaced);
    Ok(new)
}

fn put_stat(node_stat: [u8; 128], buffer: usize) -> SyscallResult {
    match copy_to_user(UserPtr::new(buffer), &node_stat) {
        0 => Ok(0),
        _ => Err(EFAULT),
    }
}

pub fn fstat(args: &Arguments) -> SyscallResult {
    put_stat(file(args.i32(0))?.stat(), args.usize(1))
}

pub fn newfstatat(args: &Arguments) -> SyscallResult {
    let path = read_path(UserCStr::new(args.usize(1)))?;
    if path.is_empty() && args.usize(3) & AT_EMPTY_PATH != 0 {
        if args.i32(0) == AT_FDCWD {
            let cwd = task::current().state.lock().cwd.clone();
            return put_stat(stat_of(&*task::lookup(&cwd, &cwd)?), args.usize(2));
        }
        return put_stat(file(args.i32(0))?.stat(), args.usize(2));
    }
    put_stat(stat_of(&*lookup_at(args.i32(0), &path)?), args.usize(2))
}

pub fn getdents64(args: &Arguments) -> SyscallResult {
    file(args.i32(0))?.read_directory(UserSlice::new(args.usize(1), args.usize(2)))
}

/// `struct termios` (asm-generic, 36 bytes) of a raw console: 8 bits, no echo, no line editing.
fn console_termios() -> [u8; 36] {
    let mut termios = [0u8; 36];
    const CS8: u32 = 0o60;
    const CREAD: u32 = 0o200;
    const B115200: u32 = 0o10002;
    termios[8..12].copy_from_slice(&(CS8 | CREAD | B115200).to_le_bytes());
    termios
}

/// ioctl(fd, request, argument): the requests Linux takes on any descriptor (FIONBIO,
/// FIOCLEX, FIONCLEX), then the console's (TCGETS); anything else is ENOTTY.
pub fn ioctl(args: &Arguments) -> SyscallResult {
    const FIONCLEX: usize = 0x5450;
    const FIOCLEX: usize = 0x5451;
    const FIONBIO: usize = 0x5421;
    let fd = args.i32(0);
    let file = file(fd)?;
    match args.usize(1) {
        FIONBIO => {
            let non_blocking = get_user(UserPtr::<i32>::new(args.usize(2)))? != 0;
            file.set_non_blocking(non_blocking);
            Ok(0)
        }
        request @ (FIOCLEX | FIONCLEX) => {
            let process = task::current();
            let mut state = process.state.lock();
            state
                .files
                .set_close_on_exec(fd as usize, request == FIOCLEX)?;
            Ok(0)
        }
        TCGETS if file.is_console() => {
            match copy_to_user(UserPtr::new(args.usize(2)), &console_termios()) {
                0 => Ok(0),
                _ => Err(EFAULT),
            }
        }
        _ => Err(ENOTTY),
    }
}

pub fn getcwd(args: &Arguments) -> SyscallResult {
    let mut cwd = task::current().state.lock().cwd.clone().into_bytes();
    cwd.push(0);
    if args.usize(1) < cwd.len() {
        return Err(ERANGE);
    }
    match copy_to_user(UserPtr::new(args.usize(0)), &cwd) {
        0 => Ok(cwd.len()),
        _ => Err(EFAULT),
    }
}

pub fn chdir(args: &Arguments) -> SyscallResult {
    let path = read_path(UserCStr::new(args.usize(0)))?;
    if path.is_empty() {
        return Err(ENOENT);
    }
    let process = task::current();
    let cwd = process.state.lock().cwd.clone();
    let (node, clean) = task::resolve(&cwd, &path)?;
    if !node.is_directory() {
        return Err(ENOTDIR);
    }
    process.state.lock().cwd = clean;
    Ok(0)
}
