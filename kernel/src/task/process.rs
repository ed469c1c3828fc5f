//! A process: what its threads share (memory, files, directory, signal dispositions, the
//! interval timer) and how it ended, for its parent's wait4.

use super::cpu_time::{CpuClock, CpuTimes};
use super::signal::alarm::{CpuTimer, RealTimer};
use super::signal::{Dispositions, Pending};
use crate::fs::fd_table::{FileTable, MAX_FILES};
use crate::fs::vfs::Node;
use crate::mm::address_space::AddressSpace;
use crate::sync::IrqMutex;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

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

/// The program break: the heap region brk grows and shrinks.
#[derive(Clone, Copy, Debug, Default)]
pub struct Break {
    pub start: usize,
    pub current: usize,
}

/// Threads of a process on their way out: each ends when it next heads for user space (a
/// SIGKILL wakes the sleepers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The whole process, with this status (exit_group, a fatal signal).
    Process(WaitStatus),
    /// Every thread but this one, which is calling execve.
    AllBut(Pid),
}

/// getrlimit's resources, RLIMIT_CPU to RLIMIT_RTTIME.
pub const RESOURCE_LIMITS: usize = 16;
/// RLIM_INFINITY.
pub const UNLIMITED: u64 = u64::MAX;

/// A resource limit: the soft value in force and the hard ceiling it may be raised to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub soft: u64,
    pub hard: u64,
}

const fn limit(soft: u64, hard: u64) -> Limit {
    Limit { soft, hard }
}

/// What the first process starts with (children inherit their parent's): Linux's defaults,
/// except where this kernel has a fixed ceiling of its own.
pub const DEFAULT_LIMITS: [Limit; RESOURCE_LIMITS] = {
    let mut limits = [limit(UNLIMITED, UNLIMITED); RESOURCE_LIMITS];
    // RLIMIT_STACK: the stack execve maps.
    limits[3] = limit(super::exec::STACK_SIZE as u64, UNLIMITED);
    // RLIMIT_CORE: no core dumps.
    limits[4] = limit(0, UNLIMITED);
    // RLIMIT_NPROC and RLIMIT_NOFILE: the thread cap and the descriptor table's size.
    limits[6] = limit(super::MAX_THREADS as u64, super::MAX_THREADS as u64);
    limits[7] = limit(MAX_FILES as u64, MAX_FILES as u64);
    // RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO: Linux's defaults.
    limits[8] = limit(8 << 20, 8 << 20);
    limits[12] = limit(819_200, 819_200);
    limits[13] = limit(0, 0);
    limits[14] = limit(0, 0);
    limits
};

pub struct ProcessState {
    pub parent: Pid,
    /// Process group and session (setpgid, setsid; kill of a group).
    pub group: Pid,
    pub session: Pid,
    /// The file-creation mask.
    pub umask: u32,
    /// Resource limits as getrlimit and prlimit64 report and set them.
    pub limits: [Limit; RESOURCE_LIMITS],
    pub address_space: Option<Arc<AddressSpace>>,
    pub files: FileTable,
    /// The current directory (which may since have been removed).
    pub cwd: Arc<Node>,
    /// The program running, as execve found it (/proc/<pid>/exe).
    pub executable: String,
    /// Its arguments, each ended by a NUL (/proc/<pid>/cmdline).
    pub command_line: Vec<u8>,
    pub program_break: Break,
    pub dispositions: Dispositions,
    /// Signals sent to the process as a whole (kill), for whichever thread takes them first.
    pub pending: Pending,
    /// setitimer's ITIMER_REAL.
    pub real_timer: RealTimer,
    /// setitimer's ITIMER_VIRTUAL and ITIMER_PROF.
    pub cpu_timers: [CpuTimer; 2],
    /// Threads that have not exited yet.
    pub live_threads: usize,
    /// Set while threads are being ended (see [`Ending`]).
    pub ending: Option<Ending>,
    /// Set when the last thread has exited: the status wait4 reports.
    pub zombie: Option<WaitStatus>,
    /// Stopped by SIGSTOP or a terminal stop, until SIGCONT or SIGKILL.
    pub stopped: bool,
    /// A stop or continue the parent's wait4 has not reported yet (WUNTRACED, WCONTINUED).
    pub stop_report: Option<StopReport>,
    /// The CPU time of the children wait4 has reaped, and of their reaped children.
    pub children_times: CpuTimes,
}

/// What job control changed in a child, for its parent's wait4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReport {
    Stopped(u8),
    Continued,
}

impl StopReport {
    /// The `wstatus` word: 0x7f with the signal in bits 8-15, or 0xffff.
    pub fn encode(self) -> i32 {
        match self {
            Self::Stopped(signal) => (i32::from(signal) << 8) | 0x7f,
            Self::Continued => 0xffff,
        }
    }
}

pub struct Process {
    /// The process id, which is also the thread id of its first thread (the leader).
    pub pid: Pid,
    pub state: IrqMutex<ProcessState>,
    /// The CPU time all its threads have used, exited ones included.
    pub cpu_clock: CpuClock,
}

impl Process {
    pub fn new(pid: Pid, state: ProcessState) -> Arc<Self> {
        Arc::new(Self {
            pid,
            state: IrqMutex::new(state),
            cpu_clock: CpuClock::default(),
        })
    }
}

/// The arguments as /proc/<pid>/cmdline shows them: each followed by a NUL.
pub fn command_line(argv: &[Vec<u8>]) -> Vec<u8> {
    argv.iter()
        .flat_map(|argument| argument.iter().copied().chain([0]))
        .collect()
}
