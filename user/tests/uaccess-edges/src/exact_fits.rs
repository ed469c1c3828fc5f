//! Arguments that end exactly at the edge are valid: the kernel must not read or write a
//! byte past them. Strings whose NUL is the last byte before the edge, and results exactly
//! as large as the memory before it.

use core::ffi::CStr;

use rt::sys::dir::chdir;
use rt::sys::file::{AT_FDCWD, O_RDONLY};
use rt::sys::process::execve;
use rt::sys::stat::Stat;
use rt::sys::system::{Sysinfo, Utsname};
use rt::sys::time::{CLOCK_MONOTONIC, Timespec};
use rt::syscall;
use rt::test::{Context, Failure};
use rt::wait::Termination;
use testkit::child::{capture_stdout, spawn};
use testkit::edge::{Beyond, PageEdge};

/// `text` (with its NUL) placed to end at a fresh edge, which must stay alive while used.
fn string_at_edge(text: &CStr) -> Result<(PageEdge, usize), Failure> {
    let edge = PageEdge::new(Beyond::Unmapped)?;
    let start = edge.place_at_end(text.to_bytes_with_nul());
    Ok((edge, start))
}

pub fn paths_ending_at_the_edge_work() -> Result<(), Failure> {
    let (_edge, path) = string_at_edge(c"/dev/null")?;
    // SAFETY: the kernel reads the path and writes one `struct stat` into `stat`.
    unsafe {
        let fd = syscall!(OPENAT, AT_FDCWD, path, O_RDONLY, 0).context("openat")?;
        rt::sys::file::close(fd as i32).context("close")?;
        let mut stat = Stat::default();
        syscall!(NEWFSTATAT, AT_FDCWD, path, &raw mut stat, 0).context("newfstatat")?;
    }
    let (_edge, root) = string_at_edge(c"/")?;
    // SAFETY: the kernel reads the path.
    unsafe { syscall!(CHDIR, root) }.context("chdir")?;
    Ok(())
}

pub fn execve_argument_ending_at_the_edge_works() -> Result<(), Failure> {
    let (_edge, argument) = string_at_edge(c"at the edge")?;
    // SAFETY: `string_at_edge` wrote a NUL-terminated string there, alive until the end.
    let argument = unsafe { CStr::from_ptr(argument as *const core::ffi::c_char) };
    let captured = capture_stdout(|| execve(c"/bin/echo-args", [c"echo-args", argument], []).0)?;
    rt::check_eq!(captured.termination, Termination::Exited(0));
    rt::check_eq!(
        captured.text(),
        "argc 2\nargv[0] echo-args\nargv[1] at the edge\n"
    );
    Ok(())
}

/// "/bin" and its NUL take 5 bytes: 5 before the edge fit, 4 do not.
pub fn getcwd_ending_at_the_edge_works() -> Result<(), Failure> {
    chdir(c"/bin").context("chdir /bin")?;
    let edge = PageEdge::new(Beyond::Unmapped)?;
    // SAFETY: the kernel writes at most the 5 bytes before the edge, which are ours.
    let fits = unsafe { syscall!(GETCWD, edge.before(5), 5) };
    let mut written = [0u8; 5];
    written.copy_from_slice(edge.bytes_from(edge.before(5)));
    // A straddling buffer may get the bytes before the edge (arm64's copy_to_user stores
    // the first four, then faults on the NUL): only the result is checked.
    // SAFETY: as above.
    let straddles = unsafe { syscall!(GETCWD, edge.before(4), 5) };
    chdir(c"/").context("chdir /")?;
    rt::check_eq!(fits, Ok(5));
    rt::check_eq!(&written, b"/bin\0");
    rt::check_eq!(straddles, Err(rt::errno::Errno::EFAULT));
    Ok(())
}

pub fn results_ending_at_the_edge_work() -> Result<(), Failure> {
    let edge = PageEdge::new(Beyond::Unmapped)?;
    let at = |size: usize| edge.before(size);
    let child = spawn(|| 9)?;
    // SAFETY: each result is written into the memory right before the edge, which is ours.
    unsafe {
        syscall!(CLOCK_GETTIME, CLOCK_MONOTONIC, at(size_of::<Timespec>()))
            .context("clock_gettime")?;
        syscall!(
            NEWFSTATAT,
            AT_FDCWD,
            c"/".as_ptr(),
            at(size_of::<Stat>()),
            0
        )
        .context("newfstatat")?;
        syscall!(UNAME, at(size_of::<Utsname>())).context("uname")?;
        syscall!(SYSINFO, at(size_of::<Sysinfo>())).context("sysinfo")?;
        let fds = at(2 * size_of::<i32>());
        syscall!(PIPE2, fds, 0).context("pipe2")?;
        for fd in edge.bytes_from(fds).chunks_exact(4) {
            let fd = i32::from_ne_bytes([fd[0], fd[1], fd[2], fd[3]]);
            rt::sys::file::close(fd).context("close a pipe end")?;
        }
        let status = at(size_of::<i32>());
        rt::check_eq!(syscall!(WAIT4, child, status, 0, 0), Ok(child as usize));
        rt::check_eq!(edge.bytes_from(status), &(9i32 << 8).to_ne_bytes());
    }
    Ok(())
}
