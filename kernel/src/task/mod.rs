//! Processes: creation (the first one, fork, execve), exit and wait, faults in user space,
//! and what happens on every return to user space.

pub mod elf;
pub mod user_stack;

#[cfg(target_os = "none")]
pub mod exec;
#[cfg(target_os = "none")]
pub mod process;
#[cfg(target_os = "none")]
pub mod scheduler;
#[cfg(target_os = "none")]
pub mod signal;

#[cfg(target_os = "none")]
pub use lifecycle::*;

#[cfg(target_os = "none")]
mod lifecycle {
    use super::exec::{self as image, Image};
    use super::process::{Break, Channel, INIT_PID, Pid, Process, RunState, State, WaitStatus};
    use super::scheduler;
    use super::signal::delivery::{self, Interrupted};
    use super::signal::{self as signals, SIGBUS, SIGCHLD, SIGILL, SIGSEGV, SignalInfo, code};
    use crate::arch::aarch64::context;
    use crate::arch::aarch64::esr::{self, Abort, FaultKind};
    use crate::arch::aarch64::trap_frame::TrapFrame;
    use crate::errno::{EAGAIN, ECHILD, ENOENT, ENOTDIR, ERESTARTSYS, Errno};
    use crate::fs::fd_table::FileTable;
    use crate::fs::file::{FileKind, OpenFile};
    use crate::fs::initramfs;
    use crate::fs::vfs::{self, LookupError, Node};
    use crate::mm::USER_TOP;
    use crate::mm::address_space::{self, Access, FaultError};
    use crate::sync::InterruptsMasked;
    use alloc::string::String;
    use alloc::sync::Arc;
    use alloc::vec::Vec;
    use core::sync::atomic::{AtomicU32, Ordering};

    /// Most processes alive (zombies included) at once: a fork bomb stops here.
    pub const MAX_PROCESSES: usize = 128;

    static NEXT_PID: AtomicU32 = AtomicU32::new(INIT_PID);

    fn next_pid() -> Pid {
        NEXT_PID.fetch_add(1, Ordering::Relaxed)
    }

    /// The running process (system calls only run in one).
    pub fn current() -> Arc<Process> {
        scheduler::current().expect("called on behalf of a process")
    }

