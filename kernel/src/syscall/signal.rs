//! Signal system calls: sending (kill, tkill, tgkill), dispositions (rt_sigaction), the mask
//! (rt_sigprocmask, rt_sigsuspend), waiting (rt_sigtimedwait, rt_sigpending), handler stacks
//! (sigaltstack, rt_sigreturn) and the interval timer (setitimer, getitimer).
//!
//! The kernel's `sigset_t` is 8 bytes; a call given another `sigsetsize` fails with EINVAL.

use super::time::read_timespec;
use super::{Arguments, SyscallResult, put_words, read_user, word, write_user};
use crate::arch::aarch64::timer::{self, NANOS_PER_SECOND};
use crate::arch::aarch64::trap_frame::TrapFrame;
use crate::errno::{EAGAIN, EINTR, EINVAL, ERESTARTNOHAND, ESRCH, Errno};
use crate::sync::InterruptsMasked;
use crate::task::process::{INIT_PID, Pid, Process, ProcessState};
use crate::task::signal::alarm::CpuTimerKind;
use crate::task::signal::alternate_stack::{self, STACK_T_SIZE};
use crate::task::signal::frame;
use crate::task::signal::{
    self, Action, Disposition, LAST, SIGKILL, SIGSEGV, SIGSTOP, SignalInfo, SignalSet, alarm, code,
};
use crate::task::thread::Channel;
use crate::task::{self, scheduler};
use alloc::sync::Arc;
use alloc::vec::Vec;

const SIGSET_SIZE: usize = 8;

fn check_sigset_size(size: usize) -> Result<(), Errno> {
    if size == SIGSET_SIZE {
        Ok(())
    } else {
        Err(EINVAL)
    }
}

fn read_sigset(address: usize) -> Result<SignalSet, Errno> {
    read_user::<SIGSET_SIZE>(address).map(|bytes| SignalSet(u64::from_le_bytes(bytes)))
}

/// A signal number from a system call: 1 to 64 (0 where `zero_allowed`: "just check").
fn signal_number(value: usize, zero_allowed: bool) -> Result<u8, Errno> {
    match u8::try_from(value) {
        Ok(0) if zero_allowed => Ok(0),
        Ok(signal) if (1..=LAST).contains(&signal) => Ok(signal),
        _ => Err(EINVAL),
    }
}

/// Sends `signal` (0: none, only the checks) from user space.
fn send_from_user(target: &Process, signal: u8, info: SignalInfo) {
    if signal != 0 {
        signal::send(target, signal, info);
    }
}

/// kill(pid, signal): one process (pid > 0), the caller's process group (0), another group
/// (-group), or every process but init and the caller (-1).
pub fn kill(args: &Arguments) -> SyscallResult {
    let (pid, signal) = (args.i32(0), signal_number(args.usize(1), true)?);
    let me = task::current();
    let targets: Vec<Arc<Process>> = match pid {
        pid if pid > 0 => scheduler::find(pid as Pid).into_iter().collect(),
        0 => scheduler::process_group(me.state.lock().group),
        -1 => scheduler::processes()
            .into_iter()
            .filter(|p| p.pid != INIT_PID && p.pid != me.pid)
            .collect(),
        group => scheduler::process_group(group.unsigned_abs()),
    };
    if targets.is_empty() {
        return Err(ESRCH);
    }
    for target in &targets {
        send_from_user(target, signal, SignalInfo::from_process(code::USER, me.pid));
    }
    Ok(0)
}

/// tkill(tid, signal): one thread.
pub fn tkill(args: &Arguments) -> SyscallResult {
    send_to_thread(None, args.i32(0), args.usize(1))
}

/// tgkill(tgid, tid, signal): like tkill, and the thread must be in process `tgid`.
pub fn tgkill(args: &Arguments) -> SyscallResult {
    send_to_thread(Some(args.i32(0)), args.i32(1), args.usize(2))
}

