//! Starting a program in a child process, as init and the shell do: fork, then execve in
//! the child.

use core::ffi::CStr;

use crate::errno::Errno;
use crate::sys::process::{Fork, Pid, execve, exit_group, fork};

/// The status of a child whose execve failed, as POSIX shells use it.
pub const EXEC_FAILED: i32 = 127;

/// Forks a child that runs `program`. If execve fails, the child prints
/// `<who>: <program>: <errno>` and exits with [`EXEC_FAILED`].
pub fn spawn<'a, 'b>(
    who: &str,
    program: &CStr,
    argv: impl IntoIterator<Item = &'a CStr>,
    envp: impl IntoIterator<Item = &'b CStr>,
) -> Result<Pid, Errno> {
    match fork()? {
        Fork::Parent(pid) => Ok(pid),
        Fork::Child => {
            let errno = execve(program, argv, envp);
            crate::eprintln!("{who}: {}: {errno}", program.to_bytes().escape_ascii());
            exit_group(EXEC_FAILED)
        }
    }
}
