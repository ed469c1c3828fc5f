//! Calls on a file's attributes: stat, access, mode, owner, times, size, and the file
//! system's statistics (statfs).

use super::files::file;
use super::paths::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, node_at, read_path, walk_at};
use super::{Arguments, SyscallResult, put_words, read_user, word, write_user};
use crate::errno::{EACCES, EINVAL, EOPNOTSUPP, Errno};
use crate::fs::file::{self, now};
use crate::fs::page;
use crate::fs::stat;
use crate::fs::vfs::{MODE_PERMISSIONS, NAME_MAX, Node, NodeKind, Timestamp};
use crate::mm::page_table::PAGE_SIZE;
use crate::uaccess::UserCStr;
use alloc::sync::Arc;

/// AT_NO_AUTOMOUNT: accepted, there is nothing to mount automatically.
const AT_NO_AUTOMOUNT: usize = 0x800;
/// faccessat2's "use the effective ids", the same as the real ones here.
const AT_EACCESS: usize = 0x200;

fn check_flags(flags: usize, allowed: usize) -> Result<(), Errno> {
    match flags & !allowed {
        0 => Ok(()),
        _ => Err(EINVAL),
    }
}

pub fn fstat(args: &Arguments) -> SyscallResult {
    write_user(args.usize(1), &file(args.i32(0))?.stat())?;
    Ok(0)
}

/// newfstatat(dirfd, path, buffer, flags): stat, lstat (AT_SYMLINK_NOFOLLOW) and fstat
/// (AT_EMPTY_PATH with an empty path).
pub fn newfstatat(args: &Arguments) -> SyscallResult {
    let flags = args.usize(3);
    check_flags(flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)?;
    let dirfd = args.i32(0);
    let path = read_path(UserCStr::new(args.usize(1)))?;
    let bytes = if dirfd != AT_FDCWD && flags & AT_EMPTY_PATH != 0 && path.is_empty() {
        // The descriptor's own file, which may be a pipe or a socket.
        file(dirfd)?.stat()
    } else {
        stat::of_node(&*node_at(dirfd, &path, flags)?)
    };
    write_user(args.usize(2), &bytes)?;
    Ok(0)
}

pub fn faccessat(args: &Arguments) -> SyscallResult {
    access(args, 0)
}

pub fn faccessat2(args: &Arguments) -> SyscallResult {
    access(args, args.usize(3))
}

/// Every process is root: reading and writing are allowed; executing needs an execute bit
/// (or a directory), as for root on Linux.
fn access(args: &Arguments, flags: usize) -> SyscallResult {
    const X_OK: usize = 1;
    let mode = args.usize(2);
    if mode & !7 != 0 {
        return Err(EINVAL);
    }
    check_flags(flags, AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)?;
    let node = path_argument(args, flags)?;
    if mode & X_OK != 0 && !node.is_directory() && node.mode() & 0o111 == 0 {
        return Err(EACCES);
    }
    Ok(0)
}

/// The node a call's (dirfd, path) arguments name, the first two, as `flags` say.
fn path_argument(args: &Arguments, flags: usize) -> Result<Arc<Node>, Errno> {
    node_at(
        args.i32(0),
        &read_path(UserCStr::new(args.usize(1)))?,
        flags,
    )
}

/// The node behind a descriptor; a pipe or socket has none, and its attributes are not kept.
fn node_of(fd: i32) -> Result<Option<Arc<Node>>, Errno> {
    Ok(file(fd)?.node().cloned())
}

pub fn fchmod(args: &Arguments) -> SyscallResult {
    if let Some(node) = node_of(args.i32(0))? {
        node.set_permissions(args.usize(1) as u32, now());
    }
    Ok(0)
}

pub fn fchmodat(args: &Arguments) -> SyscallResult {
    change_mode(args, 0)
}

pub fn fchmodat2(args: &Arguments) -> SyscallResult {
    change_mode(args, args.usize(3))
}

fn change_mode(args: &Arguments, flags: usize) -> SyscallResult {
    check_flags(flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)?;
    let node = path_argument(args, flags)?;
    if matches!(node.kind, NodeKind::Symlink(_)) {
        // A link's own mode cannot change, as on Linux.
        return Err(EOPNOTSUPP);
    }
    node.set_permissions(args.usize(2) as u32 & MODE_PERMISSIONS, now());
    Ok(0)
}

