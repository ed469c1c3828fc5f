//! Signals: actions, the blocked mask, pending signals, the alternate stack and interval timers.

use crate::errno::Errno;
use crate::signal::Signal;
use crate::sys::time::Timeval;
use crate::syscall;

/// The kernel's `sigset_t` on arm64: one bit per signal, signal N at bit N - 1.
#[repr(transparent)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct SignalSet(pub u64);

/// The `sigsetsize` every rt_sig* call takes: Linux refuses any other with EINVAL.
pub const SIGSET_SIZE: usize = size_of::<SignalSet>();

impl SignalSet {
    pub const EMPTY: SignalSet = SignalSet(0);

    /// The set holding only `signal` (1 to 64).
    pub const fn of(signal: Signal) -> Self {
        SignalSet(1 << (signal - 1))
    }

    pub const fn contains(self, signal: Signal) -> bool {
        self.0 & SignalSet::of(signal).0 != 0
    }
}

/// `sa_handler` values that are not handlers.
pub const SIG_DFL: usize = 0;
pub const SIG_IGN: usize = 1;

/// `sa_flags`: restart interrupted system calls.
pub const SA_RESTART: u64 = 0x1000_0000;

/// The kernel's `struct sigaction` on arm64, as rt_sigaction reads and writes it.
#[repr(C)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct SigAction {
    pub handler: usize,
    pub flags: u64,
    pub restorer: usize,
    pub mask: SignalSet,
}

/// Sets `signal`'s action to `new` (none: leaves it) and returns the one it had.
pub fn sigaction(signal: Signal, new: Option<&SigAction>) -> Result<SigAction, Errno> {
    let new = new.map_or(core::ptr::null(), |new| new as *const SigAction);
    let mut old = SigAction::default();
    // SAFETY: the kernel reads `new` (or nothing) and writes one `struct sigaction` into `old`.
    unsafe { syscall!(RT_SIGACTION, signal, new, &raw mut old, SIGSET_SIZE) }?;
    Ok(old)
}

/// rt_sigprocmask's `how`.
pub const SIG_BLOCK: i32 = 0;
pub const SIG_UNBLOCK: i32 = 1;
pub const SIG_SETMASK: i32 = 2;

/// Changes the blocked mask as `how` says with `set` (none: leaves it); returns the old mask.
pub fn sigprocmask(how: i32, set: Option<&SignalSet>) -> Result<SignalSet, Errno> {
    let set = set.map_or(core::ptr::null(), |set| set as *const SignalSet);
    let mut old = SignalSet::EMPTY;
    // SAFETY: the kernel reads `set` (or nothing) and writes one `sigset_t` into `old`.
    unsafe { syscall!(RT_SIGPROCMASK, how, set, &raw mut old, SIGSET_SIZE) }?;
    Ok(old)
}

/// The blocked signals waiting to be delivered.
pub fn sigpending() -> Result<SignalSet, Errno> {
    let mut pending = SignalSet::EMPTY;
    // SAFETY: the kernel writes one `sigset_t` into `pending`.
    unsafe { syscall!(RT_SIGPENDING, &raw mut pending, SIGSET_SIZE) }?;
    Ok(pending)
}

/// Bytes of a `siginfo_t`, in which rt_sigtimedwait reports the signal it took.
pub const SIGINFO_SIZE: usize = 128;

/// `ss_flags`: the thread is running on the stack; there is no stack.
pub const SS_ONSTACK: i32 = 1;
pub const SS_DISABLE: i32 = 2;

/// arm64's smallest alternate stack (MINSIGSTKSZ) and the usual size (SIGSTKSZ).
pub const MINSIGSTKSZ: usize = 5120;
pub const SIGSTKSZ: usize = 16384;

/// The kernel's `stack_t`: where handlers asking for SA_ONSTACK run.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SignalStack {
    pub base: usize,
    pub flags: i32,
    pub size: usize,
}

impl SignalStack {
    /// The request that removes the alternate stack, and the report of having none.
    pub const DISABLED: SignalStack = SignalStack {
        base: 0,
        flags: SS_DISABLE,
        size: 0,
    };
}

/// Installs `new` as the alternate signal stack (none: leaves it); returns the old one.
pub fn sigaltstack(new: Option<&SignalStack>) -> Result<SignalStack, Errno> {
    let new = new.map_or(core::ptr::null(), |new| new as *const SignalStack);
    let mut old = SignalStack::DISABLED;
    // SAFETY: the kernel reads `new` (or nothing) and writes one `stack_t` into `old`; the
    // stack `new` names is the caller's to give, and used only by handlers it installs.
    unsafe { syscall!(SIGALTSTACK, new, &raw mut old) }?;
    Ok(old)
}

/// The interval timer that counts real time and sends SIGALRM.
pub const ITIMER_REAL: i32 = 0;

/// The kernel's `struct itimerval`: the period, then the time left (zero: disarmed).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Itimerval {
    pub interval: Timeval,
    pub value: Timeval,
}

pub fn getitimer(which: i32) -> Result<Itimerval, Errno> {
    let mut value = Itimerval::default();
    // SAFETY: the kernel writes one `struct itimerval` into `value`.
    unsafe { syscall!(GETITIMER, which, &raw mut value) }?;
    Ok(value)
}

/// Arms (a zero value: disarms) timer `which` as `new` says; returns how it was set.
pub fn setitimer(which: i32, new: &Itimerval) -> Result<Itimerval, Errno> {
    let mut old = Itimerval::default();
    // SAFETY: the kernel reads `new` and writes one `struct itimerval` into `old`.
    unsafe { syscall!(SETITIMER, which, new as *const Itimerval, &raw mut old) }?;
    Ok(old)
}