fn send_to_thread(group: Option<i32>, tid: i32, signal: usize) -> SyscallResult {
    if tid <= 0 || group.is_some_and(|group| group <= 0) {
        return Err(EINVAL);
    }
    let signal = signal_number(signal, true)?;
    let target = scheduler::find_thread(tid as Pid)
        .filter(|thread| group.is_none_or(|group| group as Pid == thread.process.pid))
        .ok_or(ESRCH)?;
    if signal != 0 {
        let info = SignalInfo::from_process(code::TKILL, task::current().pid);
        signal::send_to_thread(&target, signal, info);
    }
    Ok(0)
}

/// The kernel's `struct sigaction`: handler, flags, restorer, mask.
const SIGACTION_SIZE: usize = 32;
const SIG_DFL: u64 = 0;
const SIG_IGN: u64 = 1;

fn decode_action(bytes: &[u8; SIGACTION_SIZE]) -> Action {
    let disposition = match word(bytes, 0) {
        SIG_DFL => Disposition::Default,
        SIG_IGN => Disposition::Ignore,
        handler => Disposition::Handler(handler as usize),
    };
    Action {
        disposition,
        flags: word(bytes, 1),
        restorer: word(bytes, 2) as usize,
        mask: SignalSet(word(bytes, 3)).blockable(),
    }
}

fn encode_action(action: &Action) -> [u8; SIGACTION_SIZE] {
    let handler = match action.disposition {
        Disposition::Default => SIG_DFL,
        Disposition::Ignore => SIG_IGN,
        Disposition::Handler(handler) => handler as u64,
    };
    let mut bytes = [0u8; SIGACTION_SIZE];
    put_words(
        &mut bytes,
        &[handler, action.flags, action.restorer as u64, action.mask.0],
    );
    bytes
}

/// rt_sigaction(signal, act, oldact, sigsetsize). SIGKILL's and SIGSTOP's cannot change.
/// As on Linux, the new action is read before the signal number is checked.
pub fn rt_sigaction(args: &Arguments) -> SyscallResult {
    check_sigset_size(args.usize(3))?;
    let (new, old) = (args.usize(1), args.usize(2));
    let new = match new {
        0 => None,
        address => Some(decode_action(&read_user(address)?)),
    };
    let signal = signal_number(args.usize(0), false)?;
    if new.is_some() && matches!(signal, SIGKILL | SIGSTOP) {
        return Err(EINVAL);
    }
    let thread = task::current_thread();
    let previous = thread.process.state.lock().dispositions.action(signal);
    if let Some(action) = new {
        signal::set_action(&thread, signal, action);
    }
    if old != 0 {
        write_user(old, &encode_action(&previous))?;
    }
    Ok(0)
}

/// rt_sigprocmask(how, set, oldset, sigsetsize).
pub fn rt_sigprocmask(args: &Arguments) -> SyscallResult {
    const SIG_BLOCK: usize = 0;
    const SIG_UNBLOCK: usize = 1;
    const SIG_SETMASK: usize = 2;
    check_sigset_size(args.usize(3))?;
    let (how, new, old) = (args.usize(0), args.usize(1), args.usize(2));
    let thread = task::current_thread();
    let previous = thread.state.lock().signals.blocked;
    if new != 0 {
        let set = read_sigset(new)?.blockable();
        let mut state = thread.state.lock();
        let blocked = &mut state.signals.blocked;
        *blocked = match how {
            SIG_BLOCK => blocked.union(set),
            SIG_UNBLOCK => blocked.without(set),
            SIG_SETMASK => set,
            _ => return Err(EINVAL),
        };
        // Signals it unblocked are delivered on the way out.
        thread.request_signal_check();
    }
    if old != 0 {
        write_user(old, &previous.0.to_le_bytes())?;
    }
    Ok(0)
}

/// rt_sigpending(set, sigsetsize): the blocked signals waiting.
pub fn rt_sigpending(args: &Arguments) -> SyscallResult {
    let size = args.usize(1);
    if size > SIGSET_SIZE {
        return Err(EINVAL);
    }
    let pending = {
        let thread = task::current_thread();
        let shared = thread.process.state.lock().pending.set();
        let signals = &thread.state.lock().signals;
        signals.pending.set().union(shared).0 & signals.blocked.0
    };
    write_user(args.usize(0), &pending.to_le_bytes()[..size])?;
    Ok(0)
}

