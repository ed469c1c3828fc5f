//! Signal calls given pointers they cannot read or write, and the NULLs Linux lets through.

use core::fmt;

use rt::errno::Errno;
use rt::signal::{SIGKILL, SIGUSR1, SIGUSR2, Signal};
use rt::sys::process::{getpid, kill};
use rt::sys::signal::{
    ITIMER_REAL, Itimerval, SA_RESTART, SIG_BLOCK, SIG_IGN, SIG_SETMASK, SIG_UNBLOCK, SIGINFO_SIZE,
    SIGSET_SIZE, SIGSTKSZ, SigAction, SignalSet, SignalStack, getitimer, setitimer, sigaction,
    sigaltstack, sigpending, sigprocmask,
};
use rt::sys::time::{Timespec, Timeval};
use rt::syscall;
use rt::test::{Context, Failure};
use rt::wait::Termination;
use testkit::bad_pointers::BadPointers;
use testkit::child::capture_stdout;
use testkit::edge::{Beyond, PageEdge};
use testkit::pages::{Pages, page_size};

const EFAULT: Result<usize, Errno> = Err(Errno::EFAULT);

/// An action unlike the default and unlike what a zero-filled `struct sigaction` asks for.
static IGNORED: SigAction = SigAction {
    handler: SIG_IGN,
    flags: SA_RESTART,
    restorer: 0,
    mask: SignalSet::of(SIGUSR2),
};

/// ITIMER_REAL with a period and a first expiry far enough away never to fire in a test.
static ARMED: Itimerval = Itimerval {
    interval: Timeval {
        seconds: 7,
        microseconds: 0,
    },
    value: Timeval {
        seconds: 30,
        microseconds: 0,
    },
};

/// A zero `struct timespec`: rt_sigtimedwait only looks, it does not wait.
static NO_WAIT: Timespec = Timespec {
    seconds: 0,
    nanoseconds: 0,
};

/// What a NULL pointer argument is to the call.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Null {
    /// An address like any other, so EFAULT.
    Faults,
    /// "None": Linux neither reads nor writes anything (checked by the tests of NULL).
    Allowed,
}

/// Calls `check` with a label and each address a `size`-byte input cannot be read from: the
/// unreadable addresses (NULL as `null` says) and `size / 2` zero bytes before each kind of
/// unreadable page.
fn for_each_unreadable(
    size: usize,
    null: Null,
    check: impl FnMut(&str, usize) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    for_each_bad(&bad.unreadable(), &Beyond::UNREADABLE, size, null, check)
}

/// As [`for_each_unreadable`], for a `size`-byte output: the unwritable addresses, and
/// `size / 2` bytes before each kind of unwritable page.
fn for_each_unwritable(
    size: usize,
    null: Null,
    check: impl FnMut(&str, usize) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    for_each_bad(&bad.unwritable(), &Beyond::UNWRITABLE, size, null, check)
}

fn for_each_bad(
    addresses: &[(&str, usize)],
    beyonds: &[Beyond],
    size: usize,
    null: Null,
    mut check: impl FnMut(&str, usize) -> Result<(), Failure>,
) -> Result<(), Failure> {
    for &(label, address) in addresses {
        if address != 0 || null == Null::Faults {
            check(label, address)?;
        }
    }
    for &beyond in beyonds {
        let edge = PageEdge::new(beyond)?;
        let label = match beyond {
            Beyond::Unmapped => "straddling an unmapped page",
            Beyond::ProtNone => "straddling a PROT_NONE page",
            Beyond::ReadOnly => "straddling a read-only page",
        };
        check(label, edge.before(size / 2))?;
    }
    Ok(())
}

/// Runs its closure when dropped: puts back what a test changed, however the test ends (a
/// restore that fails has nowhere to report it).
struct Restore<F: FnMut()>(F);

impl<F: FnMut()> Drop for Restore<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

