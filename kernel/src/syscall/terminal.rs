//! The console's terminal ioctls: termios (TCGETS, TCSETS*), flushing, the foreground process
//! group (TIOCGPGRP, TIOCSPGRP), the window size, and what is waiting to be read.

use super::{Arguments, SyscallResult, read_user, write_user};
use crate::errno::{EINVAL, ENOTTY, EPERM, ESRCH};
use crate::fs::termios::{self, Termios};
use crate::fs::tty;
use crate::task::process::Pid;
use crate::task::signal::job_control::{self, TerminalUse};
use crate::task::{self, scheduler};
use crate::uaccess::{UserPtr, get_user, put_user};

const TCGETS: usize = 0x5401;
const TCSETS: usize = 0x5402;
const TCSETSW: usize = 0x5403;
const TCSETSF: usize = 0x5404;
const TCSBRK: usize = 0x5409;
const TCXONC: usize = 0x540a;
const TCFLSH: usize = 0x540b;
const TIOCSCTTY: usize = 0x540e;
const TIOCGPGRP: usize = 0x540f;
const TIOCSPGRP: usize = 0x5410;
const TIOCOUTQ: usize = 0x5411;
const TIOCGWINSZ: usize = 0x5413;
const TIOCSWINSZ: usize = 0x5414;
const FIONREAD: usize = 0x541b;
const TIOCNOTTY: usize = 0x5422;
const TIOCGSID: usize = 0x5429;

/// One console ioctl; ENOTTY for requests a terminal does not take.
pub fn ioctl(args: &Arguments) -> SyscallResult {
    let argument = args.usize(2);
    let request = args.usize(1);
    if matches!(
        request,
        TCSETS | TCSETSW | TCSETSF | TCFLSH | TIOCSPGRP | TIOCSWINSZ
    ) {
        job_control::check_terminal_use(TerminalUse::Configure)?;
    }
    match request {
        TCGETS => write_user(argument, &tty::termios().to_bytes()).map(|()| 0),
        request @ (TCSETS | TCSETSW | TCSETSF) => {
            let bytes = read_user::<{ termios::SIZE }>(argument)?;
            tty::set_termios(Termios::from_bytes(&bytes), request == TCSETSF);
            Ok(0)
        }
        // Output is written as it comes: there is never any to wait for or to flush.
        TCSBRK | TCXONC | TIOCSCTTY | TIOCNOTTY => Ok(0),
        TCFLSH => match argument {
            0 | 2 => {
                tty::flush_input();
                Ok(0)
            }
            1 => Ok(0),
            _ => Err(EINVAL),
        },
        TIOCGPGRP => put_pid(argument, tty::foreground()),
        TIOCSPGRP => set_foreground(get_user(UserPtr::<i32>::new(argument))?),
        TIOCGSID => {
            let session = task::current().state.lock().session;
            put_pid(argument, session)
        }
        TIOCGWINSZ => {
            let bytes: [u8; 8] = window_bytes(tty::window());
            write_user(argument, &bytes).map(|()| 0)
        }
        TIOCSWINSZ => {
            let bytes = read_user::<8>(argument)?;
            let field = |i: usize| u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]]);
            tty::set_window([field(0), field(1), field(2), field(3)]);
            Ok(0)
        }
        FIONREAD => put_pid(argument, tty::pending() as Pid),
        TIOCOUTQ => put_pid(argument, 0),
        _ => Err(ENOTTY),
    }
}

fn put_pid(address: usize, value: Pid) -> SyscallResult {
    put_user(UserPtr::<i32>::new(address), value as i32)?;
    Ok(0)
}

/// `struct winsize`: rows, columns, x pixels, y pixels.
fn window_bytes(window: [u16; 4]) -> [u8; 8] {
    let mut bytes = [0u8; 8];
    for (index, value) in window.into_iter().enumerate() {
        bytes[2 * index..2 * index + 2].copy_from_slice(&value.to_le_bytes());
    }
    bytes
}

/// TIOCSPGRP: the group must exist (ESRCH), in the caller's session (EPERM).
fn set_foreground(group: i32) -> SyscallResult {
    let group = Pid::try_from(group).map_err(|_| EINVAL)?;
    let session = task::current().state.lock().session;
    let members = scheduler::process_group(group);
    if members.is_empty() {
        return Err(ESRCH);
    }
    if !members
        .iter()
        .any(|process| process.state.lock().session == session)
    {
        return Err(EPERM);
    }
    tty::set_foreground(group);
    Ok(0)
}