/// rt_sigsuspend(mask, sigsetsize): sleeps with `mask` until a signal is acted on; the old
/// mask comes back once its handler has run.
pub fn rt_sigsuspend(args: &Arguments) -> SyscallResult {
    check_sigset_size(args.usize(1))?;
    let mask = read_sigset(args.usize(0))?.blockable();
    signal::mask_until_return(&task::current_thread(), mask);
    loop {
        let _masked = InterruptsMasked::new();
        if task::signal_pending() {
            return Err(ERESTARTNOHAND);
        }
        scheduler::sleep(Channel::Signal);
    }
}

/// rt_sigtimedwait(set, info, timeout, sigsetsize): takes a signal of `set` off the pending
/// set (waiting up to `timeout`, forever if NULL) and returns its number. EAGAIN when the
/// time is up, EINTR when another signal is acted on first.
pub fn rt_sigtimedwait(args: &Arguments) -> SyscallResult {
    check_sigset_size(args.usize(3))?;
    let set = read_sigset(args.usize(0))?.blockable();
    let info_address = args.usize(1);
    let deadline = match args.usize(2) {
        0 => None,
        timeout => Some(timer::now_nanos().saturating_add(read_timespec(timeout)?)),
    };
    let thread = task::current_thread();
    let taken = loop {
        let _masked = InterruptsMasked::new();
        if let Some(taken) = signal::take_pending(&thread, set) {
            break Ok(taken);
        }
        let shared = thread.process.state.lock().pending.set();
        let mut state = thread.state.lock();
        let signals = &mut state.signals;
        let timed_out = deadline.is_some_and(|deadline| timer::now_nanos() >= deadline);
        if signals.deliverable(shared).0 != 0 || timed_out {
            break Err(if timed_out { EAGAIN } else { EINTR });
        }
        signals.awaited = set;
        drop(state);
        scheduler::sleep(if deadline.is_some() {
            Channel::Tick
        } else {
            Channel::Signal
        });
        thread.state.lock().signals.awaited = SignalSet::default();
    };
    let (signal, info) = taken?;
    if info_address != 0 {
        write_user(info_address, &frame::siginfo(signal, &info))?;
    }
    Ok(usize::from(signal))
}

/// rt_sigreturn: back from a handler to where the signal interrupted, as the frame at the
/// stack pointer says. A frame that cannot be read or would leave user mode is a SIGSEGV.
pub fn rt_sigreturn(frame: &mut TrapFrame) -> SyscallResult {
    let restored = match signal::frame::pop(frame) {
        Ok(restored) => restored,
        Err(()) => {
            let sp = frame.sp_el0;
            task::raise_fault(
                frame,
                SIGSEGV,
                code::SEGV_MAPERR,
                sp,
                "bad signal frame",
                "rt_sigreturn",
            );
            return Ok(frame.x[0] as usize);
        }
    };
    let thread = task::current_thread();
    thread.request_signal_check();
    let mut state = thread.state.lock();
    let signals = &mut state.signals;
    signals.blocked = restored.mask.blockable();
    // As Linux's restore_altstack: a stack_t that does not apply is ignored.
    if let Ok(stack) = alternate_stack::decode(
        &restored.alternate_stack,
        signals.alternate_stack,
        frame.sp_el0 as usize,
    ) {
        signals.alternate_stack = stack;
    }
    Ok(frame.x[0] as usize)
}

/// sigaltstack(new, old).
pub fn sigaltstack(args: &Arguments, frame: &TrapFrame) -> SyscallResult {
    let (new, old) = (args.usize(0), args.usize(1));
    let sp = frame.sp_el0 as usize;
    let thread = task::current_thread();
    let current = thread.state.lock().signals.alternate_stack;
    if new != 0 {
        let stack = alternate_stack::decode(&read_user::<STACK_T_SIZE>(new)?, current, sp)?;
        thread.state.lock().signals.alternate_stack = stack;
    }
    if old != 0 {
        write_user(old, &alternate_stack::encode(current, sp))?;
    }
    Ok(0)
}

/// `struct itimerval`: it_interval, then it_value, each a `struct timeval`.
const ITIMERVAL_SIZE: usize = 32;
const NANOS_PER_MICRO: u64 = 1000;