fn save_action(signal: Signal) -> Result<Restore<impl FnMut()>, Failure> {
    let action = sigaction(signal, None).context("rt_sigaction")?;
    Ok(Restore(move || {
        let _ = sigaction(signal, Some(&action));
    }))
}

fn save_mask() -> Result<Restore<impl FnMut()>, Failure> {
    let mask = blocked()?;
    Ok(Restore(move || {
        let _ = sigprocmask(SIG_SETMASK, Some(&mask));
    }))
}

fn save_alternate_stack() -> Result<Restore<impl FnMut()>, Failure> {
    let stack = sigaltstack(None).context("sigaltstack")?;
    Ok(Restore(move || {
        let _ = sigaltstack(Some(&stack));
    }))
}

/// How long a child of [`run_in_child`] may take before its watchdog SIGALRM ends it.
const WATCHDOG_SECONDS: i64 = 20;

/// Runs `body` in a child, for tests that leave a signal pending, arm the timer or might
/// sleep for good: what they change ends with the child, a failure's reason comes back
/// through its standard output, and a watchdog SIGALRM ends it if it hangs.
fn run_in_child(body: impl FnOnce() -> Result<(), Failure>) -> Result<(), Failure> {
    let captured = capture_stdout(|| {
        let watchdog = Itimerval {
            interval: Timeval::default(),
            value: Timeval {
                seconds: WATCHDOG_SECONDS,
                microseconds: 0,
            },
        };
        let outcome = setitimer(ITIMER_REAL, &watchdog)
            .context("setitimer")
            .and_then(|_| body());
        match outcome {
            Ok(()) => 0,
            Err(failure) => {
                rt::print!("{}", failure.reason());
                1
            }
        }
    })?;
    match (captured.termination, captured.text()) {
        (Termination::Exited(0), _) => Ok(()),
        (Termination::Exited(1), reason) if !reason.is_empty() => {
            Err(Failure::new(format_args!("{reason}")))
        }
        (ended, "") => Err(Failure::new(format_args!("the child ended: {ended:?}"))),
        (ended, text) => Err(Failure::new(format_args!(
            "the child ended: {ended:?}, after printing {text:?}"
        ))),
    }
}

fn blocked() -> Result<SignalSet, Failure> {
    sigprocmask(SIG_BLOCK, None).context("rt_sigprocmask")
}

fn is_pending(signal: Signal) -> Result<bool, Failure> {
    Ok(sigpending().context("rt_sigpending")?.contains(signal))
}

/// Blocks `signal` and sends it to this process, where it then waits.
fn raise_blocked(signal: Signal) -> Result<(), Failure> {
    sigprocmask(SIG_BLOCK, Some(&SignalSet::of(signal))).context("rt_sigprocmask")?;
    kill(getpid(), signal).context("kill")?;
    rt::check!(
        is_pending(signal)?,
        "signal {signal} sent blocked is not pending"
    );
    Ok(())
}

/// Checks that ITIMER_REAL is set as [`ARMED`] set it: the same period, and time left.
fn check_armed(after: fmt::Arguments<'_>) -> Result<(), Failure> {
    let timer = getitimer(ITIMER_REAL).context("getitimer")?;
    let (interval, value) = (timer.interval, timer.value);
    let left = value.seconds * 1_000_000 + value.microseconds;
    rt::check!(
        interval.seconds == ARMED.interval.seconds
            && interval.microseconds == 0
            && left > 0
            && value.seconds <= ARMED.value.seconds,
        "after {after}, the timer is {timer:?}"
    );
    Ok(())
}

pub fn rt_sigaction_with_bad_act_is_efault_and_changes_nothing() -> Result<(), Failure> {
    let _saved = save_action(SIGUSR1)?;
    sigaction(SIGUSR1, Some(&IGNORED)).context("rt_sigaction")?;
    for_each_unreadable(size_of::<SigAction>(), Null::Allowed, |label, address| {
        // SAFETY: the kernel reads a `struct sigaction` only where it can; no old one is
        // asked for.
        let result = unsafe { syscall!(RT_SIGACTION, SIGUSR1, address, 0, SIGSET_SIZE) };
        rt::check_eq!(result, EFAULT, "{label} act {address:#x}");
        rt::check_eq!(
            sigaction(SIGUSR1, None),
            Ok(IGNORED),
            "after the {label} act"
        );
        Ok(())
    })
}

