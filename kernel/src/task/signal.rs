//! Signals, as far as this kernel has them: each one's default action, which ends the
//! process (SIGCHLD and the other "ignore" signals aside). There are no handlers.

use super::process::Process;
use super::scheduler;

pub const SIGILL: u8 = 4;
pub const SIGBUS: u8 = 7;
pub const SIGSEGV: u8 = 11;
pub const SIGPIPE: u8 = 13;
const SIGCHLD: u8 = 17;
const SIGCONT: u8 = 18;
const SIGURG: u8 = 23;
const SIGWINCH: u8 = 28;
/// Signal numbers run from 1 to this.
pub const LAST: u8 = 64;

/// Whether a signal's default action is to ignore it.
pub fn ignored_by_default(signal: u8) -> bool {
    matches!(signal, SIGCHLD | SIGCONT | SIGURG | SIGWINCH)
}

/// Delivers `signal` to `process`: it ends with that signal when it next heads for user
/// space; a sleeping process is woken to get there.
pub fn send(process: &Process, signal: u8) {
    if ignored_by_default(signal) {
        return;
    }
    {
        let mut state = process.state.lock();
        if state.pending_signal.is_none() {
            state.pending_signal = Some(signal);
        }
    }
    scheduler::interrupt(process);
}

/// Delivers `signal` to the running process.
pub fn raise_on_current(signal: u8) {
    if let Some(process) = scheduler::current() {
        send(&process, signal);
    }
}