/// setitimer's `which`.
#[derive(Clone, Copy)]
enum IntervalTimer {
    Real,
    Cpu(CpuTimerKind),
}

impl IntervalTimer {
    fn decode(which: usize) -> Result<Self, Errno> {
        match which {
            0 => Ok(Self::Real),
            1 => Ok(Self::Cpu(CpuTimerKind::Virtual)),
            2 => Ok(Self::Cpu(CpuTimerKind::Profiling)),
            _ => Err(EINVAL),
        }
    }

    /// The period and the time left, in nanoseconds (a running timer never shows zero left).
    fn read(self, state: &ProcessState) -> (u64, u64) {
        match self {
            Self::Real => {
                let timer = &state.real_timer;
                let left = timer.deadline.map_or(0, |deadline| {
                    deadline
                        .saturating_sub(timer::now_nanos())
                        .max(NANOS_PER_MICRO)
                });
                (timer.interval, left)
            }
            Self::Cpu(kind) => {
                let timer = &state.cpu_timers[kind as usize];
                (timer.interval, timer.left)
            }
        }
    }

    /// Arms the timer to expire after `value` (0: disarms), then every `interval`.
    fn arm(self, state: &mut ProcessState, interval: u64, value: u64) {
        match self {
            Self::Real => {
                let deadline = (value != 0).then(|| timer::now_nanos().saturating_add(value));
                state.real_timer = alarm::RealTimer { deadline, interval };
                if let Some(deadline) = deadline {
                    alarm::armed(deadline);
                }
            }
            Self::Cpu(kind) => {
                state.cpu_timers[kind as usize] = alarm::CpuTimer {
                    left: value,
                    interval,
                };
            }
        }
    }
}

/// `struct itimerval` from a period and the time left, in nanoseconds.
fn encode_timer((interval, left): (u64, u64)) -> [u8; ITIMERVAL_SIZE] {
    let [interval, left] = [interval, left].map(|nanos| nanos.div_ceil(NANOS_PER_MICRO));
    let mut bytes = [0u8; ITIMERVAL_SIZE];
    put_words(
        &mut bytes,
        &[
            interval / 1_000_000,
            interval % 1_000_000,
            left / 1_000_000,
            left % 1_000_000,
        ],
    );
    bytes
}

/// A `struct timeval` in nanoseconds, checked as setitimer checks it.
fn timeval_nanos(seconds: u64, micros: u64) -> Result<u64, Errno> {
    if seconds as i64 >= 0 && micros < 1_000_000 {
        Ok(seconds
            .saturating_mul(NANOS_PER_SECOND)
            .saturating_add(micros * NANOS_PER_MICRO))
    } else {
        Err(EINVAL)
    }
}

/// getitimer(which, value): ITIMER_REAL, ITIMER_VIRTUAL or ITIMER_PROF.
pub fn getitimer(args: &Arguments) -> SyscallResult {
    let which = IntervalTimer::decode(args.usize(0))?;
    let now = which.read(&task::current().state.lock());
    write_user(args.usize(1), &encode_timer(now))?;
    Ok(0)
}

/// setitimer(which, new, old): arms (or with a zero value, disarms) the timer; SIGALRM,
/// SIGVTALRM or SIGPROF when it expires, then every interval. A NULL `new` disarms, as Linux
/// allows.
pub fn setitimer(args: &Arguments) -> SyscallResult {
    let which = IntervalTimer::decode(args.usize(0))?;
    let (new, old) = (args.usize(1), args.usize(2));
    let request = match new {
        0 => [0u8; ITIMERVAL_SIZE],
        address => read_user::<ITIMERVAL_SIZE>(address)?,
    };
    let interval = timeval_nanos(word(&request, 0), word(&request, 1))?;
    let value = timeval_nanos(word(&request, 2), word(&request, 3))?;
    let process = task::current();
    let previous = {
        let mut state = process.state.lock();
        let previous = which.read(&state);
        which.arm(&mut state, interval, value);
        previous
    };
    if old != 0 {
        write_user(old, &encode_timer(previous))?;
    }
    Ok(0)
}
