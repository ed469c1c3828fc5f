//! Path arguments: openat, newfstatat, chdir and execve given paths they cannot read.

use rt::errno::Errno;
use rt::sys::file::{AT_FDCWD, O_RDONLY};
use rt::sys::memory::PROT_READ;
use rt::sys::stat::Stat;
use rt::syscall;
use rt::test::{Context, Failure};
use testkit::bad_pointers::BadPointers;
use testkit::child::{ExecOutcome, raw_execve_in_child};
use testkit::edge::{Beyond, PageEdge};
use testkit::expect::expect_for_each;
use testkit::pages::Pages;

const EFAULT: Result<usize, Errno> = Err(Errno::EFAULT);

/// Paths the kernel cannot read: each unreadable address, and a path running into a page
/// edge (of each kind that cannot be read) before its NUL.
pub struct BadPaths {
    bad: BadPointers,
    edges: [PageEdge; 2],
}

impl BadPaths {
    pub fn new() -> Result<Self, Failure> {
        let [unmapped, prot_none] = Beyond::UNREADABLE;
        let edges = [PageEdge::new(unmapped)?, PageEdge::new(prot_none)?];
        for edge in &edges {
            edge.place_at_end(b"/dev/null");
        }
        Ok(BadPaths {
            bad: BadPointers::new()?,
            edges,
        })
    }

    pub fn all(&self) -> [(&'static str, usize); 7] {
        let [null, unmapped, prot_none, kernel, above] = self.bad.unreadable();
        let unterminated = |edge: &PageEdge| edge.before(b"/dev/null".len());
        [
            null,
            unmapped,
            prot_none,
            kernel,
            above,
            (
                "unterminated before an unmapped page",
                unterminated(&self.edges[0]),
            ),
            (
                "unterminated before a PROT_NONE page",
                unterminated(&self.edges[1]),
            ),
        ]
    }
}

fn check_bad_paths(call: impl Fn(usize) -> Result<usize, Errno>) -> Result<(), Failure> {
    expect_for_each(&BadPaths::new()?.all(), EFAULT, call)
}

pub fn openat_with_bad_path_is_efault() -> Result<(), Failure> {
    // SAFETY: only the path is passed; a descriptor opened by mistake is closed at exit.
    check_bad_paths(|path| unsafe { syscall!(OPENAT, AT_FDCWD, path, O_RDONLY, 0) })
}

/// Input need only be readable.
pub fn openat_with_read_only_path_works() -> Result<(), Failure> {
    let page = Pages::writable(1)?;
    page.write(page.start(), b"/dev/null\0");
    page.protect(0, 1, PROT_READ)?;
    // SAFETY: only the path is passed.
    let fd = unsafe { syscall!(OPENAT, AT_FDCWD, page.start(), O_RDONLY, 0) }
        .context("openat from a read-only page")?;
    rt::sys::file::close(fd as i32).context("close")
}

pub fn newfstatat_with_bad_path_is_efault() -> Result<(), Failure> {
    let mut stat = Stat::default();
    let stat_address = &raw mut stat as usize;
    // SAFETY: the kernel may write one `struct stat` into `stat`, which is ours.
    check_bad_paths(|path| unsafe { syscall!(NEWFSTATAT, AT_FDCWD, path, stat_address, 0) })
}

pub fn chdir_with_bad_path_is_efault() -> Result<(), Failure> {
    // SAFETY: only the path is passed.
    check_bad_paths(|path| unsafe { syscall!(CHDIR, path) })
}

pub fn execve_with_bad_path_is_efault() -> Result<(), Failure> {
    let argv = [c"echo-args".as_ptr(), core::ptr::null()];
    let envp = [core::ptr::null::<u8>()];
    for (label, path) in BadPaths::new()?.all() {
        let outcome = raw_execve_in_child(path, argv.as_ptr() as usize, envp.as_ptr() as usize)?;
        rt::check_eq!(
            outcome,
            ExecOutcome::Refused(Errno::EFAULT),
            "{label} path {path:#x}"
        );
    }
    Ok(())
}