/// The new action is in place before the old one fails to be stored.
pub fn rt_sigaction_into_bad_oldact_is_efault_after_changing_the_action() -> Result<(), Failure> {
    let _saved = save_action(SIGUSR1)?;
    let act_address = &raw const IGNORED as usize;
    for_each_unwritable(size_of::<SigAction>(), Null::Allowed, |label, address| {
        sigaction(SIGUSR1, Some(&SigAction::default())).context("rt_sigaction")?;
        // SAFETY: the kernel reads `IGNORED` and writes the old action only where it can,
        // none of it ours.
        let result = unsafe { syscall!(RT_SIGACTION, SIGUSR1, act_address, address, SIGSET_SIZE) };
        rt::check_eq!(result, EFAULT, "{label} oldact {address:#x}");
        rt::check_eq!(
            sigaction(SIGUSR1, None),
            Ok(IGNORED),
            "after the {label} oldact"
        );
        Ok(())
    })
}

/// Linux copies the new action in before it looks at the signal: an unreadable act is
/// EFAULT even for SIGKILL and for signals that do not exist, where a readable one is EINVAL.
/// (In a child: a kernel that let SIGKILL's action change would leave it changed.)
pub fn rt_sigaction_reads_act_before_checking_the_signal() -> Result<(), Failure> {
    run_in_child(|| {
        let bad = BadPointers::new()?;
        let [_null, (_, unmapped), ..] = bad.unreadable();
        for signal in [SIGKILL, 0, 65] {
            // SAFETY: nothing is mapped at `unmapped`; no old action is asked for.
            let result = unsafe { syscall!(RT_SIGACTION, signal, unmapped, 0, SIGSET_SIZE) };
            rt::check_eq!(result, EFAULT, "signal {signal}, unmapped act");
            let result = sigaction(signal, Some(&IGNORED));
            rt::check_eq!(result, Err(Errno::EINVAL), "signal {signal}, readable act");
        }
        // Only asking is allowed for SIGKILL.
        rt::check_eq!(sigaction(SIGKILL, None), Ok(SigAction::default()));
        Ok(())
    })
}

/// Either pointer may be NULL: the action is then not changed, or not reported.
pub fn rt_sigaction_with_null_pointers_succeeds() -> Result<(), Failure> {
    let _saved = save_action(SIGUSR1)?;
    sigaction(SIGUSR1, Some(&IGNORED)).context("rt_sigaction")?;
    // SAFETY: no memory is passed.
    let result = unsafe { syscall!(RT_SIGACTION, SIGUSR1, 0, 0, SIGSET_SIZE) };
    rt::check_eq!(result, Ok(0));
    rt::check_eq!(sigaction(SIGUSR1, None), Ok(IGNORED));
    let default = SigAction::default();
    // SAFETY: the kernel only reads `default`.
    let result = unsafe { syscall!(RT_SIGACTION, SIGUSR1, &raw const default, 0, SIGSET_SIZE) };
    rt::check_eq!(result, Ok(0));
    rt::check_eq!(sigaction(SIGUSR1, None), Ok(default));
    Ok(())
}

