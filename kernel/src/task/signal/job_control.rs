//! Job control: a stop signal whose action is the default stops the whole process until
//! SIGCONT (or SIGKILL) comes, and its parent hears of both, through SIGCHLD (CLD_STOPPED,
//! CLD_CONTINUED, unless it asked for SA_NOCLDSTOP) and wait4 (WUNTRACED, WCONTINUED).

use super::{DefaultAction, SIGCHLD, SIGCONT, SignalInfo, code, default_action};
use crate::sync::InterruptsMasked;
use crate::task::process::{Process, StopReport};
use crate::task::scheduler;
use crate::task::thread::{Channel, Thread};

/// SA_NOCLDSTOP: the parent wants no SIGCHLD for stops and continues.
const NO_CHILD_STOP: u64 = 1;

/// Whether `signal`'s default action stops (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU).
pub fn stops(signal: u8) -> bool {
    default_action(signal) == DefaultAction::Stop
}

/// The running `thread` took `signal`, a stop signal at its default: its process stops, the
/// parent is told, and the other threads stop on their way to user space.
pub fn stop(thread: &Thread, signal: u8) {
    let process = &thread.process;
    let newly = {
        let mut state = process.state.lock();
        let newly = !state.stopped;
        state.stopped = true;
        state.stop_report = Some(StopReport::Stopped(signal));
        newly
    };
    if !newly {
        return;
    }
    tell_parent(process, code::CLD_STOPPED, signal);
    for other in scheduler::threads_of(process) {
        if other.tid != thread.tid {
            other.request_signal_check();
            scheduler::interrupt(&other);
        }
    }
}

/// Sleeps while `thread`'s process is stopped (and not ending).
pub fn wait_while_stopped(thread: &Thread) {
    let process = &thread.process;
    loop {
        let _masked = InterruptsMasked::new();
        {
            let state = process.state.lock();
            if !state.stopped || state.ending.is_some() {
                return;
            }
        }
        scheduler::sleep(Channel::Continued(process.pid));
    }
}

/// SIGCONT (reported to the parent) or SIGKILL (not) was sent to `process`: a stopped
/// process goes on, and stop signals still pending are dropped.
pub fn resume(process: &Process, signal: u8) {
    let was_stopped = {
        let mut state = process.state.lock();
        let pending = state.pending.set();
        for stop_signal in (1..=64).filter(|&s| pending.contains(s) && stops(s)) {
            state.pending.take(stop_signal);
        }
        let was_stopped = core::mem::replace(&mut state.stopped, false);
        if was_stopped && signal == SIGCONT {
            state.stop_report = Some(StopReport::Continued);
        }
        was_stopped
    };
    if was_stopped {
        if signal == SIGCONT {
            tell_parent(process, code::CLD_CONTINUED, SIGCONT);
        }
        scheduler::wake(Channel::Continued(process.pid));
    }
}

/// SIGCHLD to the parent with `child_code`, unless it asked not to hear of stops; its wait4
/// is woken either way.
fn tell_parent(process: &Process, child_code: i32, signal: u8) {
    let parent_pid = process.state.lock().parent;
    if let Some(parent) = scheduler::find(parent_pid) {
        let action = parent.state.lock().dispositions.action(SIGCHLD);
        if action.flags & NO_CHILD_STOP == 0 {
            let info = SignalInfo {
                status: i32::from(signal),
                ..SignalInfo::from_process(child_code, process.pid)
            };
            super::send(&parent, SIGCHLD, info);
        }
    }
    scheduler::wake(Channel::ChildOf(parent_pid));
}
