//! The file tree: one writable tree in memory (Linux's tmpfs, mounted at /), filled from the
//! initramfs at boot, with the devices in /dev; and path walking as Linux does it, symbolic
//! links included. Pure logic, tested on the host.
//!
//! Locks: a directory's entries and a node's metadata each have a spin lock, held only for
//! the few instructions that read or change them, never across a user copy or a sleep.
//! rename takes two directories' locks, the lower inode first.

use super::cpio::{self, CpioError};
use super::file_data::FileData;
use crate::errno::{
    EBUSY, EEXIST, EINVAL, EISDIR, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR, ENOTEMPTY, EPERM, EXDEV,
    Errno,
};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::{Mutex, MutexGuard};

pub const S_IFMT: u32 = 0o170_000;
pub const S_IFDIR: u32 = 0o040_000;
pub const S_IFREG: u32 = 0o100_000;
pub const S_IFCHR: u32 = 0o020_000;
pub const S_IFBLK: u32 = 0o060_000;
pub const S_IFLNK: u32 = 0o120_000;
/// The permission bits and set-id and sticky bits chmod may change.
pub const MODE_PERMISSIONS: u32 = 0o7777;

/// Longest name in a directory (NAME_MAX).
pub const NAME_MAX: usize = 255;
/// Symbolic links one walk follows before it gives up with ELOOP (Linux's MAXSYMLINKS).
pub const MAX_SYMLINKS: usize = 40;
/// What stat reports as a directory's size per entry, "." and ".." included (tmpfs's
/// BOGO_DIRENT_SIZE).
const DIRECTORY_ENTRY_SIZE: usize = 20;

/// The character devices the kernel provides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Console,
    Null,
    Zero,
    /// A partition of the disk, by block::disk's index (0: the whole disk).
    Disk(u8),
    /// The display's framebuffer (fbdev.rs).
    Framebuffer,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timestamp {
    pub seconds: u64,
    pub nanoseconds: u32,
}

#[derive(Clone, Copy, Debug)]
pub struct Metadata {
    /// File type and permissions.
    pub mode: u32,
    /// Names the node has (for a directory: its entry, its ".", and each subdirectory's "..").
    pub links: u32,
    pub owner: u32,
    pub group: u32,
    pub accessed: Timestamp,
    pub modified: Timestamp,
    pub changed: Timestamp,
}

pub enum NodeKind {
    Directory(Mutex<BTreeMap<String, Arc<Node>>>),
    /// A read-only directory whose entries the kernel lists when it is looked at (/proc).
    Listed(ListedDirectory),
    File(Mutex<FileData>),
    Symlink(LinkTarget),
    Device(Device),
    /// A read-only file whose bytes are made when it is read (the files of /proc).
    Generated(Box<dyn Fn() -> Vec<u8> + Send + Sync>),
}

/// Where a symbolic link points: a path stored in it, or one the kernel computes on every
/// walk (/proc/self/exe).
pub enum LinkTarget {
    Fixed(String),
    Computed(Box<dyn Fn() -> String + Send + Sync>),
}

/// What a listed directory holds, asked each time it is walked through or read.
pub trait Listing: Send + Sync {
    /// The names it holds now.
    fn names(&self) -> Vec<String>;
    /// The node for `name`, one of the names just listed (None if it has gone since).
    fn make(&self, name: &str) -> Option<Arc<Node>>;
}

/// A [`Listing`] and the nodes made for its names, kept while the names stay listed so that
/// a name keeps its node (and inode number) from one look to the next.
pub struct ListedDirectory {
    listing: Box<dyn Listing>,
    made: Mutex<BTreeMap<String, Arc<Node>>>,
    /// The directory's own node, which the directories made in it lead up to.
    this: Weak<Node>,
}

impl LinkTarget {
    pub fn path(&self) -> String {
        match self {
            LinkTarget::Fixed(path) => path.clone(),
            LinkTarget::Computed(compute) => compute(),
        }
    }
}

pub struct Node {
    pub inode: u64,
    pub kind: NodeKind,
    metadata: Mutex<Metadata>,
    /// Its last name is gone (a new node has had none yet, and is not removed).
    removed: AtomicBool,
    /// A directory's one name and the directory holding it: how ".." and getcwd find their
    /// way up. None for the root and for what was never in the tree; a removed directory
    /// keeps it, so that ".." still leads where it was, as on Linux.
    parent: Mutex<Option<(Weak<Node>, String)>>,
}

static NEXT_INODE: AtomicU64 = AtomicU64::new(1);

impl Node {
    fn new(kind: NodeKind, mode: u32, now: Timestamp) -> Arc<Self> {
        Arc::new(Self::build(kind, mode, now))
    }

