//! A process: its kernel stack and saved context, and the state the system calls change.

use crate::arch::aarch64::context::{self, Context};
use crate::arch::aarch64::trap_frame::TrapFrame;
use crate::errno::Errno;
use crate::fs::fd_table::FileTable;
use crate::mm::address_space::AddressSpace;
use crate::mm::kernel_stack::KernelStack;
use crate::sync::IrqMutex;
use crate::task::signal::Signals;
use crate::task::signal::alarm::RealTimer;
use alloc::string::String;
use alloc::sync::Arc;
use core::cell::UnsafeCell;

pub type Pid = u32;

/// The first process; orphans are handed to it.
pub const INIT_PID: Pid = 1;

/// How a process ended, as wait4 reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    Exited(u8),
    Signaled(u8),
}

impl WaitStatus {
    /// The `wstatus` word: exit code in bits 8-15, or the signal in bits 0-6.
    pub fn encode(self) -> i32 {
        match self {
            Self::Exited(code) => i32::from(code) << 8,
            Self::Signaled(signal) => i32::from(signal & 0x7f),
        }
    }
}

/// What a sleeping process waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// A child of this process exited.
    ChildOf(Pid),
    /// Data or space in the pipe at this address.
    Pipe(usize),
    /// Console input.
    Console,
    /// A timer tick (sleeps with a deadline).
    Tick,
    /// The vfork child with this pid called execve or exited.
    Vfork(Pid),
    /// Only a signal ends the sleep (rt_sigsuspend, rt_sigtimedwait without a timeout).
    Signal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    Runnable,
    Sleeping(Channel),
    Zombie(WaitStatus),
}

/// The program break: the heap region brk grows and shrinks.
#[derive(Clone, Copy, Debug, Default)]
pub struct Break {
    pub start: usize,
    pub current: usize,
}

pub struct State {
    pub parent: Pid,
    pub run: RunState,
    pub address_space: Option<Arc<AddressSpace>>,
    pub files: FileTable,
    pub cwd: String,
    pub program_break: Break,
    pub signals: Signals,
    /// setitimer's ITIMER_REAL.
    pub real_timer: RealTimer,
    /// Where the process writes its pid when it first runs (clone's CLONE_CHILD_SETTID).
    pub set_child_tid: usize,
    /// set_tid_address and CLONE_CHILD_CLEARTID; with one thread a process, nothing reads it.
    pub clear_child_tid: usize,
    /// The parent suspended in vfork until this process calls execve or exits.
    pub vfork_parent: Option<Pid>,
}

pub struct Process {
    pub pid: Pid,
    context: UnsafeCell<Context>,
    /// Held for as long as the process exists; freed when it is reaped.
    _kernel_stack: KernelStack,
    pub state: IrqMutex<State>,
}

// SAFETY: `context` is touched only by the scheduler, with IRQs masked, on one CPU.
unsafe impl Sync for Process {}
// SAFETY: as above.
unsafe impl Send for Process {}

impl Process {
    /// A process that starts in user space with the registers in `frame`.
    pub fn new(pid: Pid, state: State, frame: &TrapFrame) -> Result<Arc<Self>, Errno> {
        let kernel_stack = KernelStack::new()?;
        let frame_address = kernel_stack.top() - size_of::<TrapFrame>();
        // SAFETY: the top of the fresh stack is mapped, aligned and unused.
        unsafe { (frame_address as *mut TrapFrame).write(frame.clone()) };
        Ok(Arc::new(Self {
            pid,
            context: UnsafeCell::new(Context::new(context::process_start(), frame_address)),
            _kernel_stack: kernel_stack,
            state: IrqMutex::new(state),
        }))
    }

    /// The saved context, for the scheduler.
    pub fn context(&self) -> *mut Context {
        self.context.get()
    }
}
