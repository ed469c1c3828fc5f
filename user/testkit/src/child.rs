//! Running part of a test in a forked child: to watch it die, to capture what a program it
//! executes prints, or to see whether an execve is refused without risking the test itself.

use core::ffi::CStr;

use rt::errno::Errno;
use rt::fd::STDOUT;
use rt::sys::file::{O_WRONLY, close, dup3, open, pipe2, read};
use rt::sys::process::{Fork, Pid, exit_group, fork, wait};
use rt::test::{Context, Failure};
use rt::wait::Termination;

/// Forks a child that runs `body` and exits with its result; returns the child's pid.
pub fn spawn(body: impl FnOnce() -> i32) -> Result<Pid, Failure> {
    match fork().context("fork")? {
        Fork::Child => exit_group(body()),
        Fork::Parent(pid) => Ok(pid),
    }
}

/// Runs `body` in a child and returns how the child ended.
pub fn in_child(body: impl FnOnce() -> i32) -> Result<Termination, Failure> {
    let pid = spawn(body)?;
    let (reaped, termination) = wait(pid).context("wait4")?;
    if reaped != pid {
        return Err(Failure::new(format_args!("wait4({pid}) reaped {reaped}")));
    }
    Ok(termination)
}

/// What a child wrote to its standard output, up to a fixed size, and how it ended.
pub struct Captured {
    bytes: [u8; 1024],
    len: usize,
    pub termination: Termination,
}

impl Captured {
    pub fn text(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("<not UTF-8>")
    }
}

/// Runs `body` in a child whose standard output is a pipe, and collects what comes through.
pub fn capture_stdout(body: impl FnOnce() -> i32) -> Result<Captured, Failure> {
    let (reader, writer) = pipe2(0).context("pipe2")?;
    let (read_end, write_end) = (reader.raw(), writer.raw());
    // The child has its own copies of both ends: it closes them, the parent drops its own.
    let pid = spawn(|| match dup3(write_end, STDOUT, 0) {
        Ok(_) => {
            let _ = close(read_end);
            let _ = close(write_end);
            body()
        }
        Err(errno) => errno.0,
    })?;
    drop(writer);
    let mut captured = Captured {
        bytes: [0; 1024],
        len: 0,
        termination: Termination::Exited(0),
    };
    loop {
        let room = &mut captured.bytes[captured.len..];
        match read(reader.raw(), room).context("read from the child's stdout")? {
            0 => break,
            filled => captured.len += filled,
        }
        if captured.len == captured.bytes.len() {
            return Err("the child printed more than 1024 bytes".into());
        }
    }
    captured.termination = wait(pid).context("wait4")?.1;
    Ok(captured)
}

/// How an execve attempted in a child turned out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ExecOutcome {
    /// execve returned this error.
    Refused(Errno),
    /// The program ran and ended so.
    Ran(Termination),
}

/// Exit statuses just above this carry a refused execve's errno: Linux's errnos go up to
/// 133, so the statuses are 121-253, clear of a panic's 101 and a shell's 126, 127 or 255.
const REFUSED_BASE: i32 = 120;
const LARGEST_ERRNO: i32 = 133;

/// Runs `attempt` (which calls execve) in a child whose standard output is /dev/null, so a
/// program that does run cannot disturb the test's own output. If execve returns, the child
/// reports the errno through its exit status; if it succeeds, the program's ending is reported.
pub fn exec_in_child(attempt: impl FnOnce() -> Errno) -> Result<ExecOutcome, Failure> {
    let termination = in_child(|| {
        let silenced = open(c"/dev/null", O_WRONLY).and_then(|null| dup3(null.raw(), STDOUT, 0));
        match silenced {
            Ok(_) => REFUSED_BASE + attempt().0,
            Err(errno) => errno.0,
        }
    })?;
    Ok(match termination {
        Termination::Exited(status)
            if (REFUSED_BASE + 1..=REFUSED_BASE + LARGEST_ERRNO).contains(&status) =>
        {
            ExecOutcome::Refused(Errno(status - REFUSED_BASE))
        }
        ended => ExecOutcome::Ran(ended),
    })
}

/// [`exec_in_child`] for an ordinary execve of `path`.
pub fn execve_in_child(
    path: &CStr,
    argv: &[&CStr],
    envp: &[&CStr],
) -> Result<ExecOutcome, Failure> {
    exec_in_child(|| rt::sys::process::execve(path, argv.iter().copied(), envp.iter().copied()))
}

/// [`exec_in_child`] for an execve with raw addresses, which may be bad on purpose.
pub fn raw_execve_in_child(path: usize, argv: usize, envp: usize) -> Result<ExecOutcome, Failure> {
    exec_in_child(|| {
        // SAFETY: execve only reads; if it succeeds this child is replaced.
        match unsafe { rt::syscall!(EXECVE, path, argv, envp) } {
            Err(errno) => errno,
            Ok(_) => unreachable!("execve returned without an error"),
        }
    })
}