    /// Whether a signal has come that should end the running process's sleep.
    pub fn signal_pending() -> bool {
        scheduler::current().is_some_and(|p| p.state.lock().signals.wakes())
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

    /// Starts the first process: `path` with `argv`, its standard streams on the console.
    pub fn start_init(path: &str, argv: &[Vec<u8>]) -> Result<(), Errno> {
        let node = lookup("/", path)?;
        let mut random = [0u8; 16];
        crate::random::fill(&mut random);
        let image = image::load(&node, argv, &[b"PATH=/bin".to_vec()], random)?;
        let console = OpenFile::new(FileKind::Node(lookup("/", "/dev/console")?), true, true);
        let mut files = FileTable::default();
        for _ in 0..3 {
            files
                .add(console.clone(), false)
                .map_err(|(error, _)| error)?;
        }
        let state = State {
            parent: 0,
            run: RunState::Runnable,
            address_space: Some(image.space.clone()),
            files,
            cwd: String::from("/"),
            program_break: Break {
                start: image.program_break,
                current: image.program_break,
            },
            signals: signals::Signals::default(),
            real_timer: Default::default(),
            set_child_tid: 0,
            clear_child_tid: 0,
            vfork_parent: None,
        };
        scheduler::spawn(Process::new(next_pid(), state, &initial_frame(&image))?);
        Ok(())
    }

    /// What clone is asked for beyond a copy of the running process (see syscall/process.rs).
    pub struct CloneRequest {
        /// vfork: the child runs in the parent's address space until it calls execve or exits.
        pub share_address_space: bool,
        /// The child's stack pointer, if not the parent's.
        pub stack: Option<usize>,
        /// Where the child writes its pid, in its own memory, before it first runs.
        pub set_child_tid: Option<usize>,
        /// Where the child's pid is cleared when it exits.
        pub clear_child_tid: Option<usize>,
    }

    /// fork and vfork: a new process running on from the caller's `frame`, returning 0 in the
    /// child.
    pub fn clone(frame: &TrapFrame, request: &CloneRequest) -> Result<Pid, Errno> {
        if scheduler::count() >= MAX_PROCESSES {
            return Err(EAGAIN);
        }
        let parent = current();
        let state = {
            let state = parent.state.lock();
            let address_space = match (&state.address_space, request.share_address_space) {
                (Some(space), true) => Some(space.clone()),
                (Some(space), false) => Some(space.fork()?),
                (None, _) => None,
            };
            State {
                parent: parent.pid,
                run: RunState::Runnable,
                address_space,
                files: state.files.clone(),
                cwd: state.cwd.clone(),
                program_break: state.program_break,
                signals: state.signals.for_child(),
                real_timer: Default::default(),
                set_child_tid: request.set_child_tid.unwrap_or(0),
                clear_child_tid: request.clear_child_tid.unwrap_or(0),
                vfork_parent: request.share_address_space.then_some(parent.pid),
            }
        };
        let mut child_frame = frame.clone();
        child_frame.x[0] = 0;
        if let Some(stack) = request.stack {
            child_frame.sp_el0 = stack as u64;
        }
        let child = Process::new(next_pid(), state, &child_frame)?;
        // SAFETY: the child has not run; its context is ours to fill.
        unsafe { (*child.context()).capture_user_state() };
        let pid = child.pid;
        scheduler::spawn(child);
        Ok(pid)
    }

    /// vfork's parent: sleeps until the child `pid` has called execve or exited, so that the
    /// two never run at once in the one address space.
    pub fn wait_for_vfork_release(pid: Pid) {
        loop {
            let _masked = InterruptsMasked::new();
            // Both execve and exit release the parent, exit before the child is a zombie.
            let borrowed =
                scheduler::find(pid).is_some_and(|child| child.state.lock().vfork_parent.is_some());
            if !borrowed {
                return;
            }
            scheduler::sleep(Channel::Vfork(pid));
        }
    }

    /// Lets a vfork parent waiting for the running process go on.
    fn release_vfork_parent(process: &Process) {
        if process.state.lock().vfork_parent.take().is_some() {
            scheduler::wake(Channel::Vfork(process.pid));
        }
    }

    /// execve: replaces the running program with `node`.
    pub fn exec(
        node: &Node,
        argv: &[Vec<u8>],
        envp: &[Vec<u8>],
        frame: &mut TrapFrame,
    ) -> Result<(), Errno> {
        let mut random = [0u8; 16];
        crate::random::fill(&mut random);
        let image = image::load(node, argv, envp, random)?;
        let process = current();
        let (old, closed) = {
            let mut state = process.state.lock();
            state.program_break = Break {
                start: image.program_break,
                current: image.program_break,
            };
            state.signals.reset_for_exec();
            (
                state.address_space.replace(image.space.clone()),
                state.files.close_on_exec(),
            )
        };
        address_space::switch_to(Some(image.space.clone()));
        drop((old, closed));
        release_vfork_parent(&process);
        *frame = initial_frame(&image);
        context::clear_user_state();
        Ok(())
    }

    /// Ends the running process with `status`; its parent can collect it with wait4.
    pub fn exit(status: WaitStatus) -> ! {
        let process = current();
        let (space, files, parent) = {
            let mut state = process.state.lock();
            state.real_timer = Default::default();
            (
                state.address_space.take(),
                core::mem::take(&mut state.files),
                state.parent,
            )
        };
        address_space::switch_to(None);
        drop(space);
        drop(files);
        release_vfork_parent(&process);
        for orphan in scheduler::all() {
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
        process.state.lock().run = RunState::Zombie(status);
        if let Some(parent) = scheduler::find(parent) {
            signals::send(&parent, SIGCHLD, child_info(process.pid, status));
        }
        scheduler::wake(Channel::ChildOf(parent));
        drop(process);
        scheduler::schedule();
        unreachable!("a zombie was scheduled")
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

    /// wait4 without rusage: a child that ended (`-1`: any), or `None` with WNOHANG.
    pub fn wait(wanted: i64, no_hang: bool) -> Result<Option<(Pid, WaitStatus)>, Errno> {
        let me = current();
        loop {
            let _masked = InterruptsMasked::new();
            let children: Vec<_> = scheduler::all()
                .into_iter()
                .filter(|p| p.state.lock().parent == me.pid)
                .filter(|p| wanted <= 0 || i64::from(p.pid) == wanted)
                .collect();
            if children.is_empty() {
                return Err(ECHILD);
            }
            let ended = children
                .iter()
                .find_map(|child| match child.state.lock().run {
                    RunState::Zombie(status) => Some((child.pid, status)),
                    _ => None,
                });
            if let Some((pid, status)) = ended {
                scheduler::reap(pid);
                return Ok(Some((pid, status)));
            }
            if no_hang {
                return Ok(None);
            }
            if signal_pending() {
                return Err(ERESTARTSYS);
            }
            scheduler::sleep(Channel::ChildOf(me.pid));
        }
    }

    /// Before any return to user space with `frame`: give up the CPU if the time slice is
    /// over, then act on pending signals (and settle the system call one `interrupted`).
    pub fn before_return_to_user(frame: &mut TrapFrame, interrupted: Option<Interrupted>) {
        // Preempt first: a signal may arrive while others run.
        scheduler::preempt_if_due();
        if let Some(process) = scheduler::current() {
            delivery::deliver_pending(&process, frame, interrupted);
        }
    }

    /// A data or instruction abort from user space: demand paging, copy-on-write, or death.
    pub fn handle_user_abort(frame: &TrapFrame, abort: Abort) {
        let address = frame.far as usize;
        let access = match (abort.instruction_fetch, abort.write) {
            (true, _) => Access::Execute,
            (false, true) => Access::Write,
            (false, false) => Access::Read,
        };
        let result: Result<(), &str> = if address >= USER_TOP {
            Err("kernel address")
        } else {
            let space = current().state.lock().address_space.clone();
            match space.map(|space| space.handle_fault(address, access)) {
                Some(Ok(())) => return,
                Some(Err(FaultError::Unmapped)) | None => Err("unmapped address"),
                Some(Err(FaultError::Denied)) => Err(match access {
                    Access::Write => "write to memory that is not writable",
                    Access::Execute => "execution of memory that is not executable",
                    Access::Read => "read of memory that is not readable",
                }),
                Some(Err(FaultError::OutOfMemory)) => Err("out of memory"),
            }
        };
        let Err(reason) = result else {
            return;
        };
        let (signal, code, what) = match (abort.kind, address_mapped(address)) {
            (FaultKind::Alignment, _) => (SIGBUS, code::BUS_ADRALN, "alignment fault"),
            (_, true) => (SIGSEGV, code::SEGV_ACCERR, "segfault"),
            (_, false) => (SIGSEGV, code::SEGV_MAPERR, "segfault"),
        };
        raise_fault(frame, signal, code, frame.far, what, reason);
    }

    /// Whether anything is mapped at user `address` in the running process.
    fn address_mapped(address: usize) -> bool {
        let space = current().state.lock().address_space.clone();
        space.is_some_and(|space| address < USER_TOP && !space.is_free(&(address..address + 1)))
    }

    /// Any other synchronous exception from user space: SIGBUS or SIGILL.
    pub fn handle_user_exception(frame: &TrapFrame) {
        let class = esr::exception_class(frame.esr);
        let (signal, code, what) = match class {
            esr::class::PC_ALIGNMENT | esr::class::SP_ALIGNMENT => {
                (SIGBUS, code::BUS_ADRALN, "alignment fault")
            }
            _ => (SIGILL, code::ILL_ILLOPC, "illegal instruction"),
        };
        // Where it went wrong: the instruction (SIGILL) or its misaligned address.
        let address = if signal == SIGILL {
            frame.elr
        } else {
            frame.far
        };
        raise_fault(frame, signal, code, address, what, esr::class_name(class))
    }

    /// A fault signal (`code`, at `address`) for what user code just did: its handler runs,
    /// or, with none, the process dies here, saying why on the console.
    pub fn raise_fault(
        frame: &TrapFrame,
        signal: u8,
        code: i32,
        address: u64,
        what: &str,
        reason: &str,
    ) {
        if signals::handled_by_current(signal) {
            let info = SignalInfo {
                address,
                ..SignalInfo::from_process(code, 0)
            };
            signals::raise_on_current(signal, info);
            return;
        }
        crate::println!(
            "{what}: pid={} pc={:#x} addr={address:#x} ({reason})",
            current().pid,
            frame.elr,
        );
        exit(WaitStatus::Signaled(signal))
    }
}
