//! Signals: the numbers, each one's default action, a process's dispositions, mask and pending
//! set, and sending. Delivery (running a handler on a frame pushed on the user stack) is in
//! delivery.rs and frame.rs; the interval timer that raises SIGALRM in alarm.rs.

pub mod alarm;
pub mod alternate_stack;
pub mod delivery;
pub mod frame;

use super::process::{Pid, Process};
use super::scheduler;
use alternate_stack::AlternateStack;

pub const SIGILL: u8 = 4;
pub const SIGBUS: u8 = 7;
pub const SIGKILL: u8 = 9;
pub const SIGSEGV: u8 = 11;
pub const SIGPIPE: u8 = 13;
pub const SIGALRM: u8 = 14;
pub const SIGCHLD: u8 = 17;
const SIGCONT: u8 = 18;
pub const SIGSTOP: u8 = 19;
const SIGTSTP: u8 = 20;
const SIGTTIN: u8 = 21;
const SIGTTOU: u8 = 22;
const SIGURG: u8 = 23;
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
    /// SIGILL: an undefined instruction.
    pub const ILL_ILLOPC: i32 = 1;
    /// SIGCHLD: the child exited.
    pub const CLD_EXITED: i32 = 1;
    /// SIGCHLD: the child was killed by a signal.
    pub const CLD_KILLED: i32 = 2;
}

/// A set of signals as the kernel ABI's `sigset_t` holds it: bit `n - 1` for signal `n`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignalSet(pub u64);

impl SignalSet {
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
    /// SIGSTOP and the terminal stops. There is no job control yet: these are ignored.
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

/// A process's signal state.
#[derive(Clone)]
pub struct Signals {
    actions: [Action; LAST as usize],
    pub blocked: SignalSet,
    pending: SignalSet,
    info: [SignalInfo; LAST as usize],
    /// The mask to restore once a handler has run, when a call (rt_sigsuspend) replaced it
    /// for its sleep.
    pub saved_mask: Option<SignalSet>,
    /// Blocked signals that still end a sleep: those rt_sigtimedwait waits for.
    pub awaited: SignalSet,
    pub alternate_stack: Option<AlternateStack>,
}

impl Default for Signals {
    fn default() -> Self {
        Self {
            actions: [Action::DEFAULT; LAST as usize],
            blocked: SignalSet::default(),
            pending: SignalSet::default(),
            info: [SignalInfo::default(); LAST as usize],
            saved_mask: None,
            awaited: SignalSet::default(),
            alternate_stack: None,
        }
    }
}

impl Signals {
    /// For a forked child: the same dispositions, mask and alternate stack, nothing pending.
    pub fn for_child(&self) -> Self {
        Self {
            actions: self.actions,
            blocked: self.blocked,
            alternate_stack: self.alternate_stack,
            ..Self::default()
        }
    }

    /// After execve: handlers are gone (ignored signals stay ignored), so is the alternate
    /// stack; mask and pending signals stay.
    pub fn reset_for_exec(&mut self) {
        for action in &mut self.actions {
            let disposition = match action.disposition {
                Disposition::Ignore => Disposition::Ignore,
                _ => Disposition::Default,
            };
            *action = Action {
                disposition,
                ..Action::DEFAULT
            };
        }
        self.alternate_stack = None;
    }

    pub fn action(&self, signal: u8) -> Action {
        self.actions[usize::from(signal - 1)]
    }

    pub fn set_action(&mut self, signal: u8, action: Action) {
        self.actions[usize::from(signal - 1)] = action;
        // As POSIX asks: setting a signal to be ignored discards it if pending.
        if self.ignores(signal) {
            self.pending = self.pending.without(SignalSet::of(signal));
        }
    }

    /// Whether arriving now, `signal` would just vanish.
    fn ignores(&self, signal: u8) -> bool {
        match self.action(signal).disposition {
            Disposition::Ignore => true,
            Disposition::Default => default_action(signal) != DefaultAction::Terminate,
            Disposition::Handler(_) => false,
        }
    }

    pub fn pending(&self) -> SignalSet {
        self.pending
    }

    /// Pending and not blocked: what interrupts a sleep and is delivered on the way out.
    pub fn deliverable(&self) -> SignalSet {
        self.pending.without(self.blocked)
    }

    /// Whether a sleeping process should wake for what is pending.
    pub fn wakes(&self) -> bool {
        self.pending.without(self.blocked.without(self.awaited)).0 != 0
    }

    /// Marks `signal` pending (a standard signal already pending keeps its first info).
    /// Returns whether it was queued: ignored signals are dropped, unless blocked (the
    /// disposition may change before they are unblocked).
    fn queue(&mut self, signal: u8, info: SignalInfo) -> bool {
        if self.ignores(signal) && !self.blocked.contains(signal) {
            return false;
        }
        if !self.pending.contains(signal) {
            self.pending = self.pending.union(SignalSet::of(signal));
            self.info[usize::from(signal - 1)] = info;
        }
        true
    }

    /// Takes `signal` off the pending set, with its info.
    pub fn take(&mut self, signal: u8) -> SignalInfo {
        self.pending = self.pending.without(SignalSet::of(signal));
        self.info[usize::from(signal - 1)]
    }
}

/// Sends `signal` to `process`: it is acted on when the process next heads for user space,
/// and a sleeping process is woken to get there.
pub fn send(process: &Process, signal: u8, info: SignalInfo) {
    let wake = {
        let mut state = process.state.lock();
        state.signals.queue(signal, info) && state.signals.wakes()
    };
    if wake {
        scheduler::interrupt(process);
    }
}

/// A signal the kernel raises at the running process for what it just did (a fault, a write
/// to a broken pipe). Unlike [`send`], a fault signal the process blocks or ignores is not
/// held back: its disposition goes back to the default, which ends the process, as on Linux.
pub fn raise_on_current(signal: u8, info: SignalInfo) {
    let Some(process) = scheduler::current() else {
        return;
    };
    if matches!(signal, SIGSEGV | SIGBUS | SIGILL) {
        let mut state = process.state.lock();
        let signals = &mut state.signals;
        if signals.blocked.contains(signal)
            || signals.action(signal).disposition == Disposition::Ignore
        {
            signals.set_action(signal, Action::DEFAULT);
            signals.blocked = signals.blocked.without(SignalSet::of(signal));
        }
    }
    send(&process, signal, info);
}

/// Whether a fault signal raised now would run a handler (otherwise it ends the process).
pub fn handled_by_current(signal: u8) -> bool {
    scheduler::current().is_some_and(|process| {
        let signals = &process.state.lock().signals;
        matches!(signals.action(signal).disposition, Disposition::Handler(_))
            && !signals.blocked.contains(signal)
    })
}
