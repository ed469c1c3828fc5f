//! Signals: the numbers, each one's default action, a process's dispositions and pending set,
//! a thread's mask and pending set, and sending. Delivery (running a handler on a frame pushed
//! on the user stack) is in delivery.rs and frame.rs; the interval timer that raises SIGALRM
//! in alarm.rs.

pub mod alarm;
pub mod alternate_stack;
pub mod delivery;
pub mod frame;
pub mod job_control;

use super::process::{Pid, Process};
use super::scheduler;
use super::thread::Thread;
use alloc::boxed::Box;
use alloc::vec::Vec;
use alternate_stack::AlternateStack;

pub const SIGINT: u8 = 2;
pub const SIGQUIT: u8 = 3;
pub const SIGILL: u8 = 4;
pub const SIGBUS: u8 = 7;
pub const SIGKILL: u8 = 9;
pub const SIGSEGV: u8 = 11;
pub const SIGPIPE: u8 = 13;
pub const SIGALRM: u8 = 14;
pub const SIGCHLD: u8 = 17;
pub const SIGCONT: u8 = 18;
pub const SIGSTOP: u8 = 19;
pub const SIGTSTP: u8 = 20;
pub const SIGTTIN: u8 = 21;
pub const SIGTTOU: u8 = 22;
const SIGURG: u8 = 23;
pub const SIGVTALRM: u8 = 26;
pub const SIGPROF: u8 = 27;
const SIGWINCH: u8 = 28;
/// Signal numbers run from 1 to this.
pub const LAST: u8 = 64;

/// `si_code` values: who sent a signal, or why the kernel did.
pub mod code {
    /// kill.
    pub const USER: i32 = 0;
    /// The kernel itself (the interval timer, a bad signal frame).
    pub const KERNEL: i32 = 0x80;
    /// tkill and tgkill.
    pub const TKILL: i32 = -6;
    /// SIGSEGV: nothing is mapped at the address.
    pub const SEGV_MAPERR: i32 = 1;
    /// SIGSEGV: the mapping does not allow the access.
    pub const SEGV_ACCERR: i32 = 2;
    /// SIGBUS: a misaligned access.
    pub const BUS_ADRALN: i32 = 1;
    /// SIGBUS: a page of a file mapping past the end of the file.
    pub const BUS_ADRERR: i32 = 2;
    /// SIGILL: an undefined instruction.
    pub const ILL_ILLOPC: i32 = 1;
    /// SIGCHLD: the child exited.
    pub const CLD_EXITED: i32 = 1;
    /// SIGCHLD: the child was killed by a signal.
    pub const CLD_KILLED: i32 = 2;
    /// SIGCHLD: the child stopped.
    pub const CLD_STOPPED: i32 = 5;
    /// SIGCHLD: the stopped child continued.
    pub const CLD_CONTINUED: i32 = 6;
}

/// A set of signals as the kernel ABI's `sigset_t` holds it: bit `n - 1` for signal `n`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignalSet(pub u64);

impl SignalSet {
    pub const ALL: Self = Self(u64::MAX);
    /// What no mask can hold: SIGKILL and SIGSTOP always get through.
    const UNBLOCKABLE: Self = Self(bit(SIGKILL) | bit(SIGSTOP));

    pub const fn of(signal: u8) -> Self {
        Self(bit(signal))
    }

    /// As a process may set it (without SIGKILL and SIGSTOP).
    pub const fn blockable(self) -> Self {
        Self(self.0 & !Self::UNBLOCKABLE.0)
    }

    pub const fn contains(self, signal: u8) -> bool {
        self.0 & bit(signal) != 0
    }

    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub const fn without(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }

    /// The lowest-numbered signal in the set (standard signals go first, as on Linux).
    pub fn first(self) -> Option<u8> {
        (self.0 != 0).then(|| self.0.trailing_zeros() as u8 + 1)
    }

    /// The lowest-numbered signal in both this set and `other`.
    pub fn first_of(self, other: Self) -> Option<u8> {
        Self(self.0 & other.0).first()
    }
}

const fn bit(signal: u8) -> u64 {
    1 << (signal - 1)
}

/// What happens when a signal arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// SIG_DFL: the signal's default action.
    Default,
    /// SIG_IGN.
    Ignore,
    /// A handler at this user address.
    Handler(usize),
}

/// `sa_flags` bits this kernel acts on (others are kept and reported back, as on Linux).
/// SA_SIGINFO needs nothing: every handler gets the siginfo and ucontext pointers.
pub mod flags {
    pub const ONSTACK: u64 = 0x0800_0000;
    pub const RESTART: u64 = 0x1000_0000;
    /// Do not block the signal in its own handler.
    pub const NODEFER: u64 = 0x4000_0000;
    /// One-shot: back to SIG_DFL once delivered.
    pub const RESETHAND: u64 = 0x8000_0000;
    /// `restorer` is where the handler returns to.
    pub const RESTORER: u64 = 0x0400_0000;
}

/// One signal's `struct sigaction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Action {
    pub disposition: Disposition,
    pub flags: u64,
    pub restorer: usize,
    /// Blocked while the handler runs.
    pub mask: SignalSet,
}

