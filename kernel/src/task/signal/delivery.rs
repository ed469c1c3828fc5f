//! Acting on pending signals on the way back to user space: default actions, handlers (a
//! frame pushed on the user stack) and what becomes of a system call a signal interrupted.

use super::frame::{self, Delivery};
use super::job_control;
use super::{
    Action, DefaultAction, Disposition, SIGKILL, SIGSEGV, SignalInfo, SignalSet, default_action,
    flags,
};
use crate::arch::aarch64::trap_frame::TrapFrame;
use crate::errno::{ERESTARTNOHAND, ERESTARTSYS, Errno};
use crate::task::process::{Ending, INIT_PID, WaitStatus};
use crate::task::thread::Thread;

/// When a system call a signal interrupted starts over instead of failing with EINTR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// Blocking I/O and wait4 (ERESTARTSYS): unless a handler without SA_RESTART runs.
    UnlessHandlerWithoutSaRestart,
    /// rt_sigsuspend (ERESTARTNOHAND): only if no handler runs.
    UnlessHandler,
}

/// How the running thread leaves, as its signals decided: carried out by the caller once it
/// holds no reference to the thread. Exits never return, so a reference still held in a
/// caller's frame would never be dropped, and the thread and its kernel stack would leak.
#[must_use]
pub enum Departure {
    /// The thread alone ends (its process is ending, or execve is ending the others).
    Thread(WaitStatus),
    /// The whole process ends (a fatal signal).
    Process(WaitStatus),
}

impl Departure {
    pub fn carry_out(self) -> ! {
        match self {
            Departure::Thread(status) => crate::task::exit_thread(status),
            Departure::Process(status) => crate::task::exit_group(status),
        }
    }
}

/// A system call that ended because a signal arrived: x0 already says EINTR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupted {
    /// The first argument, which x0 held before the result replaced it.
    pub original_x0: u64,
    pub restart: Restart,
}

impl Interrupted {
    /// For a system call's result: `Some` if it is one of the kernel's restart codes.
    pub fn from_result(error: Errno, original_x0: u64) -> Option<Self> {
        let restart = match error {
            ERESTARTSYS => Restart::UnlessHandlerWithoutSaRestart,
            ERESTARTNOHAND => Restart::UnlessHandler,
            _ => return None,
        };
        Some(Self {
            original_x0,
            restart,
        })
    }

    /// Settles the call before a handler with `action` runs (`None`: no handler ran):
    /// either back to the `svc` with its first argument, or left failing with EINTR.
    fn settle(self, frame: &mut TrapFrame, action: Option<&Action>) {
        let restart = match (self.restart, action) {
            (_, None) => true,
            (Restart::UnlessHandler, Some(_)) => false,
            (Restart::UnlessHandlerWithoutSaRestart, Some(action)) => {
                action.flags & flags::RESTART != 0
            }
        };
        if restart {
            frame.x[0] = self.original_x0;
            frame.elr -= 4;
        }
    }
}

/// The next signal `thread` can take now, taken off its pending set, with its info and
/// action.
fn take_next(thread: &Thread) -> Option<(u8, SignalInfo, Action)> {
    let unblocked = SignalSet::ALL.without(thread.state.lock().signals.blocked);
    let (signal, info) = super::take_pending(thread, unblocked)?;
    let action = thread.process.state.lock().dispositions.action(signal);
    Some((signal, info, action))
}

/// Acts on every signal the running `thread` can take now: handlers get a frame each (the
/// last one pushed runs first); a fatal signal, or the process ending as a whole, is the
/// departure returned.
#[inline]
pub fn deliver_pending(
    thread: &Thread,
    frame: &mut TrapFrame,
    interrupted: Option<Interrupted>,
) -> Option<Departure> {
    // Nothing sent and no mask changed since the last look: nothing to act on (a call a
    // signal interrupted is settled all the same).
    let requested = thread.take_signal_check();
    if !requested && interrupted.is_none() {
        return None;
    }
    deliver(thread, frame, interrupted)
}

/// [`deliver_pending`] once there may be something to deliver: out of line, so the common
/// return to user space does not pay for its stack frame.
#[inline(never)]
fn deliver(
    thread: &Thread,
    frame: &mut TrapFrame,
    mut interrupted: Option<Interrupted>,
) -> Option<Departure> {
    loop {
        job_control::wait_while_stopped(thread);
        let ending = thread.process.state.lock().ending;
        match ending {
            Some(Ending::Process(status)) => return Some(Departure::Thread(status)),
            Some(Ending::AllBut(survivor)) if survivor != thread.tid => {
                return Some(Departure::Thread(WaitStatus::Signaled(SIGKILL)));
            }
            _ => {}
        }
        let Some((signal, info, action)) = take_next(thread) else {
            break;
        };
        let handler = match action.disposition {
            Disposition::Handler(handler) => handler,
            Disposition::Ignore => continue,
            // Init dies of no signal it has not asked for, SIGKILL included, as on Linux.
            Disposition::Default => match default_action(signal) {
                DefaultAction::Terminate if thread.process.pid != INIT_PID => {
                    return Some(Departure::Process(WaitStatus::Signaled(signal)));
                }
                DefaultAction::Stop if thread.process.pid != INIT_PID => {
                    if job_control::takes_effect(thread, signal) {
                        job_control::stop(thread, signal);
                    }
                    continue;
                }
                _ => continue,
            },
        };
        if let Some(call) = interrupted.take() {
            call.settle(frame, Some(&action));
        }
        let (mask, alternate_stack) = {
            let state = thread.state.lock();
            let signals = &state.signals;
            (
                signals.saved_mask.unwrap_or(signals.blocked),
                signals.alternate_stack,
            )
        };
        let delivery = Delivery {
            signal,
            info: &info,
            action: &action,
            mask,
            alternate_stack,
        };
        let stack_pointer = frame.sp_el0;
        if frame::push(frame, handler, &delivery).is_err() {
            // As Linux's force_sigsegv: a thread whose stack cannot take a frame kills its
            // process.
            crate::println!(
                "signal: pid={} cannot push the frame for signal {signal} (sp={stack_pointer:#x})",
                thread.process.pid
            );
            return Some(Departure::Process(WaitStatus::Signaled(SIGSEGV)));
        }
        if action.flags & flags::RESETHAND != 0 {
            super::set_action(thread, signal, Action::DEFAULT);
        }
        let mut state = thread.state.lock();
        let signals = &mut state.signals;
        signals.saved_mask = None;
        let own = if action.flags & flags::NODEFER != 0 {
            SignalSet::default()
        } else {
            SignalSet::of(signal)
        };
        signals.blocked = signals.blocked.union(action.mask).union(own).blockable();
        let moved_to_alternate_stack = alternate_stack.is_some_and(|stack| {
            stack.contains(frame.sp_el0 as usize) && !stack.contains(stack_pointer as usize)
        });
        if moved_to_alternate_stack && alternate_stack.is_some_and(|stack| stack.auto_disarm) {
            signals.alternate_stack = None;
        }
    }
    if let Some(call) = interrupted {
        call.settle(frame, None);
    }
    let mut state = thread.state.lock();
    if let Some(mask) = state.signals.saved_mask.take() {
        state.signals.blocked = mask;
        // What the old mask unblocks is for the next way out.
        thread.request_signal_check();
    }
    None
}