    fn build(kind: NodeKind, mode: u32, now: Timestamp) -> Self {
        Self {
            inode: NEXT_INODE.fetch_add(1, Ordering::Relaxed),
            kind,
            removed: AtomicBool::new(false),
            parent: Mutex::new(None),
            metadata: Mutex::new(Metadata {
                mode,
                // A new node has no name until a directory takes it in.
                links: 0,
                owner: 0,
                group: 0,
                accessed: now,
                modified: now,
                changed: now,
            }),
        }
    }

    pub fn directory(permissions: u32, now: Timestamp) -> Arc<Self> {
        let entries = Mutex::new(BTreeMap::new());
        Self::new(NodeKind::Directory(entries), S_IFDIR | permissions, now)
    }

    pub fn file(permissions: u32, initial: &'static [u8], now: Timestamp) -> Arc<Self> {
        let data = Mutex::new(FileData::new(initial));
        Self::new(NodeKind::File(data), S_IFREG | permissions, now)
    }

    pub fn symlink(target: LinkTarget, now: Timestamp) -> Arc<Self> {
        Self::new(NodeKind::Symlink(target), S_IFLNK | 0o777, now)
    }

    pub fn generated(generate: impl Fn() -> Vec<u8> + Send + Sync + 'static) -> Arc<Self> {
        let now = Timestamp::default();
        Self::new(
            NodeKind::Generated(Box::new(generate)),
            S_IFREG | 0o444,
            now,
        )
    }

    /// A read-only directory holding what `listing` lists.
    pub fn listed(listing: impl Listing + 'static) -> Arc<Self> {
        Arc::new_cyclic(|this| {
            let directory = ListedDirectory {
                listing: Box::new(listing),
                made: Mutex::new(BTreeMap::new()),
                this: this.clone(),
            };
            let mode = S_IFDIR | 0o555;
            Self::build(NodeKind::Listed(directory), mode, Timestamp::default())
        })
    }

    pub fn device(device: Device, permissions: u32) -> Arc<Self> {
        let kind = match device {
            Device::Disk(_) => S_IFBLK,
            _ => S_IFCHR,
        };
        Self::new(
            NodeKind::Device(device),
            kind | permissions,
            Timestamp::default(),
        )
    }

    pub fn is_directory(&self) -> bool {
        matches!(self.kind, NodeKind::Directory(_) | NodeKind::Listed(_))
    }