/// A `sigsetsize` other than 8 is EINVAL before any pointer is read or written (for
/// rt_sigpending, one above 8), so the bad pointers here never get as far as an EFAULT.
pub fn wrong_sigsetsize_is_einval_before_any_pointer_is_used() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let [_null, (_, unmapped), ..] = bad.unreadable();
    let einval = Err(Errno::EINVAL);
    for size in [0, 4, 16] {
        // SAFETY: the calls fail before using the pointers, and nothing is mapped there.
        unsafe {
            let result = syscall!(RT_SIGACTION, SIGUSR1, unmapped, unmapped, size);
            rt::check_eq!(result, einval, "rt_sigaction, sigsetsize {size}");
            let result = syscall!(RT_SIGPROCMASK, SIG_BLOCK, unmapped, unmapped, size);
            rt::check_eq!(result, einval, "rt_sigprocmask, sigsetsize {size}");
            let result = syscall!(RT_SIGSUSPEND, unmapped, size);
            rt::check_eq!(result, einval, "rt_sigsuspend, sigsetsize {size}");
            let result = syscall!(RT_SIGTIMEDWAIT, unmapped, unmapped, unmapped, size);
            rt::check_eq!(result, einval, "rt_sigtimedwait, sigsetsize {size}");
        }
    }
    for size in [SIGSET_SIZE + 1, 16] {
        // SAFETY: as above.
        let result = unsafe { syscall!(RT_SIGPENDING, unmapped, size) };
        rt::check_eq!(result, einval, "rt_sigpending, sigsetsize {size}");
    }
    Ok(())
}

/// The mask stays as it was, and the old mask is not stored, whatever `how` says: Linux
/// reads the set before it looks at `how`.
pub fn rt_sigprocmask_with_bad_set_is_efault_and_keeps_the_mask() -> Result<(), Failure> {
    let _saved = save_mask()?;
    let mask = SignalSet::of(SIGUSR2);
    sigprocmask(SIG_SETMASK, Some(&mask)).context("rt_sigprocmask")?;
    let untouched = SignalSet(u64::MAX);
    let mut old = untouched;
    let old_address = &raw mut old as usize;
    for_each_unreadable(SIGSET_SIZE, Null::Allowed, |label, address| {
        for how in [SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK, 3] {
            // SAFETY: the kernel reads a `sigset_t` only where it can, and fails before
            // writing `old`.
            let result =
                unsafe { syscall!(RT_SIGPROCMASK, how, address, old_address, SIGSET_SIZE) };
            rt::check_eq!(result, EFAULT, "how {how}, {label} set {address:#x}");
        }
        rt::check_eq!(blocked()?, mask, "after the {label} set");
        Ok(())
    })?;
    rt::check_eq!(old, untouched, "a failed call stored the old mask");
    Ok(())
}

/// The mask is changed before the old one fails to be stored.
pub fn rt_sigprocmask_into_bad_oldset_is_efault_after_changing_the_mask() -> Result<(), Failure> {
    let _saved = save_mask()?;
    let set = SignalSet::of(SIGUSR2);
    let set_address = &raw const set as usize;
    for_each_unwritable(SIGSET_SIZE, Null::Allowed, |label, address| {
        sigprocmask(SIG_SETMASK, Some(&SignalSet::EMPTY)).context("rt_sigprocmask")?;
        // SAFETY: the kernel reads `set` and writes the old mask only where it can, none of
        // it ours.
        let result =
            unsafe { syscall!(RT_SIGPROCMASK, SIG_BLOCK, set_address, address, SIGSET_SIZE) };
        rt::check_eq!(result, EFAULT, "{label} oldset {address:#x}");
        rt::check_eq!(blocked()?, set, "after the {label} oldset");
        Ok(())
    })
}

/// Either pointer may be NULL; with no set, `how` is not even looked at.
pub fn rt_sigprocmask_with_null_pointers_succeeds() -> Result<(), Failure> {
    let _saved = save_mask()?;
    let mask = SignalSet::of(SIGUSR2);
    sigprocmask(SIG_SETMASK, Some(&mask)).context("rt_sigprocmask")?;
    for how in [SIG_BLOCK, SIG_SETMASK, 3] {
        // SAFETY: no memory is passed.
        let result = unsafe { syscall!(RT_SIGPROCMASK, how, 0, 0, SIGSET_SIZE) };
        rt::check_eq!(result, Ok(0), "how {how}");
    }
    rt::check_eq!(blocked()?, mask);
    let empty = SignalSet::EMPTY;
    // SAFETY: the kernel only reads `empty`.
    let result = unsafe {
        syscall!(
            RT_SIGPROCMASK,
            SIG_SETMASK,
            &raw const empty,
            0,
            SIGSET_SIZE
        )
    };
    rt::check_eq!(result, Ok(0));
    rt::check_eq!(blocked()?, empty);
    Ok(())
}

