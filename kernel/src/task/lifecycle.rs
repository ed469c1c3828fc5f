//! The life of processes and threads: the first process, clone (fork, vfork and threads),
//! execve, exit and exit_group, and wait4.

use super::cpu_time::CpuTimes;
use super::exec::{self as image, Image};
use super::process::{
    self, Break, DEFAULT_LIMITS, Ending, INIT_PID, Pid, Process, ProcessState, StopReport,
    WaitStatus,
};
use super::signal::{self, Dispositions, SIGCHLD, SIGKILL, SignalInfo, ThreadSignals, code};
use super::thread::{Channel, RunState, Thread, ThreadName, ThreadState};
use super::{current, current_thread, futex, lookup, scheduler, signal_pending};
use crate::arch::aarch64::context;
use crate::arch::aarch64::trap_frame::TrapFrame;
use crate::errno::{EAGAIN, ECHILD, ERESTARTSYS, Errno};
use crate::fs::fd_table::FileTable;
use crate::fs::file::{FileKind, OpenFile};
use crate::fs::vfs::Node;
use crate::fs::{initramfs, tty};
use crate::mm::address_space;
use crate::sync::InterruptsMasked;
use crate::uaccess::{UserPtr, put_user};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

/// Most threads alive (and processes not yet reaped) at once: a fork bomb stops here.
pub const MAX_THREADS: usize = 128;

static NEXT_ID: AtomicU32 = AtomicU32::new(INIT_PID);

