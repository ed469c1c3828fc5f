//! Linux signal numbers and names (the ones these programs send, expect or report).

pub type Signal = i32;

pub const SIGKILL: Signal = 9;
pub const SIGUSR1: Signal = 10;
pub const SIGSEGV: Signal = 11;
pub const SIGUSR2: Signal = 12;
pub const SIGPIPE: Signal = 13;
pub const SIGALRM: Signal = 14;
pub const SIGCHLD: Signal = 17;

/// The name of every standard Linux signal, for messages.
pub fn name(signal: Signal) -> Option<&'static str> {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    let index = usize::try_from(signal).ok()?.checked_sub(1)?;
    NAMES.get(index).copied()
}