pub fn rt_sigpending_into_bad_set_is_efault() -> Result<(), Failure> {
    for_each_unwritable(SIGSET_SIZE, Null::Faults, |label, address| {
        // SAFETY: the kernel writes a `sigset_t` only where it can, none of it ours.
        let result = unsafe { syscall!(RT_SIGPENDING, address, SIGSET_SIZE) };
        rt::check_eq!(result, EFAULT, "{label} set {address:#x}");
        Ok(())
    })
}

/// rt_sigpending stores `sigsetsize` bytes (at most 8): none at all is never EFAULT, and the
/// first four fit before a page edge.
pub fn rt_sigpending_writes_only_sigsetsize_bytes() -> Result<(), Failure> {
    run_in_child(|| {
        raise_blocked(SIGUSR1)?;
        for_each_unwritable(SIGSET_SIZE, Null::Faults, |label, address| {
            // SAFETY: with a size of 0 nothing is written.
            let result = unsafe { syscall!(RT_SIGPENDING, address, 0) };
            rt::check_eq!(result, Ok(0), "{label} set {address:#x}, sigsetsize 0");
            Ok(())
        })?;
        let low_half = &SignalSet::of(SIGUSR1).0.to_le_bytes()[..4];
        for beyond in Beyond::UNWRITABLE {
            let edge = PageEdge::new(beyond)?;
            let address = edge.before(low_half.len());
            // SAFETY: the kernel writes four bytes, which are the edge's.
            let result = unsafe { syscall!(RT_SIGPENDING, address, low_half.len()) };
            rt::check_eq!(result, Ok(0), "4 bytes before a {beyond:?} page");
            rt::check_eq!(
                edge.bytes_from(address),
                low_half,
                "before a {beyond:?} page"
            );
        }
        Ok(())
    })
}

/// A mask that cannot be read is EFAULT at once: no sleep (the watchdog would end it), and
/// no mask taken from nowhere (that would let the blocked SIGUSR1 in, and it would end it).
pub fn rt_sigsuspend_with_bad_mask_is_efault_without_sleeping() -> Result<(), Failure> {
    run_in_child(|| {
        raise_blocked(SIGUSR1)?;
        let mask = blocked()?;
        for_each_unreadable(SIGSET_SIZE, Null::Faults, |label, address| {
            // SAFETY: the kernel reads a `sigset_t` only where it can, none of it ours.
            let result = unsafe { syscall!(RT_SIGSUSPEND, address, SIGSET_SIZE) };
            rt::check_eq!(result, EFAULT, "{label} mask {address:#x}");
            rt::check_eq!(blocked()?, mask, "after the {label} mask");
            Ok(())
        })?;
        rt::check!(is_pending(SIGUSR1)?, "SIGUSR1 is no longer pending");
        Ok(())
    })
}

pub fn rt_sigtimedwait_with_bad_set_is_efault_and_takes_nothing() -> Result<(), Failure> {
    run_in_child(|| {
        raise_blocked(SIGUSR1)?;
        let timeout_address = &raw const NO_WAIT as usize;
        for_each_unreadable(SIGSET_SIZE, Null::Faults, |label, address| {
            // SAFETY: the kernel reads the set only where it can, none of it ours, and the
            // timeout from `NO_WAIT`; no siginfo is asked for.
            let result =
                unsafe { syscall!(RT_SIGTIMEDWAIT, address, 0, timeout_address, SIGSET_SIZE) };
            rt::check_eq!(result, EFAULT, "{label} set {address:#x}");
            rt::check!(is_pending(SIGUSR1)?, "the {label} set took SIGUSR1");
            Ok(())
        })
    })
}

