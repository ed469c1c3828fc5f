//! Job control: a stop signal whose action is the default stops the whole process until
//! SIGCONT (or SIGKILL) comes, and its parent hears of both, through SIGCHLD (CLD_STOPPED,
//! CLD_CONTINUED, unless it asked for SA_NOCLDSTOP) and wait4 (WUNTRACED, WCONTINUED).
//! A background process that uses the terminal is sent SIGTTIN or SIGTTOU, and an orphaned
//! process group, which no shell would ever continue, is not stopped by the terminal's signals.

use super::{
    DefaultAction, SIGCHLD, SIGCONT, SIGSTOP, SIGTTIN, SIGTTOU, SignalInfo, code, default_action,
};
use crate::errno::{EIO, ERESTARTSYS, Errno};
use crate::fs::termios::TOSTOP;
use crate::fs::tty;
use crate::sync::InterruptsMasked;
use crate::task::process::{Pid, Process, StopReport};
use crate::task::thread::{Channel, Thread};
use crate::task::{current_thread, scheduler};

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

/// Whether `signal`, at its default action and taken by `thread`, stops it: SIGSTOP always, the
/// terminal's stop signals only outside an orphaned process group (as on Linux).
pub fn takes_effect(thread: &Thread, signal: u8) -> bool {
    let group = thread.process.state.lock().group;
    signal == SIGSTOP || !is_orphaned(group)
}

/// Whether no member of `group` has a parent in another group of the same session: nobody
/// left to continue the group if it stopped.
pub fn is_orphaned(group: Pid) -> bool {
    !scheduler::process_group(group).iter().any(|member| {
        let (parent, session) = {
            let state = member.state.lock();
            (state.parent, state.session)
        };
        scheduler::find(parent).is_some_and(|parent| {
            let state = parent.state.lock();
            state.group != group && state.session == session
        })
    })
}

/// How a process means to use its controlling terminal.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TerminalUse {
    Read,
    Write,
    /// Changing its settings (TCSETS*, TCFLSH, TIOCSPGRP, TIOCSWINSZ).
    Configure,
}

/// Linux's check of a process outside the terminal's foreground group: reading stops its group
/// with SIGTTIN; writing (only with TOSTOP) and configuring with SIGTTOU. The call is then
/// restarted once the group is continued. A signal that would not stop (ignored or blocked)
/// lets writes and changes through and fails reads with EIO, as does an orphaned group.
pub fn check_terminal_use(usage: TerminalUse) -> Result<(), Errno> {
    let thread = current_thread();
    let (group, session) = {
        let state = thread.process.state.lock();
        (state.group, state.session)
    };
    let (terminal_session, foreground) = tty::owners();
    if session != terminal_session || group == foreground || foreground == 0 {
        return Ok(());
    }
    if usage == TerminalUse::Write && tty::termios().lflag & TOSTOP == 0 {
        return Ok(());
    }
    let signal = if usage == TerminalUse::Read {
        SIGTTIN
    } else {
        SIGTTOU
    };
    let ignored = thread.process.state.lock().dispositions.ignores(signal);
    if ignored || thread.state.lock().signals.blocked.contains(signal) {
        return if usage == TerminalUse::Read {
            Err(EIO)
        } else {
            Ok(())
        };
    }
    if is_orphaned(group) {
        return Err(EIO);
    }
    for member in scheduler::process_group(group) {
        super::send(&member, signal, SignalInfo::from_kernel());
    }
    Err(ERESTARTSYS)
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
