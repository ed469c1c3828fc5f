//! Processes and their threads: creation, exit and wait (lifecycle.rs), faults in user space
//! (user_faults.rs), futexes, signals, and what happens on every return to user space.

pub mod elf;
pub mod user_stack;

#[cfg(target_os = "none")]
pub mod exec;
#[cfg(target_os = "none")]
pub mod futex;
#[cfg(target_os = "none")]
mod lifecycle;
#[cfg(target_os = "none")]
pub mod process;
#[cfg(target_os = "none")]
pub mod scheduler;
#[cfg(target_os = "none")]
pub mod signal;
#[cfg(target_os = "none")]
pub mod thread;
#[cfg(target_os = "none")]
mod user_faults;

#[cfg(target_os = "none")]
pub use current::*;
#[cfg(target_os = "none")]
pub use lifecycle::*;
#[cfg(target_os = "none")]
pub use user_faults::*;

#[cfg(target_os = "none")]
mod current {
    use super::process::Process;
    use super::scheduler;
    use super::signal::delivery::{self, Interrupted};
    use super::thread::Thread;
    use crate::arch::aarch64::trap_frame::TrapFrame;
    use crate::errno::{ENOENT, ENOTDIR, Errno};
    use crate::fs::initramfs;
    use crate::fs::vfs::{self, LookupError, Node};
    use alloc::string::String;
    use alloc::sync::Arc;

    /// The running thread (system calls only run in one).
    pub fn current_thread() -> Arc<Thread> {
        scheduler::current().expect("called on behalf of a thread")
    }

    /// The running thread's process.
    pub fn current() -> Arc<Process> {
        scheduler::current_process().expect("called on behalf of a thread")
    }

    /// Whether a signal has come that should end the running thread's sleep.
    pub fn signal_pending() -> bool {
        scheduler::current().is_some_and(|thread| super::signal::wakes(&thread))
    }

    /// Resolves `path` against the current directory `cwd`: the node and its clean path.
    pub fn resolve(cwd: &str, path: &str) -> Result<(Arc<Node>, String), Errno> {
        vfs::resolve(initramfs::root(), cwd, path).map_err(|error| match error {
            LookupError::NotFound => ENOENT,
            LookupError::NotADirectory => ENOTDIR,
        })
    }

    /// The node at `path`, resolved against the current directory `cwd`.
    pub fn lookup(cwd: &str, path: &str) -> Result<Arc<Node>, Errno> {
        resolve(cwd, path).map(|(node, _)| node)
    }

    /// Before any return to user space with `frame`: give up the CPU if the time slice is
    /// over, then act on pending signals (and settle the system call one `interrupted`).
    pub fn before_return_to_user(frame: &mut TrapFrame, interrupted: Option<Interrupted>) {
        // Preempt first: a signal may arrive while others run.
        scheduler::preempt_if_due();
        if let Some(thread) = scheduler::current() {
            delivery::deliver_pending(&thread, frame, interrupted);
        }
    }
}