    /// A directory's entries, brought up to date first if it is listed.
    fn entries_locked(&self) -> Result<MutexGuard<'_, BTreeMap<String, Arc<Node>>>, Errno> {
        match &self.kind {
            NodeKind::Directory(entries) => Ok(entries.lock()),
            NodeKind::Listed(directory) => Ok(directory.refresh()),
            _ => Err(ENOTDIR),
        }
    }

    /// The entries of a directory that may be changed; `refusal` for a listed one, whose
    /// entries only the kernel makes (Linux's errors: ENOENT to create, EPERM to remove).
    fn writable_entries(
        &self,
        refusal: Errno,
    ) -> Result<MutexGuard<'_, BTreeMap<String, Arc<Node>>>, Errno> {
        match &self.kind {
            NodeKind::Listed(_) => Err(refusal),
            _ => self.entries_locked(),
        }
    }

    /// A directory's entry `name`, if there is one; ENOTDIR if this is no directory.
    pub fn child(&self, name: &str) -> Result<Option<Arc<Node>>, Errno> {
        Ok(self.entries_locked()?.get(name).cloned())
    }

    /// A directory's entries, by name, as they are now (empty for anything else).
    pub fn entries(&self) -> Vec<(String, Arc<Node>)> {
        self.entries_locked()
            .map(|entries| {
                entries
                    .iter()
                    .map(|(name, node)| (name.clone(), node.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn size(&self) -> usize {
        match &self.kind {
            NodeKind::File(data) => data.lock().size(),
            NodeKind::Symlink(target) => target.path().len(),
            NodeKind::Directory(entries) => (entries.lock().len() + 2) * DIRECTORY_ENTRY_SIZE,
            NodeKind::Listed(_) => 0,
            // As /proc's files: their size is only known by reading them.
            NodeKind::Device(_) | NodeKind::Generated(_) => 0,
        }
    }

    pub fn metadata(&self) -> Metadata {
        let mut metadata = *self.metadata.lock();
        if let NodeKind::Directory(entries) = &self.kind
            && !self.is_removed()
        {
            let subdirectories = entries.lock().values().filter(|n| n.is_directory()).count();
            // Its entry in the parent, its "." and its children's ".."; a removed one has none.
            metadata.links = metadata.links + 1 + subdirectories as u32;
        } else if let NodeKind::Listed(_) = &self.kind {
            // Its entry and its "."; what it holds is not counted (it is made on demand).
            metadata.links += 1;
        }
        metadata
    }

    /// Whether the node has lost its last name (a removed directory takes no new entries and
    /// is no place to walk from).
    pub fn is_removed(&self) -> bool {
        self.removed.load(Ordering::Relaxed)
    }

    pub fn mode(&self) -> u32 {
        self.metadata.lock().mode
    }

    /// chmod: the permission bits change, the type stays.
    pub fn set_permissions(&self, permissions: u32, now: Timestamp) {
        let mut metadata = self.metadata.lock();
        metadata.mode = (metadata.mode & S_IFMT) | (permissions & MODE_PERMISSIONS);
        metadata.changed = now;
    }

    /// chown: a new owner, group, or both.
    pub fn set_owner(&self, owner: Option<u32>, group: Option<u32>, now: Timestamp) {
        let mut metadata = self.metadata.lock();
        metadata.owner = owner.unwrap_or(metadata.owner);
        metadata.group = group.unwrap_or(metadata.group);
        metadata.changed = now;
    }

    /// utimensat: sets the access and modification times given.
    pub fn set_times(
        &self,
        accessed: Option<Timestamp>,
        modified: Option<Timestamp>,
        now: Timestamp,
    ) {
        let mut metadata = self.metadata.lock();
        if let Some(accessed) = accessed {
            metadata.accessed = accessed;
        }
        if let Some(modified) = modified {
            metadata.modified = modified;
        }
        metadata.changed = now;
    }

    /// The contents changed (write, truncate, an entry added or removed).
    pub fn touch(&self, now: Timestamp) {
        let mut metadata = self.metadata.lock();
        metadata.modified = now;
        metadata.changed = now;
    }

    /// Records where a directory now lives (files keep no parent: they may have many).
    fn set_parent(&self, directory: &Arc<Node>, name: &str) {
        self.set_parent_link(Arc::downgrade(directory), name);
    }

    fn set_parent_link(&self, directory: Weak<Node>, name: &str) {
        if self.is_directory() {
            *self.parent.lock() = Some((directory, String::from(name)));
        }
    }

    /// The directory ".." leads to: the parent (the last one, for a removed directory), or the
    /// node itself at the root.
    pub fn up(self: &Arc<Self>) -> Arc<Node> {
        let parent = self
            .parent
            .lock()
            .as_ref()
            .and_then(|(parent, _)| parent.upgrade());
        parent.unwrap_or_else(|| self.clone())
    }

    /// Whether `ancestor` is this directory or one it lies below.
    pub fn is_within(self: &Arc<Self>, ancestor: &Arc<Node>) -> bool {
        let mut current = self.clone();
        loop {
            if Arc::ptr_eq(&current, ancestor) {
                return true;
            }
            let up = current.up();
            if Arc::ptr_eq(&up, &current) {
                return false;
            }
            current = up;
        }
    }

    /// A directory's absolute path below `root`, as getcwd reports it; None once removed.
    pub fn path_below(self: &Arc<Self>, root: &Arc<Node>) -> Option<String> {
        let mut names = Vec::new();
        let mut current = self.clone();
        while !Arc::ptr_eq(&current, root) {
            if current.is_removed() {
                return None;
            }
            let (parent, name) = current.parent.lock().clone()?;
            names.push(name);
            current = parent.upgrade()?;
        }
        let mut path = String::new();
        for name in names.iter().rev() {
            path.push('/');
            path.push_str(name);
        }
        if path.is_empty() {
            path.push('/');
        }
        Some(path)
    }

    fn mark_changed(&self, now: Timestamp) {
        self.metadata.lock().changed = now;
    }

    fn add_link(&self, change: i32, now: Timestamp) {
        let mut metadata = self.metadata.lock();
        metadata.links = metadata.links.saturating_add_signed(change);
        metadata.changed = now;
        self.removed.store(metadata.links == 0, Ordering::Relaxed);
    }

    /// Adds `node` to this directory as `name`; EEXIST if the name is taken.
    pub fn insert(
        self: &Arc<Self>,
        name: &str,
        node: Arc<Node>,
        now: Timestamp,
    ) -> Result<(), Errno> {
        check_name(name)?;
        let mut entries = self.writable_entries(ENOENT)?;
        if self.is_removed() {
            return Err(ENOENT);
        }
        if entries.contains_key(name) {
            return Err(EEXIST);
        }
        node.add_link(1, now);
        node.set_parent(self, name);
        entries.insert(String::from(name), node);
        drop(entries);
        self.touch(now);
        Ok(())
    }

    /// Removes the entry `name`: a directory only if `directory` (rmdir) and it is empty,
    /// anything else only if not (unlink). Returns the node, which lives on while open.
    pub fn remove(&self, name: &str, directory: bool, now: Timestamp) -> Result<Arc<Node>, Errno> {
        let mut entries = self.writable_entries(EPERM)?;
        let node = entries.get(name).ok_or(ENOENT)?;
        match (directory, node.is_directory()) {
            (true, false) => return Err(ENOTDIR),
            (false, true) => return Err(EISDIR),
            (true, true) if !node.entries_locked()?.is_empty() => return Err(ENOTEMPTY),
            _ => {}
        }
        let node = entries.remove(name).expect("looked up above");
        drop(entries);
        node.add_link(-1, now);
        self.touch(now);
        Ok(node)
    }
}

impl ListedDirectory {
    /// Drops the nodes of names no longer listed, makes nodes for new names, and returns the
    /// entries locked.
    fn refresh(&self) -> MutexGuard<'_, BTreeMap<String, Arc<Node>>> {
        let names = self.listing.names();
        let mut made = self.made.lock();
        made.retain(|name, _| names.contains(name));
        for name in names {
            if made.contains_key(&name) {
                continue;
            }
            if let Some(node) = self.listing.make(&name) {
                node.set_parent_link(self.this.clone(), &name);
                // Its one name: this entry.
                node.metadata.lock().links = 1;
                made.insert(name, node);
            }
        }
        made
    }
}

/// A name a directory can hold: not empty, "." or "..", no longer than NAME_MAX.
fn check_name(name: &str) -> Result<(), Errno> {
    match name {
        "" => Err(ENOENT),
        "." | ".." => Err(EEXIST),
        _ if name.len() > NAME_MAX => Err(ENAMETOOLONG),
        _ => Ok(()),
    }
}

/// What renameat2 does when the new name exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenameMode {
    /// Replaces it (rename(2)).
    Replace,
    /// Fails with EEXIST (RENAME_NOREPLACE).
    NoReplace,
    /// Swaps the two (RENAME_EXCHANGE); both must exist.
    Exchange,
}

/// Moves `from`'s entry `old` to `to` as `new`.
pub fn rename(
    from: &Arc<Node>,
    old: &str,
    to: &Arc<Node>,
    new: &str,
    mode: RenameMode,
    now: Timestamp,
) -> Result<(), Errno> {
    check_name(new).map_err(|error| if error == EEXIST { EBUSY } else { error })?;
    if matches!(old, "." | "..") {
        return Err(EBUSY);
    }
    // As between file systems on Linux: /proc's entries stay where the kernel made them.
    let listed = |node: &Node| matches!(node.kind, NodeKind::Listed(_));
    if listed(from) != listed(to) {
        return Err(EXDEV);
    }
    let same = Arc::ptr_eq(from, to);
    let (mut source, mut target) = if same {
        (from.writable_entries(ENOENT)?, None)
    } else if from.inode < to.inode {
        let source = from.writable_entries(ENOENT)?;
        (source, Some(to.writable_entries(ENOENT)?))
    } else {
        let target = to.writable_entries(ENOENT)?;
        (from.writable_entries(ENOENT)?, Some(target))
    };
    let moving = source.get(old).cloned().ok_or(ENOENT)?;
    let target_entries = target.as_deref_mut().unwrap_or(&mut *source);
    let existing = target_entries.get(new).cloned();
    // The tree stays a tree: nothing moves below itself.
    if moving.is_directory() && to.is_within(&moving) {
        return Err(EINVAL);
    }
    if let Some(existing) = existing.as_ref().filter(|e| e.is_directory())
        && from.is_within(existing)
        && !Arc::ptr_eq(existing, &moving)
    {
        return Err(if mode == RenameMode::Exchange {
            EINVAL
        } else {
            ENOTEMPTY
        });
    }
    match (&existing, mode) {
        (None, RenameMode::Exchange) => return Err(ENOENT),
        (Some(_), RenameMode::NoReplace) => return Err(EEXIST),
        (Some(existing), RenameMode::Exchange) => {
            let existing = existing.clone();
            target_entries.insert(String::from(new), moving.clone());
            source.insert(String::from(old), existing.clone());
            existing.set_parent(from, old);
            existing.mark_changed(now);
        }
        (Some(existing), RenameMode::Replace) if Arc::ptr_eq(existing, &moving) => return Ok(()),
        (existing, _) => {
            if let Some(existing) = existing {
                match (moving.is_directory(), existing.is_directory()) {
                    (true, false) => return Err(ENOTDIR),
                    (false, true) => return Err(EISDIR),
                    (true, true) if !existing.entries_locked()?.is_empty() => {
                        return Err(ENOTEMPTY);
                    }
                    _ => existing.add_link(-1, now),
                }
            }
            target_entries.insert(String::from(new), moving.clone());
            source.remove(old);
        }
    }
    drop((source, target));
    moving.set_parent(to, new);
    moving.mark_changed(now);
    from.touch(now);
    to.touch(now);
    Ok(())
}

/// Finds `path` (absolute, or relative to the directory `start`) as Linux walks it:
/// component by component, `..` going to the parent of what was actually reached, every
/// component but the last (and the last, with a trailing `/`) a directory, symbolic links
/// followed on the way and, if `follow_last`, at the end.
pub fn resolve(
    root: &Arc<Node>,
    start: &Arc<Node>,
    path: &str,
    follow_last: bool,
) -> Result<Arc<Node>, Errno> {
    let must_be_directory = path.ends_with('/');
    let mut pending = Vec::new();
    push_components(&mut pending, path);
    let mut current = if path.starts_with('/') {
        root.clone()
    } else {
        start.clone()
    };
    let mut links_followed = 0;
    while let Some(component) = pending.pop() {
        match component.as_str() {
            "." => {
                current.entries_locked()?;
            }
            ".." => {
                current.entries_locked()?;
                if !Arc::ptr_eq(&current, root) {
                    current = current.up();
                }
            }
            name => {
                let child = current.child(name)?.ok_or(ENOENT)?;
                let follow = !pending.is_empty() || follow_last || must_be_directory;
                match &child.kind {
                    NodeKind::Symlink(target) if follow => {
                        links_followed += 1;
                        if links_followed > MAX_SYMLINKS {
                            return Err(ELOOP);
                        }
                        let target = target.path();
                        if target.is_empty() {
                            return Err(ENOENT);
                        }
                        if target.starts_with('/') {
                            current = root.clone();
                        }
                        push_components(&mut pending, &target);
                    }
                    _ => current = child,
                }
            }
        }
    }
    if must_be_directory && !current.is_directory() {
        return Err(ENOTDIR);
    }
    Ok(current)
}

/// A path from `root` to `target` (any of its names, for a file with several), found by
/// searching the writable tree (listed directories such as /proc are not searched); None when
/// it has no name left.
pub fn find_path(root: &Arc<Node>, target: &Arc<Node>) -> Option<String> {
    if target.is_directory() {
        return target.path_below(root);
    }
    let mut pending = alloc::vec![(String::new(), root.clone())];
    while let Some((path, directory)) = pending.pop() {
        for (name, node) in directory.entries() {
            let node_path = format!("{path}/{name}");
            if Arc::ptr_eq(&node, target) {
                return Some(node_path);
            }
            if matches!(node.kind, NodeKind::Directory(_)) {
                pending.push((node_path, node));
            }
        }
    }
    None
}

/// Pushes `path`'s components on `pending` so that the first is popped first.
fn push_components(pending: &mut Vec<String>, path: &str) {
    let components = path.split('/').filter(|c| !c.is_empty());
    pending.extend(components.rev().map(String::from));
}

/// The directory that holds (or is to hold) `path`'s last component, and that name, for
/// the calls that create, remove or rename: the parent walked with links followed, the
/// name taken as it is. "/" names "." in the root.
pub struct Parent {
    pub directory: Arc<Node>,
    pub name: String,
}

pub fn resolve_parent(root: &Arc<Node>, start: &Arc<Node>, path: &str) -> Result<Parent, Errno> {
    if path.is_empty() {
        return Err(ENOENT);
    }
    let trimmed = path.trim_end_matches('/');
    let (parent, name) = match trimmed.rsplit_once('/') {
        Some(("", name)) => ("/", name),
        Some((parent, name)) => (parent, name),
        None if trimmed.is_empty() => ("/", "."),
        None => (".", trimmed),
    };
    let directory = resolve(root, start, parent, true)?;
    if !directory.is_directory() {
        return Err(ENOTDIR);
    }
    Ok(Parent {
        directory,
        name: String::from(name),
    })
}

/// Builds the tree from a newc archive and adds /dev with its devices and /tmp.
pub fn build(archive: &'static [u8]) -> Result<Arc<Node>, CpioError> {
    let now = Timestamp::default();
    let root = Node::directory(0o755, now);
    root.add_link(1, now);
    for entry in cpio::entries(archive) {
        let entry = entry?;
        if entry.name.is_empty() || entry.name == "." {
            continue;
        }
        let (parent, name) = entry.name.rsplit_once('/').unwrap_or(("", entry.name));
        let directory = directory_at(&root, parent);
        let permissions = entry.mode & MODE_PERMISSIONS;
        let node = match entry.mode & S_IFMT {
            S_IFDIR => {
                directory_at(&directory, name).set_permissions(permissions, now);
                continue;
            }
            S_IFREG => Node::file(permissions, entry.data, now),
            S_IFLNK => match core::str::from_utf8(entry.data) {
                Ok(target) => Node::symlink(LinkTarget::Fixed(String::from(target)), now),
                Err(_) => continue,
            },
            _ => continue,
        };
        // A name given twice: the later entry wins, as when the kernel unpacks an initramfs.
        let _ = directory.remove(name, node.is_directory(), now);
        let _ = directory.insert(name, node, now);
    }
    let dev = directory_at(&root, "dev");
    for (name, device) in [
        ("console", Device::Console),
        // The process's controlling terminal, which is always the console.
        ("tty", Device::Console),
        ("null", Device::Null),
        ("zero", Device::Zero),
    ] {
        let _ = dev.insert(name, Node::device(device, 0o666), now);
    }
    // World-writable with the sticky bit, as a distribution sets them up.
    directory_at(&root, "tmp").set_permissions(0o1777, now);
    directory_at(&dev, "shm").set_permissions(0o1777, now);
    Ok(root)
}

/// The directory at `path` below `base`, made (with its parents) where missing; a file in
/// the way is replaced.
fn directory_at(base: &Arc<Node>, path: &str) -> Arc<Node> {
    let now = Timestamp::default();
    path.split('/')
        .filter(|part| !part.is_empty())
        .fold(base.clone(), |directory, part| {
            match directory.child(part) {
                Ok(Some(child)) if child.is_directory() => return child,
                _ => {}
            }
            let _ = directory.remove(part, false, now);
            let child = Node::directory(0o755, now);
            let _ = directory.insert(part, child.clone(), now);
            child
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::cpio::tests::archive;
    use alloc::format;

    fn tree() -> Arc<Node> {
        let bytes = archive(&[
            ("bin", 0o040_755, b""),
            ("bin/init", 0o100_755, b"init"),
            ("tests/test-files", 0o100_755, b"tf"),
            ("etc/motd", 0o100_644, b"hello"),
            ("bin/sh", 0o120_777, b"init"),
            ("etc/loop", 0o120_777, b"loop"),
            ("etc/up", 0o120_777, b"../bin"),
        ]);
        build(Vec::leak(bytes)).unwrap()
    }

    fn lookup(root: &Arc<Node>, path: &str) -> Result<Arc<Node>, Errno> {
        resolve(root, root, path, true)
    }

    /// Where a walk from `start` ends: the path of the directory reached, or of the
    /// directory holding the file reached, with the file's inode.
    fn walk(root: &Arc<Node>, start: &str, path: &str, follow: bool) -> Result<String, Errno> {
        let start = lookup(root, start)?;
        let node = resolve(root, &start, path, follow)?;
        Ok(match node.path_below(root) {
            Some(path) => path,
            None => format!("inode {}", node.inode),
        })
    }

    fn now() -> Timestamp {
        Timestamp {
            seconds: 5,
            nanoseconds: 0,
        }
    }

    #[test]
    fn files_directories_and_devices() {
        let root = tree();
        let init = lookup(&root, "/bin/init").unwrap();
        assert!(matches!(&init.kind, NodeKind::File(data) if &*data.lock().contents() == b"init"));
        assert_eq!(init.mode(), 0o100_755);
        assert_eq!(init.metadata().links, 1);
        assert!(
            lookup(&root, "/tests").unwrap().is_directory(),
            "implied directories exist"
        );
        assert!(matches!(
            lookup(&root, "/dev/null").unwrap().kind,
            NodeKind::Device(Device::Null)
        ));
        assert_eq!(lookup(&root, "/dev/zero").unwrap().mode() & S_IFMT, S_IFCHR);
        assert_eq!(lookup(&root, "/tmp").unwrap().mode(), S_IFDIR | 0o1777);
        assert_eq!(lookup(&root, "/nope").err(), Some(ENOENT));
        assert_eq!(lookup(&root, "/etc/motd/x").err(), Some(ENOTDIR));
    }

    #[test]
    fn inodes_are_unique() {
        fn collect(node: &Arc<Node>, out: &mut Vec<u64>) {
            out.push(node.inode);
            for (_, child) in node.entries() {
                collect(&child, out);
            }
        }
        let mut inodes = Vec::new();
        collect(&tree(), &mut inodes);
        let count = inodes.len();
        inodes.sort();
        inodes.dedup();
        assert_eq!(inodes.len(), count);
    }

    #[test]
    fn walks_like_linux() {
        let root = tree();
        let init = lookup(&root, "/bin/init").unwrap().inode;
        let path = |start: &str, path: &str| walk(&root, start, path, true);
        assert_eq!(path("/", "bin/init"), Ok(format!("inode {init}")));
        assert_eq!(path("/bin", "../etc//"), Ok(String::from("/etc")));
        assert_eq!(path("/bin", "/tests/./"), Ok(String::from("/tests")));
        assert_eq!(path("/", "../../.."), Ok(String::from("/")));
        assert_eq!(path("/bin", ""), Ok(String::from("/bin")));
        assert_eq!(path("/", "/bin/init/"), Err(ENOTDIR));
        assert_eq!(path("/", "/bin/init/.."), Err(ENOTDIR));
        assert_eq!(path("/", "/nope/../bin/init"), Err(ENOENT));
    }

    #[test]
    fn symbolic_links_are_followed_where_linux_follows_them() {
        let root = tree();
        let inode = |path: &str| format!("inode {}", lookup(&root, path).unwrap().inode);
        let sh = resolve(&root, &root, "/bin/sh", false).unwrap().inode;
        let walk = |path: &str, follow: bool| walk(&root, "/", path, follow);
        assert_eq!(walk("/bin/sh", true), Ok(inode("/bin/init")));
        assert_eq!(walk("/bin/sh", false), Ok(format!("inode {sh}")));
        // Through a link to a relative directory, and ".." from where the link led.
        assert_eq!(walk("/etc/up/init", false), Ok(inode("/bin/init")));
        assert_eq!(walk("/etc/up/../etc", false), Ok(String::from("/etc")));
        assert_eq!(walk("/etc/up/", false), Ok(String::from("/bin")));
        assert_eq!(walk("/etc/loop", true), Err(ELOOP));
        assert!(walk("/etc/loop", false).is_ok());
    }

    #[test]
    fn a_directory_keeps_its_path_as_it_moves_and_loses_it_when_removed() {
        let root = tree();
        let tmp = lookup(&root, "/tmp").unwrap();
        let directory = Node::directory(0o755, now());
        tmp.insert("d", directory.clone(), now()).unwrap();
        assert_eq!(directory.path_below(&root), Some(String::from("/tmp/d")));
        rename(&tmp, "d", &root, "moved", RenameMode::Replace, now()).unwrap();
        assert_eq!(directory.path_below(&root), Some(String::from("/moved")));
        assert!(Arc::ptr_eq(
            &resolve(&root, &directory, "..", true).unwrap(),
            &root
        ));
        root.remove("moved", true, now()).unwrap();
        assert!(directory.is_removed());
        // ".." still leads where the directory was.
        assert!(Arc::ptr_eq(
            &resolve(&root, &directory, "..", true).unwrap(),
            &root
        ));
        assert_eq!(directory.path_below(&root), None);
        assert_eq!(directory.metadata().links, 0);
        assert_eq!(
            directory.insert("x", Node::file(0o644, b"", now()), now()),
            Err(ENOENT)
        );
    }

    #[test]
    fn parents_of_new_names() {
        let root = tree();
        let etc = lookup(&root, "/etc").unwrap();
        let parent = |path: &str| {
            resolve_parent(&root, &etc, path)
                .map(|p| (p.directory.path_below(&root).unwrap(), p.name))
        };
        let pair = |directory: &str, name: &str| Ok((String::from(directory), String::from(name)));
        assert_eq!(parent("new"), pair("/etc", "new"));
        assert_eq!(parent("/tmp/dir/"), pair("/tmp", "dir"));
        assert_eq!(parent("/x"), pair("/", "x"));
        assert_eq!(parent("/"), pair("/", "."));
        assert_eq!(parent("up/new"), pair("/bin", "new"));
        assert_eq!(parent("motd/new").err(), Some(ENOTDIR));
        assert_eq!(parent("").err(), Some(ENOENT));
    }

    #[test]
    fn directories_gain_and_lose_entries() {
        let root = tree();
        let tmp = lookup(&root, "/tmp").unwrap();
        let directory = Node::directory(0o755, now());
        tmp.insert("d", directory.clone(), now()).unwrap();
        assert_eq!(tmp.metadata().links, 3);
        assert_eq!(tmp.metadata().modified, now());
        let file = Node::file(0o644, b"", now());
        directory.insert("f", file.clone(), now()).unwrap();
        assert_eq!(directory.insert("f", file.clone(), now()), Err(EEXIST));
        assert_eq!(directory.insert(".", file.clone(), now()), Err(EEXIST));
        assert_eq!(
            directory.insert(&"n".repeat(NAME_MAX + 1), file.clone(), now()),
            Err(ENAMETOOLONG)
        );
        // A second name for the file (link).
        tmp.insert("hard", file.clone(), now()).unwrap();
        assert_eq!(file.metadata().links, 2);
        assert_eq!(tmp.remove("d", true, now()).err(), Some(ENOTEMPTY));
        assert_eq!(tmp.remove("d", false, now()).err(), Some(EISDIR));
        assert_eq!(directory.remove("f", true, now()).err(), Some(ENOTDIR));
        directory.remove("f", false, now()).unwrap();
        assert_eq!(file.metadata().links, 1);
        tmp.remove("d", true, now()).unwrap();
        assert_eq!(tmp.metadata().links, 2);
        assert_eq!(tmp.remove("d", true, now()).err(), Some(ENOENT));
    }

    #[test]
    fn rename_moves_replaces_and_exchanges() {
        let root = tree();
        let etc = lookup(&root, "/etc").unwrap();
        let tmp = lookup(&root, "/tmp").unwrap();
        rename(&etc, "motd", &tmp, "m", RenameMode::Replace, now()).unwrap();
        assert_eq!(lookup(&root, "/etc/motd").err(), Some(ENOENT));
        let moved = lookup(&root, "/tmp/m").unwrap();
        assert_eq!(moved.metadata().links, 1);
        tmp.insert("other", Node::file(0o600, b"o", now()), now())
            .unwrap();
        assert_eq!(
            rename(&tmp, "m", &tmp, "other", RenameMode::NoReplace, now()),
            Err(EEXIST)
        );
        rename(&tmp, "m", &tmp, "other", RenameMode::Exchange, now()).unwrap();
        assert!(Arc::ptr_eq(&lookup(&root, "/tmp/other").unwrap(), &moved));
        rename(&tmp, "other", &tmp, "m", RenameMode::Replace, now()).unwrap();
        assert!(Arc::ptr_eq(&lookup(&root, "/tmp/m").unwrap(), &moved));
        assert_eq!(tmp.entries().len(), 1);
        assert_eq!(
            rename(&tmp, "gone", &tmp, "x", RenameMode::Replace, now()),
            Err(ENOENT)
        );
        assert_eq!(
            rename(&tmp, "m", &root, "bin", RenameMode::Replace, now()),
            Err(EISDIR)
        );
        assert_eq!(
            rename(&root, "bin", &tmp, "m", RenameMode::Replace, now()),
            Err(ENOTDIR)
        );
        assert_eq!(
            rename(&root, "tests", &root, "bin", RenameMode::Replace, now()),
            Err(ENOTEMPTY)
        );
        // Nothing moves below itself; an ancestor cannot be replaced or exchanged.
        let bin = lookup(&root, "/bin").unwrap();
        assert_eq!(
            rename(&root, "bin", &bin, "inside", RenameMode::Replace, now()),
            Err(EINVAL)
        );
        bin.insert("sub", Node::directory(0o755, now()), now())
            .unwrap();
        let sub = lookup(&root, "/bin/sub").unwrap();
        assert_eq!(
            rename(&sub, "..", &root, "x", RenameMode::Replace, now()),
            Err(EBUSY)
        );
        assert_eq!(
            rename(&bin, "sub", &root, "bin", RenameMode::Replace, now()),
            Err(ENOTEMPTY)
        );
        assert_eq!(
            rename(&bin, "sub", &root, "bin", RenameMode::Exchange, now()),
            Err(EINVAL)
        );
        assert_eq!(
            rename(&tmp, "m", &tmp, "m", RenameMode::Replace, now()),
            Ok(())
        );
        assert_eq!(
            rename(&tmp, "m", &tmp, "x", RenameMode::Exchange, now()),
            Err(ENOENT)
        );
        assert_eq!(moved.metadata().links, 1);
    }

    /// A listing of the names in a shared list, each a directory.
    struct Names(Arc<Mutex<Vec<String>>>);

    impl Listing for Names {
        fn names(&self) -> Vec<String> {
            self.0.lock().clone()
        }

        fn make(&self, _name: &str) -> Option<Arc<Node>> {
            Some(Node::directory(0o555, Timestamp::default()))
        }
    }

    #[test]
    fn a_listed_directory_follows_its_listing_and_refuses_changes() {
        let root = tree();
        let names = Arc::new(Mutex::new(alloc::vec![String::from("a")]));
        let now = Timestamp::default();
        root.insert("listed", Node::listed(Names(names.clone())), now)
            .unwrap();
        let a = lookup(&root, "/listed/a").unwrap();
        assert!(Arc::ptr_eq(&a, &lookup(&root, "/listed/a").unwrap()));
        assert_eq!(a.path_below(&root).as_deref(), Some("/listed/a"));
        assert!(Arc::ptr_eq(
            &lookup(&root, "/listed/a/..").unwrap(),
            &lookup(&root, "/listed").unwrap()
        ));
        names.lock().push(String::from("b"));
        let listed = lookup(&root, "/listed").unwrap();
        let entries: Vec<String> = listed.entries().into_iter().map(|(name, _)| name).collect();
        assert_eq!(entries, ["a", "b"]);
        names.lock().remove(0);
        assert_eq!(lookup(&root, "/listed/a").err(), Some(ENOENT));
        let file = Node::file(0o644, b"", now);
        assert_eq!(listed.insert("c", file, now), Err(ENOENT));
        assert_eq!(listed.remove("b", true, now).err(), Some(EPERM));
        let etc = lookup(&root, "/etc").unwrap();
        let replace = RenameMode::Replace;
        assert_eq!(rename(&listed, "b", &etc, "b", replace, now), Err(EXDEV));
        assert_eq!(
            rename(&listed, "b", &listed, "c", replace, now),
            Err(ENOENT)
        );
        assert!(listed.is_directory());
        assert_eq!(listed.metadata().links, 2);
    }

    #[test]
    fn find_path_names_a_file_until_its_last_name_goes() {
        let root = tree();
        let motd = lookup(&root, "/etc/motd").unwrap();
        assert_eq!(find_path(&root, &motd).as_deref(), Some("/etc/motd"));
        let etc = lookup(&root, "/etc").unwrap();
        assert_eq!(find_path(&root, &etc).as_deref(), Some("/etc"));
        etc.remove("motd", false, Timestamp::default()).unwrap();
        assert_eq!(find_path(&root, &motd), None);
    }
}
