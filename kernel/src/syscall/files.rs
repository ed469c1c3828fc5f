//! Calls on file descriptors: open, read, write, pipes, dup, fcntl, ioctl and friends.

use super::paths::{parent_at, read_path, walk_at};
use super::{Arguments, SyscallResult};
use super::{framebuffer, terminal};
use crate::errno::{
    E2BIG, EBADF, EEXIST, EFAULT, EINVAL, EISDIR, ELOOP, ENFILE, ENOENT, ENOTDIR, ENOTTY, Errno,
};
use crate::fs::file::{self, FileKind, O_NONBLOCK, O_RDWR, O_WRONLY, OpenFile};
use crate::fs::pipe::Pipe;
use crate::fs::user_buffers::UserBuffers;
use crate::fs::vfs::{Device, MAX_SYMLINKS, MODE_PERMISSIONS, Node, NodeKind};
use crate::mm::page_table::PAGE_SIZE;
use crate::task;
use crate::uaccess::{
    UserCStr, UserPtr, UserSlice, access_ok, copy_from_user, copy_struct_from_user, get_user,
    put_user,
};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

pub(super) const O_ACCMODE: usize = 3;
pub(super) const O_CLOEXEC: usize = 0o2_000_000;
/// Most iovecs in one readv/writev (UIO_MAXIOV).
const IOV_MAX: usize = 1024;

pub(super) fn file(fd: i32) -> Result<Arc<OpenFile>, Errno> {
    let fd = usize::try_from(fd).map_err(|_| EBADF)?;
    task::with_current_thread(|thread| thread.process.state.lock().files.get(fd))
}

/// Puts `file` at the lowest free descriptor. A file the table refuses is dropped only after
/// the process lock is released (closing a pipe end wakes sleepers).
pub(super) fn install(file: Arc<OpenFile>, close_on_exec: bool) -> SyscallResult {
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

pub fn openat(args: &Arguments) -> SyscallResult {
    let mode = args.usize(3) as u32;
    open(
        args.i32(0),
        UserCStr::new(args.usize(1)),
        args.usize(2),
        mode,
    )
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
    let (flags, mode, resolve) = (field(0), field(1), field(2));
    if resolve != 0 || flags > u64::from(u32::MAX) || mode > u64::from(MODE_PERMISSIONS) {
        return Err(EINVAL);
    }
    open(
        args.i32(0),
        UserCStr::new(args.usize(1)),
        flags as usize,
        mode as u32,
    )
}

/// open's flags beyond the access mode.
pub(super) const O_CREAT: usize = 0o100;
pub(super) const O_EXCL: usize = 0o200;
const O_TRUNC: usize = 0o1000;
/// arm64's values (asm/fcntl.h), not asm-generic's.
const O_DIRECTORY: usize = 0o40_000;
const O_NOFOLLOW: usize = 0o100_000;
const O_PATH: usize = 0o10_000_000;

fn open(dirfd: i32, path: UserCStr, flags: usize, mode: u32) -> SyscallResult {
    let path = read_path(path)?;
    let node = match walk_at(dirfd, &path, flags & O_NOFOLLOW == 0) {
        Err(error) if error == ENOENT && flags & O_CREAT != 0 => {
            create_file(dirfd, &path, flags, mode)?
        }
        Ok(_) if flags & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL => return Err(EEXIST),
        result => result?,
    };
    let access = flags & O_ACCMODE;
    let (readable, writable) = match flags & O_PATH {
        0 => (access != O_WRONLY, access == O_WRONLY || access == O_RDWR),
        _ => (false, false),
    };
    if matches!(node.kind, NodeKind::Symlink(_)) && flags & O_PATH == 0 {
        // O_NOFOLLOW met a link.
        return Err(ELOOP);
    }
    if flags & O_DIRECTORY != 0 && !node.is_directory() {
        return Err(ENOTDIR);
    }
    if writable && node.is_directory() {
        return Err(EISDIR);
    }
    if flags & O_CREAT != 0 && node.is_directory() {
        return Err(EISDIR);
    }
    // Linux truncates even when the file is opened read-only.
    if flags & O_TRUNC != 0 && flags & O_PATH == 0 && matches!(node.kind, NodeKind::File(_)) {
        file::truncate(&node, 0)?;
    }
    let file = OpenFile::opened(node, readable, writable, flags);
    install(file, flags & O_CLOEXEC != 0)
}

/// O_CREAT of a name that does not exist: a regular file with `mode` less the umask. A
/// dangling symbolic link is followed to create its target, unless O_EXCL (as on Linux).
fn create_file(dirfd: i32, path: &str, flags: usize, mode: u32) -> Result<Arc<Node>, Errno> {
    if path.ends_with('/') {
        return Err(EISDIR);
    }
    let mut parent = parent_at(dirfd, path)?;
    for _ in 0..MAX_SYMLINKS {
        let existing = parent.directory.child(&parent.name)?;
        let Some(NodeKind::Symlink(target)) = existing.as_ref().map(|node| &node.kind) else {
            break;
        };
        if flags & O_EXCL != 0 {
            return Err(EEXIST);
        }
        parent = task::resolve_parent(&parent.directory, &target.path())?;
    }
    let umask = task::current().state.lock().umask;
    let node = Node::file(mode & !umask & MODE_PERMISSIONS, &[], file::now());
    parent
        .directory
        .insert(&parent.name, node.clone(), file::now())?;
    Ok(node)
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

/// pread64: a read at an offset, the file's own offset untouched.
pub fn pread64(args: &Arguments) -> SyscallResult {
    let file = file(args.i32(0))?;
    file.read_at(&buffer(args)?, offset(args.i64(3))?)
}

/// pwrite64: a write at an offset, the file's own offset untouched.
pub fn pwrite64(args: &Arguments) -> SyscallResult {
    let file = file(args.i32(0))?;
    file.write_at(&buffer(args)?, offset(args.i64(3))?)
}

fn offset(offset: i64) -> Result<usize, Errno> {
    usize::try_from(offset).map_err(|_| EINVAL)
}

/// fsync, fdatasync: the file system is memory, nothing is ever waiting to be written; a
/// pipe or socket cannot be synced (EINVAL).
pub fn fsync(args: &Arguments) -> SyscallResult {
    file(args.i32(0))?.node().ok_or(EINVAL)?;
    Ok(0)
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
/// which O_NONBLOCK and O_APPEND can change). Locks and the rest are EINVAL.
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
            file.set_status_flags(argument);
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

pub fn getdents64(args: &Arguments) -> SyscallResult {
    file(args.i32(0))?.read_directory(UserSlice::new(args.usize(1), args.usize(2)))
}

/// ioctl(fd, request, argument): the requests Linux takes on any descriptor (FIONBIO,
/// FIOCLEX, FIONCLEX), then the console's (terminal.rs); anything else is ENOTTY.
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
        _ if file.is_console() => terminal::ioctl(args),
        _ if file.is_device(Device::Framebuffer) => framebuffer::ioctl(args),
        _ => Err(ENOTTY),
    }
}