impl Action {
    pub const DEFAULT: Self = Self {
        disposition: Disposition::Default,
        flags: 0,
        restorer: 0,
        mask: SignalSet(0),
    };
}

/// What a signal does when its disposition is SIG_DFL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    Terminate,
    Ignore,
    /// SIGSTOP and the terminal stops: the process stops until SIGCONT (job_control.rs).
    Stop,
}

pub fn default_action(signal: u8) -> DefaultAction {
    match signal {
        SIGCHLD | SIGCONT | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        _ => DefaultAction::Terminate,
    }
}

/// The facts a handler gets in its `siginfo_t` (which fields mean something depends on the
/// code).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignalInfo {
    pub code: i32,
    /// The sender (kill, tkill) or the child (SIGCHLD).
    pub pid: Pid,
    /// The faulting address (SIGSEGV, SIGBUS, SIGILL).
    pub address: u64,
    /// SIGCHLD: the exit code or the signal that killed the child.
    pub status: i32,
}

impl SignalInfo {
    /// From another process (kill, tkill, tgkill).
    pub fn from_process(code: i32, pid: Pid) -> Self {
        Self {
            code,
            pid,
            ..Self::default()
        }
    }

    pub fn from_kernel() -> Self {
        Self::from_process(code::KERNEL, 0)
    }
}

/// Signals waiting to be acted on, each with the info it came with (a standard signal sent
/// again while pending is merged into the first, as on Linux).
#[derive(Clone, Default)]
pub struct Pending {
    set: SignalSet,
    /// The info of each signal in `set`; empty, and so free to copy, while none is pending.
    info: Vec<(u8, SignalInfo)>,
}

impl Pending {
    pub fn set(&self) -> SignalSet {
        self.set
    }

    fn add(&mut self, signal: u8, info: SignalInfo) {
        if !self.set.contains(signal) {
            self.set = self.set.union(SignalSet::of(signal));
            self.info.push((signal, info));
        }
    }

    /// Takes `signal` off the set, with its info (the default if it was not pending).
    pub fn take(&mut self, signal: u8) -> SignalInfo {
        self.set = self.set.without(SignalSet::of(signal));
        match self.info.iter().position(|&(pending, _)| pending == signal) {
            Some(index) => self.info.swap_remove(index).1,
            None => SignalInfo::default(),
        }
    }
}

/// A process's dispositions: what each signal does when it arrives (shared by its threads).
/// Boxed: the process state holding them is built and moved on every fork.
#[derive(Clone)]
pub struct Dispositions(Box<[Action; LAST as usize]>);

impl Default for Dispositions {
    fn default() -> Self {
        Self(Box::new([Action::DEFAULT; LAST as usize]))
    }
}

impl Dispositions {
    /// After execve: handlers are gone, ignored signals stay ignored.
    pub fn reset_for_exec(&mut self) {
        for action in self.0.iter_mut() {
            let disposition = match action.disposition {
                Disposition::Ignore => Disposition::Ignore,
                _ => Disposition::Default,
            };
            *action = Action {
                disposition,
                ..Action::DEFAULT
            };
        }
    }

    pub fn action(&self, signal: u8) -> Action {
        self.0[usize::from(signal - 1)]
    }

    fn set(&mut self, signal: u8, action: Action) {
        self.0[usize::from(signal - 1)] = action;
    }

    /// Whether arriving now, `signal` would just vanish.
    fn ignores(&self, signal: u8) -> bool {
        match self.action(signal).disposition {
            Disposition::Ignore => true,
            Disposition::Default => default_action(signal) == DefaultAction::Ignore,
            Disposition::Handler(_) => false,
        }
    }
}

/// A thread's own signal state.
#[derive(Clone, Default)]
pub struct ThreadSignals {
    pub blocked: SignalSet,
    /// Signals sent to this thread alone (tkill, tgkill, faults).
    pub pending: Pending,
    /// The mask to restore once a handler has run, when a call (rt_sigsuspend) replaced it
    /// for its sleep.
    pub saved_mask: Option<SignalSet>,
    /// Blocked signals that still end a sleep: those rt_sigtimedwait waits for.
    pub awaited: SignalSet,
    pub alternate_stack: Option<AlternateStack>,
}

impl ThreadSignals {
    /// For a forked child's thread: the same mask and alternate stack, nothing pending.
    pub fn for_child(&self) -> Self {
        Self {
            blocked: self.blocked,
            alternate_stack: self.alternate_stack,
            ..Self::default()
        }
    }

    /// For a new thread of the same process: the same mask, nothing else (a stack cannot be
    /// shared by two threads).
    pub fn for_new_thread(&self) -> Self {
        Self {
            blocked: self.blocked,
            ..Self::default()
        }
    }

    /// Pending (here or in the process's `shared` set) and not blocked: what interrupts a
    /// sleep and is delivered on the way out.
    pub fn deliverable(&self, shared: SignalSet) -> SignalSet {
        self.pending.set().union(shared).without(self.blocked)
    }

