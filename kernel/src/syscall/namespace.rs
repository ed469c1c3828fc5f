//! Calls that change the file tree's names: mkdirat, unlinkat, renameat2, linkat, symlinkat,
//! and readlinkat, which reads a link's target.

use super::paths::{
    AT_EMPTY_PATH, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, node_at, parent_at,
    read_path, walk_at,
};
use super::{Arguments, SyscallResult, write_user};
use crate::errno::{EEXIST, EINVAL, EISDIR, ENOENT, ENOTDIR, ENOTEMPTY, EPERM};
use crate::fs::file::now;
use crate::fs::vfs::{self, LinkTarget, Node, NodeKind, RenameMode};
use crate::task;
use crate::uaccess::UserCStr;

/// mkdirat(dirfd, path, mode): the mode less the umask; set-id bits are not kept.
pub fn mkdirat(args: &Arguments) -> SyscallResult {
    let path = read_path(UserCStr::new(args.usize(1)))?;
    let parent = parent_at(args.i32(0), &path)?;
    let umask = task::current().state.lock().umask;
    let mode = args.usize(2) as u32 & 0o1777 & !umask;
    let directory = Node::directory(mode, now());
    parent.directory.insert(&parent.name, directory, now())?;
    Ok(0)
}

/// unlinkat(dirfd, path, flags): unlink, or rmdir with AT_REMOVEDIR.
pub fn unlinkat(args: &Arguments) -> SyscallResult {
    let flags = args.usize(2);
    if flags & !AT_REMOVEDIR != 0 {
        return Err(EINVAL);
    }
    let path = read_path(UserCStr::new(args.usize(1)))?;
    let parent = parent_at(args.i32(0), &path)?;
    let remove_directory = flags & AT_REMOVEDIR != 0;
    match (parent.name.as_str(), remove_directory) {
        (".", true) => return Err(EINVAL),
        ("..", true) => return Err(ENOTEMPTY),
        (".." | ".", false) => return Err(EISDIR),
        _ => {}
    }
    let directory = &parent.directory;
    if !remove_directory && path.ends_with('/') {
        // "file/" names no file: a directory is EISDIR as unlink's, anything else ENOTDIR.
        let node = directory.child(&parent.name)?.ok_or(ENOENT)?;
        return Err(if node.is_directory() { EISDIR } else { ENOTDIR });
    }
    directory.remove(&parent.name, remove_directory, now())?;
    Ok(0)
}

pub fn renameat(args: &Arguments) -> SyscallResult {
    rename(args, 0)
}

pub fn renameat2(args: &Arguments) -> SyscallResult {
    rename(args, args.usize(4))
}

fn rename(args: &Arguments, flags: usize) -> SyscallResult {
    const RENAME_NOREPLACE: usize = 1;
    const RENAME_EXCHANGE: usize = 2;
    let mode = match flags {
        0 => RenameMode::Replace,
        RENAME_NOREPLACE => RenameMode::NoReplace,
        RENAME_EXCHANGE => RenameMode::Exchange,
        // RENAME_WHITEOUT (for overlay file systems) and combinations.
        _ => return Err(EINVAL),
    };
    let old_path = read_path(UserCStr::new(args.usize(1)))?;
    let new_path = read_path(UserCStr::new(args.usize(3)))?;
    let old = parent_at(args.i32(0), &old_path)?;
    let new = parent_at(args.i32(2), &new_path)?;
    vfs::rename(
        &old.directory,
        &old.name,
        &new.directory,
        &new.name,
        mode,
        now(),
    )?;
    Ok(0)
}

/// linkat(olddirfd, oldpath, newdirfd, newpath, flags): a second name for a file.
pub fn linkat(args: &Arguments) -> SyscallResult {
    let flags = args.usize(4);
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    // linkat does not follow a link at the end unless asked to, unlike the other calls.
    let follow = if flags & AT_SYMLINK_FOLLOW != 0 {
        0
    } else {
        AT_SYMLINK_NOFOLLOW
    };
    let old_path = read_path(UserCStr::new(args.usize(1)))?;
    let node = node_at(args.i32(0), &old_path, flags & AT_EMPTY_PATH | follow)?;
    if node.is_directory() {
        return Err(EPERM);
    }
    let new_path = read_path(UserCStr::new(args.usize(3)))?;
    let new = parent_at(args.i32(2), &new_path)?;
    new.directory.insert(&new.name, node, now())?;
    Ok(0)
}

/// symlinkat(target, newdirfd, linkpath).
pub fn symlinkat(args: &Arguments) -> SyscallResult {
    let target = read_path(UserCStr::new(args.usize(0)))?;
    if target.is_empty() {
        return Err(ENOENT);
    }
    let path = read_path(UserCStr::new(args.usize(2)))?;
    let parent = parent_at(args.i32(1), &path)?;
    if matches!(parent.name.as_str(), "." | "..") {
        return Err(EEXIST);
    }
    let link = Node::symlink(LinkTarget::Fixed(target), now());
    parent.directory.insert(&parent.name, link, now())?;
    Ok(0)
}

/// readlinkat(dirfd, path, buffer, size): the target, cut to `size`, without a NUL.
pub fn readlinkat(args: &Arguments) -> SyscallResult {
    let size = args.i32(3);
    if size <= 0 {
        return Err(EINVAL);
    }
    let path = read_path(UserCStr::new(args.usize(1)))?;
    let node = walk_at(args.i32(0), &path, false)?;
    let NodeKind::Symlink(target) = &node.kind else {
        return Err(EINVAL);
    };
    let target = target.path();
    let count = target.len().min(size as usize);
    write_user(args.usize(2), &target.as_bytes()[..count])?;
    Ok(count)
}
