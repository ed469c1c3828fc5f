//! Paths in system calls: reading them from user memory, where a `*at` call starts its walk
//! (the current directory or a directory descriptor), and the current directory itself
//! (chdir, fchdir, getcwd).

use super::files::file;
use super::{Arguments, SyscallResult, write_user};
use crate::errno::{ENAMETOOLONG, ENOENT, ENOTDIR, ERANGE, Errno};
use crate::fs::initramfs;
use crate::fs::vfs::{Node, Parent};
use crate::task;
use crate::uaccess::{UserCStr, strncpy_from_user};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;

/// `dirfd` meaning "the current directory".
pub const AT_FDCWD: i32 = -100;
/// The `*at` flags.
pub const AT_SYMLINK_NOFOLLOW: usize = 0x100;
pub const AT_REMOVEDIR: usize = 0x200;
pub const AT_SYMLINK_FOLLOW: usize = 0x400;
pub const AT_EMPTY_PATH: usize = 0x1000;
/// Longest path accepted, NUL included (Linux's PATH_MAX).
const PATH_MAX: usize = 4096;

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

/// The directory a `*at` call walks `path` from: the root, the current directory, or
/// `dirfd`'s (which need not still have a name: a removed directory holds nothing).
fn start_directory(dirfd: i32, path: &str) -> Result<Arc<Node>, Errno> {
    if path.starts_with('/') {
        return Ok(initramfs::root().clone());
    }
    if dirfd == AT_FDCWD {
        return Ok(task::current().state.lock().cwd.clone());
    }
    match file(dirfd)?.node() {
        Some(node) if node.is_directory() => Ok(node.clone()),
        _ => Err(ENOTDIR),
    }
}

/// Walks `path` from `dirfd`, following a link at the end if `follow_last`.
pub fn walk_at(dirfd: i32, path: &str, follow_last: bool) -> Result<Arc<Node>, Errno> {
    if path.is_empty() {
        return Err(ENOENT);
    }
    task::resolve(&start_directory(dirfd, path)?, path, follow_last)
}

/// The directory holding `path`'s last component, walked from `dirfd`, and that name.
pub fn parent_at(dirfd: i32, path: &str) -> Result<Parent, Errno> {
    task::resolve_parent(&start_directory(dirfd, path)?, path)
}

/// The absolute path a program run by `path` has (/proc/self/exe).
pub fn absolute_path(path: &str) -> Result<String, Errno> {
    let parent = parent_at(AT_FDCWD, path)?;
    let mut absolute = parent
        .directory
        .path_below(initramfs::root())
        .ok_or(ENOENT)?;
    if !absolute.ends_with('/') {
        absolute.push('/');
    }
    absolute.push_str(&parent.name);
    Ok(absolute)
}

/// The node a `*at` call with `flags` acts on: `path` from `dirfd`, or with AT_EMPTY_PATH
/// and an empty path, `dirfd`'s own file.
pub fn node_at(dirfd: i32, path: &str, flags: usize) -> Result<Arc<Node>, Errno> {
    if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        if dirfd == AT_FDCWD {
            return Ok(task::current().state.lock().cwd.clone());
        }
        return file(dirfd)?.node().cloned().ok_or(ENOENT);
    }
    walk_at(dirfd, path, flags & AT_SYMLINK_NOFOLLOW == 0)
}

/// getcwd: the current directory's path, ENOENT once it has been removed.
pub fn getcwd(args: &Arguments) -> SyscallResult {
    let cwd = task::current().state.lock().cwd.clone();
    let mut path = cwd
        .path_below(initramfs::root())
        .ok_or(ENOENT)?
        .into_bytes();
    path.push(0);
    if args.usize(1) < path.len() {
        return Err(ERANGE);
    }
    write_user(args.usize(0), &path)?;
    Ok(path.len())
}

pub fn chdir(args: &Arguments) -> SyscallResult {
    let path = read_path(UserCStr::new(args.usize(0)))?;
    change_directory(walk_at(AT_FDCWD, &path, true)?)
}

/// fchdir: into the directory an open descriptor names.
pub fn fchdir(args: &Arguments) -> SyscallResult {
    change_directory(file(args.i32(0))?.node().cloned().ok_or(ENOTDIR)?)
}

fn change_directory(node: Arc<Node>) -> SyscallResult {
    if !node.is_directory() {
        return Err(ENOTDIR);
    }
    task::current().state.lock().cwd = node;
    Ok(0)
}
