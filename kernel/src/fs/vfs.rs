//! The file tree: the initramfs, read-only, with /dev/console, /dev/null and /dev/zero, and
//! path lookup. Built once at boot; pure logic, tested on the host.

use super::cpio::{self, CpioError};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

pub const S_IFMT: u32 = 0o170_000;
pub const S_IFDIR: u32 = 0o040_000;
pub const S_IFREG: u32 = 0o100_000;
pub const S_IFCHR: u32 = 0o020_000;

/// The character devices the kernel provides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Console,
    Null,
    Zero,
}

pub enum NodeKind {
    Directory(BTreeMap<String, Arc<Node>>),
    File(&'static [u8]),
    Device(Device),
}

pub struct Node {
    pub inode: u64,
    pub mode: u32,
    pub kind: NodeKind,
}

impl Node {
    pub fn is_directory(&self) -> bool {
        matches!(self.kind, NodeKind::Directory(_))
    }

    pub fn size(&self) -> usize {
        match &self.kind {
            NodeKind::File(data) => data.len(),
            _ => 0,
        }
    }
}

/// A directory being built: entries by name.
#[derive(Default)]
struct Builder {
    directories: BTreeMap<String, Builder>,
    files: BTreeMap<String, (u32, &'static [u8])>,
}

impl Builder {
    fn directory(&mut self, path: &str) -> &mut Builder {
        path.split('/')
            .filter(|part| !part.is_empty())
            .fold(self, |dir, part| {
                dir.directories.entry(String::from(part)).or_default()
            })
    }

