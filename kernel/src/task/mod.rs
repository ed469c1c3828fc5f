//! Processes and their threads: creation, exit and wait (lifecycle.rs), faults in user space
//! (user_faults.rs), futexes, signals, and what happens on every return to user space.

pub mod elf;
pub mod script;
pub mod user_stack;

#[cfg(target_os = "none")]
pub mod cpu_time;
#[cfg(target_os = "none")]
pub mod exec;
#[cfg(target_os = "none")]
pub mod futex;
#[cfg(target_os = "none")]
mod lifecycle;
#[cfg(target_os = "none")]
pub mod load_average;
#[cfg(target_os = "none")]
pub mod process;
#[cfg(target_os = "none")]
pub mod scheduler;
#[cfg(target_os = "none")]
pub mod signal;
#[cfg(target_os = "none")]
pub mod sleep_lock;
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
    use crate::errno::Errno;
    use crate::fs::initramfs;
    use crate::fs::vfs::{self, Node, Parent};
    use alloc::sync::Arc;

    /// The running thread (system calls only run in one).
    pub fn current_thread() -> Arc<Thread> {
        scheduler::current().expect("called on behalf of a thread")
    }

    /// The running thread's process.
    pub fn current() -> Arc<Process> {
        scheduler::current_process().expect("called on behalf of a thread")
    }

    /// Runs `f` on the running thread, without taking a reference to it.
    pub fn with_current_thread<R>(f: impl FnOnce(&Thread) -> R) -> R {
        scheduler::with_current(|thread| f(thread)).expect("called on behalf of a thread")
    }

    /// Whether a signal has come that should end the running thread's sleep.
    pub fn signal_pending() -> bool {
        scheduler::current().is_some_and(|thread| super::signal::wakes(&thread))
    }

    /// Walks `path` from the directory `start` (or the root), a symbolic link at the end
    /// followed only if `follow_last`.
    pub fn resolve(start: &Arc<Node>, path: &str, follow_last: bool) -> Result<Arc<Node>, Errno> {
        vfs::resolve(initramfs::root(), start, path, follow_last)
    }

    /// The directory that holds (or is to hold) `path`'s last component, and that name.
    pub fn resolve_parent(start: &Arc<Node>, path: &str) -> Result<Parent, Errno> {
        vfs::resolve_parent(initramfs::root(), start, path)
    }

    /// The node at `path` walked from `start`, links followed.
    pub fn lookup(start: &Arc<Node>, path: &str) -> Result<Arc<Node>, Errno> {
        resolve(start, path, true)
    }

    /// Before any return to user space with `frame`: give up the CPU if the time slice is
    /// over, then act on pending signals (and settle the system call one `interrupted`).
    pub fn before_return_to_user(frame: &mut TrapFrame, interrupted: Option<Interrupted>) {
        // Preempt first: a signal may arrive while others run.
        scheduler::preempt_if_due();
        let departure =
            scheduler::with_current(|thread| delivery::deliver_pending(thread, frame, interrupted))
                .flatten();
        // No reference to the thread is held: exiting never returns to drop one.
        if let Some(departure) = departure {
            departure.carry_out();
        }
    }
}