    /// Whether a sleeping thread should wake for what is pending.
    fn wakes(&self, shared: SignalSet) -> bool {
        let pending = self.pending.set().union(shared);
        pending.without(self.blocked.without(self.awaited)).0 != 0
    }
}

/// Takes the lowest-numbered signal of `wanted` pending for `thread` (its own before its
/// process's) off the pending set, with its info.
pub fn take_pending(thread: &Thread, wanted: SignalSet) -> Option<(u8, SignalInfo)> {
    let mut state = thread.state.lock();
    let mut process = thread.process.state.lock();
    let own = &mut state.signals.pending;
    let signal = own.set().union(process.pending.set()).first_of(wanted)?;
    let info = if own.set().contains(signal) {
        own.take(signal)
    } else {
        process.pending.take(signal)
    };
    Some((signal, info))
}

/// Replaces `thread`'s mask with `mask` until it next heads for user space, where the old
/// mask comes back after any handler the new one let in (rt_sigsuspend, ppoll).
pub fn mask_until_return(thread: &Thread, mask: SignalSet) {
    let signals = &mut thread.state.lock().signals;
    signals.saved_mask = Some(signals.blocked);
    signals.blocked = mask;
    thread.request_signal_check();
}

/// Whether a signal has come that should end the sleep of `thread`.
pub fn wakes(thread: &Thread) -> bool {
    let shared = thread.process.state.lock().pending.set();
    thread.state.lock().signals.wakes(shared)
}

/// Sets `signal`'s action in `thread`'s process. As POSIX asks, a signal that is now ignored
/// is discarded if pending, for the process and for the thread.
pub fn set_action(thread: &Thread, signal: u8, action: Action) {
    let ignored = {
        let mut process = thread.process.state.lock();
        process.dispositions.set(signal, action);
        let ignored = process.dispositions.ignores(signal);
        if ignored {
            process.pending.take(signal);
        }
        ignored
    };
    if ignored {
        thread.state.lock().signals.pending.take(signal);
    }
}

/// Sends `signal` to `process` as a whole: the first thread that does not block it is woken
/// to act on it on its way to user space. An ignored signal is dropped unless blocked (the
/// disposition may change before it is unblocked).
pub fn send(process: &Process, signal: u8, info: SignalInfo) {
    if signal == SIGCONT || signal == SIGKILL {
        job_control::resume(process, signal);
    }
    let threads = scheduler::threads_of(process);
    let blocked_everywhere = threads
        .iter()
        .all(|thread| thread.state.lock().signals.blocked.contains(signal));
    {
        let mut state = process.state.lock();
        if state.dispositions.ignores(signal) && !blocked_everywhere {
            return;
        }
        state.pending.add(signal, info);
    }
    for thread in &threads {
        thread.request_signal_check();
    }
    let taker = threads.iter().find(|thread| {
        let signals = &thread.state.lock().signals;
        !signals.blocked.contains(signal) || signals.awaited.contains(signal)
    });
    if let Some(thread) = taker {
        scheduler::interrupt(thread);
    }
}

/// Sends `signal` to one thread (tkill, tgkill, a fault, a broken pipe, the end of its
/// process).
pub fn send_to_thread(thread: &Thread, signal: u8, info: SignalInfo) {
    if signal == SIGCONT || signal == SIGKILL {
        job_control::resume(&thread.process, signal);
    }
    let ignored = thread.process.state.lock().dispositions.ignores(signal);
    let wake = {
        let mut state = thread.state.lock();
        let signals = &mut state.signals;
        if ignored && !signals.blocked.contains(signal) {
            return;
        }
        signals.pending.add(signal, info);
        !signals.blocked.contains(signal) || signals.awaited.contains(signal)
    };
    thread.request_signal_check();
    if wake {
        scheduler::interrupt(thread);
    }
}

/// A signal the kernel raises at the running thread for what it just did (a fault, a write
/// to a broken pipe). Unlike [`send`], a fault signal the thread blocks or ignores is not
/// held back: its disposition goes back to the default, which ends the process, as on Linux.
pub fn raise_on_current(signal: u8, info: SignalInfo) {
    let Some(thread) = scheduler::current() else {
        return;
    };
    if matches!(signal, SIGSEGV | SIGBUS | SIGILL) {
        let blocked = thread.state.lock().signals.blocked.contains(signal);
        let ignored = thread
            .process
            .state
            .lock()
            .dispositions
            .action(signal)
            .disposition
            == Disposition::Ignore;
        if blocked || ignored {
            set_action(&thread, signal, Action::DEFAULT);
            let signals = &mut thread.state.lock().signals;
            signals.blocked = signals.blocked.without(SignalSet::of(signal));
        }
    }
    send_to_thread(&thread, signal, info);
}

/// Whether a fault signal raised now would run a handler (otherwise it ends the process).
pub fn handled_by_current(signal: u8) -> bool {
    scheduler::current().is_some_and(|thread| {
        let action = thread.process.state.lock().dispositions.action(signal);
        matches!(action.disposition, Disposition::Handler(_))
            && !thread.state.lock().signals.blocked.contains(signal)
    })
}