/// A fresh id: pids and tids are drawn from one sequence, as on Linux.
fn next_id() -> Pid {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// The last process or thread id handed out (/proc/loadavg).
pub fn last_id() -> Pid {
    NEXT_ID.load(Ordering::Relaxed) - 1
}

/// The registers a new program starts with.
fn initial_frame(image: &Image) -> TrapFrame {
    TrapFrame {
        elr: image.entry as u64,
        sp_el0: image.stack_pointer as u64,
        // EL0t with all interrupts unmasked.
        spsr: 0,
        ..TrapFrame::default()
    }
}

fn program_break(image: &Image) -> Break {
    Break {
        start: image.program_break,
        current: image.program_break,
    }
}

/// Starts the first process: `path` with `argv`, its standard streams on the console.
pub fn start_init(path: &str, argv: &[Vec<u8>]) -> Result<(), Errno> {
    let node = lookup(initramfs::root(), path)?;
    let mut random = [0u8; 16];
    crate::random::fill(&mut random);
    let image = image::load(&node, argv, &[b"PATH=/bin".to_vec()], random)?;
    let console = OpenFile::new(
        FileKind::Node(lookup(initramfs::root(), "/dev/console")?),
        true,
        true,
    );
    let mut files = FileTable::default();
    for _ in 0..3 {
        files
            .add(console.clone(), false)
            .map_err(|(error, _)| error)?;
    }
    let pid = next_id();
    let process = Process::new(
        pid,
        ProcessState {
            parent: 0,
            group: pid,
            session: pid,
            umask: 0o022,
            limits: DEFAULT_LIMITS,
            address_space: Some(image.space.clone()),
            files,
            cwd: initramfs::root().clone(),
            executable: String::from(path),
            command_line: process::command_line(argv),
            program_break: program_break(&image),
            dispositions: Dispositions::default(),
            pending: Default::default(),
            real_timer: Default::default(),
            cpu_timers: Default::default(),
            live_threads: 1,
            ending: None,
            zombie: None,
            stopped: false,
            stop_report: None,
            children_times: CpuTimes::default(),
        },
    );
    let state = ThreadState::new(ThreadSignals::default(), ThreadName::of_program(path));
    scheduler::spawn(Thread::new(pid, process, state, &initial_frame(&image))?);
    // The console is the first process's terminal, its group the foreground one.
    tty::attach(pid);
    Ok(())
}

/// What clone is asked for beyond a copy of the running process (see syscall/process.rs).
pub struct CloneRequest {
    /// A new thread of the running process rather than a new process.
    pub thread: bool,
    /// vfork: the child runs in the parent's address space until it calls execve or exits.
    pub share_address_space: bool,
    /// The child's stack pointer, if not the parent's.
    pub stack: Option<usize>,
    /// The child's thread pointer (TPIDR_EL0), if not the parent's.
    pub thread_pointer: Option<u64>,
    /// Where the child writes its tid, in its own memory, before it first runs.
    pub set_child_tid: Option<usize>,
    /// Where the child's tid is cleared when it exits.
    pub clear_child_tid: Option<usize>,
}

/// A copy of `parent` for fork and vfork, with the new thread's id `pid` as its pid.
fn copy_process(
    parent: &Process,
    pid: Pid,
    share_address_space: bool,
) -> Result<Arc<Process>, Errno> {
    let state = parent.state.lock();
    let address_space = match (&state.address_space, share_address_space) {
        (Some(space), true) => Some(space.clone()),
        (Some(space), false) => Some(space.fork()?),
        (None, _) => None,
    };
    Ok(Process::new(
        pid,
        ProcessState {
            parent: parent.pid,
            group: state.group,
            session: state.session,
            umask: state.umask,
            limits: state.limits,
            address_space,
            files: state.files.clone(),
            cwd: state.cwd.clone(),
            executable: state.executable.clone(),
            command_line: state.command_line.clone(),
            program_break: state.program_break,
            dispositions: state.dispositions.clone(),
            pending: Default::default(),
            real_timer: Default::default(),
            cpu_timers: Default::default(),
            live_threads: 1,
            ending: None,
            zombie: None,
            stopped: false,
            stop_report: None,
            children_times: CpuTimes::default(),
        },
    ))
}

/// fork, vfork and new threads: a thread running on from the caller's `frame`, returning 0
/// in the child. Returns the new thread's tid (for a new process, its pid).
pub fn clone(frame: &TrapFrame, request: &CloneRequest) -> Result<Pid, Errno> {
    if scheduler::count() >= MAX_THREADS {
        return Err(EAGAIN);
    }
    let parent = current_thread();
    let tid = next_id();
    let (process, signals) = if request.thread {
        parent.process.state.lock().live_threads += 1;
        let signals = parent.state.lock().signals.for_new_thread();
        (parent.process.clone(), signals)
    } else {
        let process = copy_process(&parent.process, tid, request.share_address_space)?;
        (process, parent.state.lock().signals.for_child())
    };
    let mut state = ThreadState::new(signals, parent.state.lock().name);
    state.set_child_tid = request.set_child_tid.unwrap_or(0);
    state.clear_child_tid = request.clear_child_tid.unwrap_or(0);
    state.vfork_parent = request.share_address_space.then_some(parent.tid);
    let mut child_frame = frame.clone();
    child_frame.x[0] = 0;
    if let Some(stack) = request.stack {
        child_frame.sp_el0 = stack as u64;
    }
    let child = match Thread::new(tid, process.clone(), state, &child_frame) {
        Ok(child) => child,
        Err(error) => {
            if request.thread {
                process.state.lock().live_threads -= 1;
            }
            return Err(error);
        }
    };
    // SAFETY: the child has not run; its context is ours to fill.
    unsafe {
        let context = &mut *child.context();
        context.capture_user_state();
        if let Some(pointer) = request.thread_pointer {
            context.set_thread_pointer(pointer);
        }
    }
    scheduler::spawn(child);
    Ok(tid)
}

/// vfork's parent: sleeps until the child thread `tid` has called execve or exited, so that
/// the two never run at once in the one address space.
pub fn wait_for_vfork_release(tid: Pid) {
    loop {
        let _masked = InterruptsMasked::new();
        // Both execve and exit release the parent, exit before the child is gone.
        let borrowed = scheduler::find_thread(tid)
            .is_some_and(|child| child.state.lock().vfork_parent.is_some());
        if !borrowed {
            return;
        }
        scheduler::sleep(Channel::Vfork(tid));
    }
}

/// Lets a vfork parent waiting for `thread` go on.
fn release_vfork_parent(thread: &Thread) {
    if thread.state.lock().vfork_parent.take().is_some() {
        scheduler::wake(Channel::Vfork(thread.tid));
    }
}

/// Sends SIGKILL to every thread of `thread`'s process but `thread`: each wakes from any
/// sleep and, finding its process ending, exits on its way to user space.
fn kill_other_threads(thread: &Thread) {
    for other in scheduler::threads_of(&thread.process) {
        if other.tid != thread.tid {
            signal::send_to_thread(&other, SIGKILL, SignalInfo::from_kernel());
        }
    }
}

/// Ends every other thread of the running thread's process and waits until they are gone,
/// as execve must. Fails if the process is ending anyway, or a signal came first.
fn end_other_threads(thread: &Thread) -> Result<(), Errno> {
    let process = &thread.process;
    {
        let mut state = process.state.lock();
        if state.live_threads == 1 {
            return Ok(());
        }
        if state.ending.is_some() {
            return Err(ERESTARTSYS);
        }
        state.ending = Some(Ending::AllBut(thread.tid));
    }
    kill_other_threads(thread);
    loop {
        let _masked = InterruptsMasked::new();
        let mut state = process.state.lock();
        if state.ending != Some(Ending::AllBut(thread.tid)) {
            // Another thread ended the whole process meanwhile: this one goes too.
            return Err(ERESTARTSYS);
        }
        if state.live_threads == 1 {
            state.ending = None;
            return Ok(());
        }
        drop(state);
        scheduler::sleep(Channel::ThreadExit(process.pid));
    }
}

/// execve: replaces the running program with `node`, found at `path`.
pub fn exec(
    path: &str,
    node: &Node,
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    frame: &mut TrapFrame,
) -> Result<(), Errno> {
    let mut random = [0u8; 16];
    crate::random::fill(&mut random);
    let image = image::load(node, argv, envp, random)?;
    let thread = current_thread();
    end_other_threads(&thread)?;
    let process = &thread.process;
    let (old, closed) = {
        let mut state = process.state.lock();
        state.program_break = program_break(&image);
        state.dispositions.reset_for_exec();
        state.executable = String::from(path);
        state.command_line = process::command_line(argv);
        (
            state.address_space.replace(image.space.clone()),
            state.files.close_on_exec(),
        )
    };
    {
        let mut state = thread.state.lock();
        state.signals.alternate_stack = None;
        state.clear_child_tid = 0;
        state.robust_list = (0, 0);
        state.name = ThreadName::of_program(path);
    }
    address_space::switch_to(Some(image.space.clone()));
    drop((old, closed));
    release_vfork_parent(&thread);
    *frame = initial_frame(&image);
    context::clear_user_state();
    Ok(())
}

/// exit_group and fatal signals: ends the running thread's whole process with `status` (or
/// with the status it is already ending with).
pub fn exit_group(status: WaitStatus) -> ! {
    let thread = current_thread();
    let status = {
        let mut state = thread.process.state.lock();
        match state.ending {
            Some(Ending::Process(status)) => status,
            _ => {
                state.ending = Some(Ending::Process(status));
                status
            }
        }
    };
    kill_other_threads(&thread);
    drop(thread);
    exit_thread(status)
}

/// exit: ends the running thread. The last thread to go ends the process with `status`, or
/// with the status the process is ending with.
pub fn exit_thread(status: WaitStatus) -> ! {
    let thread = current_thread();
    let process = thread.process.clone();
    let clear_child_tid = core::mem::take(&mut thread.state.lock().clear_child_tid);
    if clear_child_tid != 0 {
        // As Linux's mm_release: how pthread_join learns of the exit. A fault is ignored.
        if put_user(UserPtr::<u32>::new(clear_child_tid), 0).is_ok() {
            futex::wake_address(&process, clear_child_tid, 1);
        }
    }
    release_vfork_parent(&thread);
    let (last, ending) = {
        let mut state = process.state.lock();
        state.live_threads -= 1;
        (state.live_threads == 0, state.ending)
    };
    thread.state.lock().run = RunState::Dead;
    if last {
        let status = match ending {
            Some(Ending::Process(status)) => status,
            _ => status,
        };
        end_process(&process, status);
    } else {
        scheduler::wake(Channel::ThreadExit(process.pid));
    }
    drop((thread, process));
    scheduler::schedule();
    unreachable!("an exited thread was scheduled")
}

/// The last thread of `process` has exited: its memory and files go, its children go to
/// init, and it waits as a zombie for its parent's wait4.
fn end_process(process: &Process, status: WaitStatus) {
    let (space, files, parent) = {
        let mut state = process.state.lock();
        state.real_timer = Default::default();
        state.cpu_timers = Default::default();
        (
            state.address_space.take(),
            core::mem::take(&mut state.files),
            state.parent,
        )
    };
    address_space::switch_to(None);
    drop(space);
    drop(files);
    for orphan in scheduler::processes() {
        let mut state = orphan.state.lock();
        if state.parent == process.pid {
            state.parent = INIT_PID;
        }
    }
    scheduler::wake(Channel::ChildOf(INIT_PID));
    if process.pid == INIT_PID {
        let code = match status {
            WaitStatus::Exited(code) => code,
            WaitStatus::Signaled(signal) => 128 + signal,
        };
        crate::println!("kernel: init exited ({status:?})");
        crate::power::power_off(code);
    }
    process.state.lock().zombie = Some(status);
    if let Some(parent) = scheduler::find(parent) {
        signal::send(&parent, SIGCHLD, child_info(process.pid, status));
    }
    scheduler::wake(Channel::ChildOf(parent));
}

/// SIGCHLD's siginfo for a child that ended with `status`.
fn child_info(pid: Pid, status: WaitStatus) -> SignalInfo {
    let (code, status) = match status {
        WaitStatus::Exited(exit_code) => (code::CLD_EXITED, i32::from(exit_code)),
        WaitStatus::Signaled(signal) => (code::CLD_KILLED, i32::from(signal)),
    };
    SignalInfo {
        status,
        ..SignalInfo::from_process(code, pid)
    }
}

/// What wait4 waits for besides children that ended.
#[derive(Clone, Copy)]
pub struct WaitFor {
    /// WNOHANG: answer at once.
    pub no_hang: bool,
    /// WUNTRACED: children that stopped.
    pub stopped: bool,
    /// WCONTINUED: stopped children that continued.
    pub continued: bool,
}

/// What wait4 learned about a child.
pub struct Waited {
    pub pid: Pid,
    /// The `wstatus` word.
    pub status: i32,
    /// The child's CPU time, its reaped children's included.
    pub usage: CpuTimes,
}

/// wait4: a child chosen by `wanted` (a pid; -1: any; 0: any in the caller's process group;
/// below -1: any in that group) that ended, stopped or continued as `what` asks; `None` with
/// WNOHANG. A child that ended is reaped and its CPU time added to the caller's children's.
pub fn wait(wanted: i64, what: WaitFor) -> Result<Option<Waited>, Errno> {
    let me = current();
    loop {
        let _masked = InterruptsMasked::new();
        let my_group = i64::from(me.state.lock().group);
        let children: Vec<_> = scheduler::processes()
            .into_iter()
            .filter(|child| {
                let state = child.state.lock();
                state.parent == me.pid
                    && match wanted {
                        -1 => true,
                        0 => i64::from(state.group) == my_group,
                        group if group < -1 => i64::from(state.group) == -group,
                        pid => i64::from(child.pid) == pid,
                    }
            })
            .collect();
        if children.is_empty() {
            return Err(ECHILD);
        }
        let usage = |child: &Process| child.cpu_clock.read() + child.state.lock().children_times;
        let ended = children.iter().find_map(|child| {
            let status = child.state.lock().zombie?;
            Some(Waited {
                pid: child.pid,
                status: status.encode(),
                usage: usage(child),
            })
        });
        if let Some(ended) = ended {
            scheduler::reap(ended.pid);
            me.state.lock().children_times += ended.usage;
            return Ok(Some(ended));
        }
        let changed = children.iter().find_map(|child| {
            let mut state = child.state.lock();
            let report = match state.stop_report? {
                report @ StopReport::Stopped(_) if what.stopped => report,
                report @ StopReport::Continued if what.continued => report,
                _ => return None,
            };
            state.stop_report = None;
            drop(state);
            Some(Waited {
                pid: child.pid,
                status: report.encode(),
                usage: usage(child),
            })
        });
        if changed.is_some() {
            return Ok(changed);
        }
        if what.no_hang {
            return Ok(None);
        }
        if signal_pending() {
            return Err(ERESTARTSYS);
        }
        scheduler::sleep(Channel::ChildOf(me.pid));
    }
}