/// The timeout is read before any signal is taken (NULL is no timeout: see below).
pub fn rt_sigtimedwait_with_bad_timeout_is_efault_and_takes_nothing() -> Result<(), Failure> {
    run_in_child(|| {
        raise_blocked(SIGUSR1)?;
        let set = SignalSet::of(SIGUSR1);
        let set_address = &raw const set as usize;
        for_each_unreadable(size_of::<Timespec>(), Null::Allowed, |label, address| {
            // SAFETY: the kernel reads `set`, and the timeout only where it can, none of it
            // ours; no siginfo is asked for.
            let result = unsafe { syscall!(RT_SIGTIMEDWAIT, set_address, 0, address, SIGSET_SIZE) };
            rt::check_eq!(result, EFAULT, "{label} timeout {address:#x}");
            rt::check!(is_pending(SIGUSR1)?, "the {label} timeout took SIGUSR1");
            Ok(())
        })
    })
}

/// Linux takes the signal off the pending set before it stores the siginfo, so a bad info
/// costs the signal: EFAULT, and the signal is gone.
pub fn rt_sigtimedwait_into_bad_info_is_efault_and_takes_the_signal() -> Result<(), Failure> {
    run_in_child(|| {
        let set = SignalSet::of(SIGUSR1);
        sigprocmask(SIG_BLOCK, Some(&set)).context("rt_sigprocmask")?;
        let set_address = &raw const set as usize;
        let timeout_address = &raw const NO_WAIT as usize;
        // SAFETY: the kernel reads `set` and `NO_WAIT`, and writes the siginfo at `info`.
        let wait = |info: usize| unsafe {
            syscall!(
                RT_SIGTIMEDWAIT,
                set_address,
                info,
                timeout_address,
                SIGSET_SIZE
            )
        };
        for_each_unwritable(SIGINFO_SIZE, Null::Allowed, |label, address| {
            kill(getpid(), SIGUSR1).context("kill")?;
            rt::check_eq!(wait(address), EFAULT, "{label} info {address:#x}");
            rt::check!(
                !is_pending(SIGUSR1)?,
                "SIGUSR1 is still pending after the {label} info"
            );
            Ok(())
        })?;
        // Where it can be written, the siginfo starts with the signal's number.
        let mut info = [0u8; SIGINFO_SIZE];
        kill(getpid(), SIGUSR1).context("kill")?;
        rt::check_eq!(wait(&raw mut info as usize), Ok(SIGUSR1 as usize));
        rt::check_eq!(info[..4], SIGUSR1.to_ne_bytes(), "si_signo");
        Ok(())
    })
}

/// Both may be NULL: no siginfo is stored, and no timeout means waiting as long as it takes,
/// which for a pending signal is not at all.
pub fn rt_sigtimedwait_with_null_info_and_timeout_succeeds() -> Result<(), Failure> {
    run_in_child(|| {
        raise_blocked(SIGUSR1)?;
        let set = SignalSet::of(SIGUSR1);
        let set_address = &raw const set as usize;
        // SAFETY: the kernel only reads `set`.
        let result = unsafe { syscall!(RT_SIGTIMEDWAIT, set_address, 0, 0, SIGSET_SIZE) };
        rt::check_eq!(result, Ok(SIGUSR1 as usize));
        rt::check!(!is_pending(SIGUSR1)?, "SIGUSR1 is still pending");
        // SAFETY: the kernel only reads `set` and `NO_WAIT`.
        let result = unsafe {
            syscall!(
                RT_SIGTIMEDWAIT,
                set_address,
                0,
                &raw const NO_WAIT,
                SIGSET_SIZE
            )
        };
        rt::check_eq!(result, Err(Errno::EAGAIN), "nothing pending");
        Ok(())
    })
}

/// An alternate stack: memory of the usual size, never used (no handler runs).
fn alternate_stack(memory: &Pages) -> SignalStack {
    SignalStack {
        base: memory.start(),
        flags: 0,
        size: memory.size(),
    }
}