/// An owner or group argument: -1 leaves it as it is.
fn id(argument: usize) -> Option<u32> {
    let id = argument as u32;
    (id != u32::MAX).then_some(id)
}

pub fn fchown(args: &Arguments) -> SyscallResult {
    if let Some(node) = node_of(args.i32(0))? {
        node.set_owner(id(args.usize(1)), id(args.usize(2)), now());
    }
    Ok(0)
}

pub fn fchownat(args: &Arguments) -> SyscallResult {
    let flags = args.usize(4);
    check_flags(flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)?;
    let node = path_argument(args, flags)?;
    node.set_owner(id(args.usize(2)), id(args.usize(3)), now());
    Ok(0)
}

/// utimensat(dirfd, path, times, flags); a NULL path means `dirfd` itself (futimens).
pub fn utimensat(args: &Arguments) -> SyscallResult {
    const UTIME_NOW: u64 = (1 << 30) - 1;
    const UTIME_OMIT: u64 = (1 << 30) - 2;
    let flags = args.usize(3);
    check_flags(flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)?;
    let now = now();
    let (accessed, modified) = match args.usize(2) {
        0 => (Some(now), Some(now)),
        address => {
            let times = read_user::<32>(address)?;
            let time = |index: usize| match word(&times, 2 * index + 1) {
                UTIME_NOW => Ok(Some(now)),
                UTIME_OMIT => Ok(None),
                nanoseconds if nanoseconds < 1_000_000_000 => Ok(Some(Timestamp {
                    seconds: word(&times, 2 * index),
                    nanoseconds: nanoseconds as u32,
                })),
                _ => Err(EINVAL),
            };
            (time(0)?, time(1)?)
        }
    };
    if (accessed, modified) == (None, None) {
        // Linux answers before it even looks at the path.
        return Ok(0);
    }
    let (dirfd, path) = (args.i32(0), args.usize(1));
    let node = if path == 0 && dirfd != AT_FDCWD {
        // futimens: the descriptor itself, which takes no flags.
        if flags != 0 {
            return Err(EINVAL);
        }
        node_of(dirfd)?
    } else {
        Some(node_at(dirfd, &read_path(UserCStr::new(path))?, flags)?)
    };
    if let Some(node) = node {
        node.set_times(accessed, modified, now);
    }
    Ok(0)
}

fn length(argument: i64) -> Result<usize, Errno> {
    usize::try_from(argument).map_err(|_| EINVAL)
}

pub fn truncate(args: &Arguments) -> SyscallResult {
    let path = read_path(UserCStr::new(args.usize(0)))?;
    let size = length(args.i64(1))?;
    file::truncate(&*walk_at(AT_FDCWD, &path, true)?, size)?;
    Ok(0)
}

pub fn ftruncate(args: &Arguments) -> SyscallResult {
    let size = length(args.i64(1))?;
    file(args.i32(0))?.truncate(size)?;
    Ok(0)
}

pub fn statfs(args: &Arguments) -> SyscallResult {
    let path = read_path(UserCStr::new(args.usize(0)))?;
    walk_at(AT_FDCWD, &path, true)?;
    write_user(args.usize(1), &file_system_statistics())?;
    Ok(0)
}

pub fn fstatfs(args: &Arguments) -> SyscallResult {
    file(args.i32(0))?;
    write_user(args.usize(1), &file_system_statistics())?;
    Ok(0)
}

/// `struct statfs` (120 bytes) of the one file system: tmpfs, its pages its blocks.
fn file_system_statistics() -> [u8; 120] {
    const TMPFS_MAGIC: u64 = 0x0102_1994;
    const ST_VALID: u64 = 0x20;
    let (used, limit) = page::usage();
    let free = limit.saturating_sub(used) as u64;
    let fields: [u64; 7] = [
        TMPFS_MAGIC,
        PAGE_SIZE as u64,
        limit as u64,
        free,
        free,
        limit as u64,
        free,
    ];
    let mut bytes = [0u8; 120];
    put_words(&mut bytes, &fields);
    // f_fsid stays zero; then f_namelen, f_frsize, f_flags.
    bytes[64..72].copy_from_slice(&(NAME_MAX as u64).to_le_bytes());
    bytes[72..80].copy_from_slice(&(PAGE_SIZE as u64).to_le_bytes());
    bytes[80..88].copy_from_slice(&ST_VALID.to_le_bytes());
    bytes
}

/// sync: nothing is ever waiting to be written.
pub fn sync() -> SyscallResult {
    Ok(0)
}
