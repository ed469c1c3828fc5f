//! A thread: what the scheduler runs. Its kernel stack, saved context and run state, its own
//! signal mask and pending signals, and the process it belongs to.

use super::cpu_time::CpuClock;
use super::process::{Pid, Process};
use super::signal::ThreadSignals;
use crate::arch::aarch64::context::{self, Context};
use crate::arch::aarch64::trap_frame::TrapFrame;
use crate::errno::Errno;
use crate::mm::kernel_stack::KernelStack;
use crate::sync::IrqMutex;
use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

/// What a sleeping thread waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// A child of the process with this pid exited.
    ChildOf(Pid),
    /// Data or space in the pipe at this address.
    Pipe(usize),
    /// Console input.
    Console,
    /// A timer tick (sleeps with a deadline).
    Tick,
    /// The vfork child with this tid called execve or exited.
    Vfork(Pid),
    /// A futex wake-up (see futex.rs) or a signal.
    Futex,
    /// Only a signal ends the sleep (rt_sigsuspend, rt_sigtimedwait without a timeout).
    Signal,
    /// Another thread of the process exited (execve waiting for the others to end).
    ThreadExit(Pid),
    /// The stopped process with this pid was continued (SIGCONT) or killed.
    Continued(Pid),
    /// A message or room in the message queue at this address.
    MessageQueue(usize),
    /// The disk finished a transfer, or is free for the next.
    Disk,
    /// The sleep lock at this address was released.
    SleepLock(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    Runnable,
    Sleeping(Channel),
    /// Exited; the scheduler frees it once it has switched away (a process's first thread is
    /// kept until the process is reaped, so its pid stays taken).
    Dead,
}

pub struct ThreadState {
    pub run: RunState,
    pub signals: ThreadSignals,
    /// Where the thread writes its tid when it first runs (clone's CLONE_CHILD_SETTID).
    pub set_child_tid: usize,
    /// Where 0 is written and a futex waiter woken when the thread exits (set_tid_address,
    /// CLONE_CHILD_CLEARTID): how pthread_join learns of the exit.
    pub clear_child_tid: usize,
    /// set_robust_list's head, reported back by get_robust_list.
    pub robust_list: (usize, usize),
    /// The parent suspended in vfork until this thread calls execve or exits.
    pub vfork_parent: Option<Pid>,
    /// The command name (Linux's `comm`): the program's file name, or what prctl's
    /// PR_SET_NAME gave.
    pub name: ThreadName,
}

/// A thread's name: at most 15 bytes, NUL-padded to 16 as prctl's PR_GET_NAME reports it.
#[derive(Clone, Copy, Default)]
pub struct ThreadName(pub [u8; 16]);

impl ThreadName {
    /// The first 15 bytes of `name`, up to a NUL.
    pub fn new(name: &[u8]) -> Self {
        let mut bytes = [0u8; 16];
        let length = name
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(name.len())
            .min(15);
        bytes[..length].copy_from_slice(&name[..length]);
        Self(bytes)
    }

    /// The name a program run from `path` gets: its last component.
    pub fn of_program(path: &str) -> Self {
        Self::new(path.rsplit('/').next().unwrap_or(path).as_bytes())
    }
}

impl ThreadState {
    pub fn new(signals: ThreadSignals, name: ThreadName) -> Self {
        Self {
            name,
            run: RunState::Runnable,
            signals,
            set_child_tid: 0,
            clear_child_tid: 0,
            robust_list: (0, 0),
            vfork_parent: None,
        }
    }
}

pub struct Thread {
    pub tid: Pid,
    pub process: Arc<Process>,
    context: UnsafeCell<Context>,
    /// Held for as long as the thread exists.
    _kernel_stack: KernelStack,
    pub state: IrqMutex<ThreadState>,
    /// Set when a signal may have become deliverable (one was sent, the mask changed), so
    /// that the way back to user space looks at the signal state only then.
    signal_check: AtomicBool,
    /// The CPU time this thread has used (getrusage's RUSAGE_THREAD).
    pub cpu_clock: CpuClock,
}

// SAFETY: `context` is touched only by the scheduler, with IRQs masked, on one CPU.
unsafe impl Sync for Thread {}
// SAFETY: as above.
unsafe impl Send for Thread {}

impl Thread {
    /// A thread of `process` that starts in user space with the registers in `frame`.
    pub fn new(
        tid: Pid,
        process: Arc<Process>,
        state: ThreadState,
        frame: &TrapFrame,
    ) -> Result<Arc<Self>, Errno> {
        let kernel_stack = KernelStack::new()?;
        let frame_address = kernel_stack.top() - size_of::<TrapFrame>();
        // SAFETY: the top of the fresh stack is mapped, aligned and unused.
        unsafe { (frame_address as *mut TrapFrame).write(frame.clone()) };
        Ok(Arc::new(Self {
            tid,
            process,
            context: UnsafeCell::new(Context::new(context::process_start(), frame_address)),
            _kernel_stack: kernel_stack,
            state: IrqMutex::new(state),
            // A new thread may have been sent a signal before it ever runs.
            signal_check: AtomicBool::new(true),
            cpu_clock: CpuClock::default(),
        }))
    }

    /// The saved context, for the scheduler.
    pub fn context(&self) -> *mut Context {
        self.context.get()
    }

    /// Asks for the signal state to be looked at before the thread next enters user space.
    pub fn request_signal_check(&self) {
        self.signal_check.store(true, Ordering::Release);
    }

    /// Whether a signal check was asked for since the last call (which takes the request).
    pub fn take_signal_check(&self) -> bool {
        // Looked at before it is taken: it is rarely set, and a load is cheaper.
        self.signal_check.load(Ordering::Relaxed)
            && self.signal_check.swap(false, Ordering::Acquire)
    }

    /// Whether this is the process's first thread, whose tid is the pid.
    pub fn is_leader(&self) -> bool {
        self.tid == self.process.pid
    }
}