pub fn sigaltstack_with_bad_ss_is_efault_and_changes_nothing() -> Result<(), Failure> {
    let _saved = save_alternate_stack()?;
    let memory = Pages::writable(SIGSTKSZ.div_ceil(page_size()))?;
    let stack = alternate_stack(&memory);
    sigaltstack(Some(&stack)).context("sigaltstack")?;
    for_each_unreadable(size_of::<SignalStack>(), Null::Allowed, |label, address| {
        // SAFETY: the kernel reads a `stack_t` only where it can; no old one is asked for.
        let result = unsafe { syscall!(SIGALTSTACK, address, 0) };
        rt::check_eq!(result, EFAULT, "{label} ss {address:#x}");
        rt::check_eq!(sigaltstack(None), Ok(stack), "after the {label} ss");
        Ok(())
    })
}

/// The new stack is in place before the old one fails to be stored.
pub fn sigaltstack_into_bad_old_ss_is_efault_after_changing_the_stack() -> Result<(), Failure> {
    let _saved = save_alternate_stack()?;
    let memory = Pages::writable(SIGSTKSZ.div_ceil(page_size()))?;
    let stack = alternate_stack(&memory);
    let stack_address = &raw const stack as usize;
    for_each_unwritable(size_of::<SignalStack>(), Null::Allowed, |label, address| {
        sigaltstack(Some(&SignalStack::DISABLED)).context("sigaltstack")?;
        // SAFETY: the kernel reads `stack` and writes the old one only where it can, none of
        // it ours.
        let result = unsafe { syscall!(SIGALTSTACK, stack_address, address) };
        rt::check_eq!(result, EFAULT, "{label} old_ss {address:#x}");
        rt::check_eq!(sigaltstack(None), Ok(stack), "after the {label} old_ss");
        Ok(())
    })
}

/// Either pointer may be NULL: the stack is then not changed, or not reported.
pub fn sigaltstack_with_null_pointers_succeeds() -> Result<(), Failure> {
    let _saved = save_alternate_stack()?;
    let memory = Pages::writable(SIGSTKSZ.div_ceil(page_size()))?;
    let stack = alternate_stack(&memory);
    // SAFETY: no memory is passed.
    rt::check_eq!(unsafe { syscall!(SIGALTSTACK, 0, 0) }, Ok(0));
    // SAFETY: the kernel only reads `stack`.
    rt::check_eq!(unsafe { syscall!(SIGALTSTACK, &raw const stack, 0) }, Ok(0));
    let mut old = SignalStack::DISABLED;
    // SAFETY: the kernel writes one `stack_t` into `old`.
    rt::check_eq!(unsafe { syscall!(SIGALTSTACK, 0, &raw mut old) }, Ok(0));
    rt::check_eq!(old, stack);
    Ok(())
}

pub fn getitimer_into_bad_buffer_is_efault() -> Result<(), Failure> {
    for_each_unwritable(size_of::<Itimerval>(), Null::Faults, |label, address| {
        // SAFETY: the kernel writes a `struct itimerval` only where it can, none of it ours.
        let result = unsafe { syscall!(GETITIMER, ITIMER_REAL, address) };
        rt::check_eq!(result, EFAULT, "{label} value {address:#x}");
        Ok(())
    })
}

/// The timer keeps running as it was (NULL is the "disarm" misfeature: see below).
pub fn setitimer_with_bad_new_is_efault_and_keeps_the_timer() -> Result<(), Failure> {
    run_in_child(|| {
        setitimer(ITIMER_REAL, &ARMED).context("setitimer")?;
        for_each_unreadable(size_of::<Itimerval>(), Null::Allowed, |label, address| {
            // SAFETY: the kernel reads a `struct itimerval` only where it can, none of it
            // ours; no old value is asked for.
            let result = unsafe { syscall!(SETITIMER, ITIMER_REAL, address, 0) };
            rt::check_eq!(result, EFAULT, "{label} new {address:#x}");
            check_armed(format_args!("the {label} new"))
        })
    })
}