    fn finish(self, next_inode: &mut u64) -> Arc<Node> {
        let inode = *next_inode;
        *next_inode += 1;
        let mut children = BTreeMap::new();
        for (name, (mode, data)) in self.files {
            children.insert(name, leaf(next_inode, mode, NodeKind::File(data)));
        }
        for (name, dir) in self.directories {
            children.insert(name, dir.finish(next_inode));
        }
        Arc::new(Node {
            inode,
            mode: S_IFDIR | 0o755,
            kind: NodeKind::Directory(children),
        })
    }
}

fn leaf(next_inode: &mut u64, mode: u32, kind: NodeKind) -> Arc<Node> {
    *next_inode += 1;
    Arc::new(Node {
        inode: *next_inode - 1,
        mode,
        kind,
    })
}

/// Builds the tree from a newc archive and adds /dev.
pub fn build(archive: &'static [u8]) -> Result<Arc<Node>, CpioError> {
    let mut root = Builder::default();
    for entry in cpio::entries(archive) {
        let entry = entry?;
        if entry.name.is_empty() || entry.name == "." {
            continue;
        }
        match entry.mode & S_IFMT {
            S_IFDIR => {
                root.directory(entry.name);
            }
            S_IFREG => {
                let (parent, name) = entry.name.rsplit_once('/').unwrap_or(("", entry.name));
                root.directory(parent)
                    .files
                    .insert(String::from(name), (entry.mode, entry.data));
            }
            _ => {}
        }
    }
    root.directory("dev");
    let mut next_inode = 1;
    let tree = root.finish(&mut next_inode);
    Ok(with_devices(tree, &mut next_inode))
}

fn with_devices(root: Arc<Node>, next_inode: &mut u64) -> Arc<Node> {
    let Ok(Node {
        inode,
        mode,
        kind: NodeKind::Directory(mut children),
    }) = Arc::try_unwrap(root)
    else {
        unreachable!("the root was just built as a directory with one owner")
    };
    let Some(Ok(Node {
        inode: dev_inode,
        mode: dev_mode,
        kind: NodeKind::Directory(mut devices),
    })) = children.remove("dev").map(Arc::try_unwrap)
    else {
        unreachable!("/dev was just built as a directory with one owner")
    };
    for (name, device) in [
        ("console", Device::Console),
        ("null", Device::Null),
        ("zero", Device::Zero),
    ] {
        devices.insert(
            String::from(name),
            leaf(next_inode, S_IFCHR | 0o666, NodeKind::Device(device)),
        );
    }
    children.insert(
        String::from("dev"),
        Arc::new(Node {
            inode: dev_inode,
            mode: dev_mode,
            kind: NodeKind::Directory(devices),
        }),
    );
    Arc::new(Node {
        inode,
        mode,
        kind: NodeKind::Directory(children),
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupError {
    NotFound,
    NotADirectory,
}

/// Finds `path` (absolute, or relative to the directory `cwd`, itself absolute and clean)
/// as Linux walks it: component by component, `..` going to the parent of what was
/// actually reached, every component but the last (and the last, with a trailing `/`)
/// a directory. Returns the node and its clean absolute path.
pub fn resolve(
    root: &Arc<Node>,
    cwd: &str,
    path: &str,
) -> Result<(Arc<Node>, String), LookupError> {
    let mut stack: Vec<(&str, Arc<Node>)> = Vec::new();
    let start = if path.starts_with('/') { "" } else { cwd };
    let mut current = root.clone();
    let components = start.split('/').chain(path.split('/'));
    for component in components {
        if component.is_empty() {
            continue;
        }
        let NodeKind::Directory(children) = &current.kind else {
            return Err(LookupError::NotADirectory);
        };
        match component {
            "." => {}
            ".." => {
                stack.pop();
                current = stack
                    .last()
                    .map_or_else(|| root.clone(), |(_, node)| node.clone());
            }
            name => {
                let child = children.get(name).cloned().ok_or(LookupError::NotFound)?;
                stack.push((name, child.clone()));
                current = child;
            }
        }
    }
    if path.ends_with('/') && !current.is_directory() {
        return Err(LookupError::NotADirectory);
    }
    let mut clean = String::new();
    for (name, _) in &stack {
        clean.push('/');
        clean.push_str(name);
    }
    if clean.is_empty() {
        clean.push('/');
    }
    Ok((current, clean))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::cpio::tests::archive;

    fn tree() -> Arc<Node> {
        let bytes = archive(&[
            ("bin", 0o040_755, b""),
            ("bin/init", 0o100_755, b"init"),
            ("tests/test-files", 0o100_755, b"tf"),
            ("etc/motd", 0o100_644, b"hello"),
        ]);
        build(Vec::leak(bytes)).unwrap()
    }

    fn lookup(root: &Arc<Node>, path: &str) -> Result<Arc<Node>, LookupError> {
        resolve(root, "/", path).map(|(node, _)| node)
    }

    #[test]
    fn files_directories_and_devices() {
        let root = tree();
        let init = lookup(&root, "/bin/init").unwrap();
        assert!(matches!(init.kind, NodeKind::File(b"init")));
        assert_eq!(init.mode, 0o100_755);
        assert!(
            lookup(&root, "/tests").unwrap().is_directory(),
            "implied directories exist"
        );
        assert!(matches!(
            lookup(&root, "/dev/null").unwrap().kind,
            NodeKind::Device(Device::Null)
        ));
        assert_eq!(lookup(&root, "/dev/zero").unwrap().mode & S_IFMT, S_IFCHR);
        assert_eq!(lookup(&root, "/nope").err(), Some(LookupError::NotFound));
        assert_eq!(
            lookup(&root, "/etc/motd/x").err(),
            Some(LookupError::NotADirectory)
        );
    }

    #[test]
    fn inodes_are_unique() {
        fn collect(node: &Arc<Node>, out: &mut Vec<u64>) {
            out.push(node.inode);
            if let NodeKind::Directory(children) = &node.kind {
                children.values().for_each(|child| collect(child, out));
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
        let path = |cwd: &str, path: &str| resolve(&root, cwd, path).map(|(_, clean)| clean);
        assert_eq!(path("/", "bin/init"), Ok(String::from("/bin/init")));
        assert_eq!(path("/bin", "../etc//motd"), Ok(String::from("/etc/motd")));
        assert_eq!(path("/bin", "/tests/./"), Ok(String::from("/tests")));
        assert_eq!(path("/", "../../.."), Ok(String::from("/")));
        assert_eq!(path("/bin", ""), Ok(String::from("/bin")));
        assert_eq!(path("/", "/bin/init/"), Err(LookupError::NotADirectory));
        assert_eq!(path("/", "/bin/init/.."), Err(LookupError::NotADirectory));
        assert_eq!(path("/", "/nope/../bin/init"), Err(LookupError::NotFound));
    }
}