/// The timer is armed before the old setting fails to be stored.
pub fn setitimer_into_bad_old_is_efault_after_arming() -> Result<(), Failure> {
    run_in_child(|| {
        let new_address = &raw const ARMED as usize;
        for_each_unwritable(size_of::<Itimerval>(), Null::Allowed, |label, address| {
            setitimer(ITIMER_REAL, &Itimerval::default()).context("setitimer")?;
            // SAFETY: the kernel reads `ARMED` and writes the old setting only where it can,
            // none of it ours.
            let result = unsafe { syscall!(SETITIMER, ITIMER_REAL, new_address, address) };
            rt::check_eq!(result, EFAULT, "{label} old {address:#x}");
            check_armed(format_args!("the {label} old"))
        })
    })
}

/// A NULL new setting is taken as zero, which disarms (a misfeature Linux keeps, with a
/// warning); a NULL old one is not stored.
pub fn setitimer_with_null_new_disarms() -> Result<(), Failure> {
    run_in_child(|| {
        // SAFETY: the kernel only reads `ARMED`.
        let result = unsafe { syscall!(SETITIMER, ITIMER_REAL, &raw const ARMED, 0) };
        rt::check_eq!(result, Ok(0));
        check_armed(format_args!("arming with a NULL old"))?;
        let mut old = Itimerval::default();
        // SAFETY: the kernel writes one `struct itimerval` into `old`.
        let result = unsafe { syscall!(SETITIMER, ITIMER_REAL, 0, &raw mut old) };
        rt::check_eq!(result, Ok(0));
        rt::check!(
            old.interval.seconds == ARMED.interval.seconds && old.value.seconds > 0,
            "the old setting is {old:?}"
        );
        let now = getitimer(ITIMER_REAL).context("getitimer")?;
        rt::check!(
            now.value.seconds == 0 && now.value.microseconds == 0 && now.interval.seconds == 0,
            "after a NULL new the timer is {now:?}"
        );
        Ok(())
    })
}

/// Inputs are only read, so read-only memory is as good as any: here a zero-filled page, the
/// default action, an empty mask, an empty set with no wait, a disarmed timer.
pub fn signal_inputs_from_read_only_memory_work() -> Result<(), Failure> {
    run_in_child(|| {
        let bad = BadPointers::new()?;
        let zeros = bad.read_only_page();
        sigaction(SIGUSR1, Some(&IGNORED)).context("rt_sigaction")?;
        sigprocmask(SIG_SETMASK, Some(&SignalSet::of(SIGUSR2))).context("rt_sigprocmask")?;
        setitimer(ITIMER_REAL, &ARMED).context("setitimer")?;
        // SAFETY: the kernel only reads the zero-filled page.
        unsafe {
            let result = syscall!(RT_SIGACTION, SIGUSR1, zeros, 0, SIGSET_SIZE);
            rt::check_eq!(result, Ok(0), "rt_sigaction");
            let result = syscall!(RT_SIGPROCMASK, SIG_SETMASK, zeros, 0, SIGSET_SIZE);
            rt::check_eq!(result, Ok(0), "rt_sigprocmask");
            let result = syscall!(RT_SIGTIMEDWAIT, zeros, 0, zeros, SIGSET_SIZE);
            rt::check_eq!(result, Err(Errno::EAGAIN), "rt_sigtimedwait");
            let result = syscall!(SETITIMER, ITIMER_REAL, zeros, 0);
            rt::check_eq!(result, Ok(0), "setitimer");
        }
        rt::check_eq!(sigaction(SIGUSR1, None), Ok(SigAction::default()));
        rt::check_eq!(blocked()?, SignalSet::EMPTY);
        let timer = getitimer(ITIMER_REAL).context("getitimer")?;
        rt::check!(
            timer.value.seconds == 0 && timer.value.microseconds == 0,
            "the timer is {timer:?}"
        );
        Ok(())
    })
}
