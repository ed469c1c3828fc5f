//! The console as a terminal: Linux's line discipline in small. Bytes from the UART interrupt
//! are edited into lines (ICANON), echoed (ECHO), turned into signals for the foreground
//! process group (ISIG: Ctrl-C, Ctrl-\), CR made NL (ICRNL), as termios says; the termios,
//! window size and foreground group are what the terminal ioctls read and set.

use super::termios::{self, Termios};
use crate::arch::aarch64::timer::{self, NANOS_PER_SECOND};
use crate::board;
use crate::console;
use crate::sync::{InterruptsMasked, IrqMutex};
use crate::task::process::Pid;
use crate::task::scheduler;
use crate::task::signal::{self, SIGINT, SIGQUIT, SIGTSTP, SignalInfo};
use crate::task::thread::Channel;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use bsp_drivers::Console;

/// Input kept while nobody reads, and the longest line being edited (Linux's N_TTY_BUF_SIZE);
/// more is dropped, as a full terminal buffer drops it.
const CAPACITY: usize = 4096;

struct Terminal {
    termios: Termios,
    /// The line being edited (canonical mode).
    line: Vec<u8>,
    /// Bytes a read may take.
    ready: VecDeque<u8>,
    /// Where, counted in `ready`, a canonical read must stop: after each line's end, and at an
    /// end of file (Ctrl-D), where a read at that point returns 0.
    breaks: VecDeque<usize>,
    /// The session whose controlling terminal this is (0: none yet).
    session: Pid,
    /// The process group the terminal's signals go to (TIOCSPGRP).
    foreground: Pid,
    /// rows, columns, x pixels, y pixels (TIOCGWINSZ, TIOCSWINSZ).
    window: [u16; 4],
}

static TERMINAL: IrqMutex<Terminal> = IrqMutex::new(Terminal {
    termios: termios::DEFAULT,
    line: Vec::new(),
    ready: VecDeque::new(),
    breaks: VecDeque::new(),
    session: 0,
    foreground: 0,
    window: [24, 80, 0, 0],
});

/// Starts taking console input by interrupt.
pub fn init() {
    if let Some(console) = board::console() {
        console.enable_receive_interrupt();
    }
}

/// From the UART interrupt: each received byte through the line discipline; readers woken.
pub fn on_receive() {
    let Some(console) = board::console() else {
        return;
    };
    let mut signals = Vec::new();
    let mut echo = Vec::new();
    {
        let mut terminal = TERMINAL.lock();
        while let Some(byte) = console.read_byte() {
            if let Some(signal) = terminal.receive(byte, &mut echo) {
                signals.push((signal, terminal.foreground));
            }
        }
    }
    console::write_bytes(&echo);
    for (signal, group) in signals {
        for process in scheduler::process_group(group) {
            signal::send(&process, signal, SignalInfo::from_kernel());
        }
    }
    scheduler::wake(Channel::Console);
}

impl Terminal {
    /// Takes one input byte; returns the signal it stands for, if any. What to echo is
    /// appended to `echo`.
    fn receive(&mut self, byte: u8, echo: &mut Vec<u8>) -> Option<u8> {
        let termios = self.termios;
        let byte = match byte {
            b'\r' if termios.iflag & termios::IGNCR != 0 => return None,
            b'\r' if termios.iflag & termios::ICRNL != 0 => b'\n',
            b'\n' if termios.iflag & termios::INLCR != 0 => b'\r',
            byte => byte,
        };
        let is = |index: usize| termios.cc[index] != 0 && termios.cc[index] == byte;
        if termios.lflag & termios::ISIG != 0 {
            let signal = if is(termios::VINTR) {
                Some(SIGINT)
            } else if is(termios::VQUIT) {
                Some(SIGQUIT)
            } else if is(termios::VSUSP) {
                Some(SIGTSTP)
            } else {
                None
            };
            if let Some(signal) = signal {
                if termios.lflag & termios::NOFLSH == 0 {
                    self.flush_input();
                }
                self.echo(byte, echo);
                return Some(signal);
            }
        }
        if termios.lflag & termios::ICANON == 0 {
            if self.ready.len() < CAPACITY {
                self.ready.push_back(byte);
                self.echo(byte, echo);
            }
            return None;
        }
        if is(termios::VERASE) || byte == 0x08 {
            if let Some(erased) = self.line.pop() {
                self.echo_erase(erased, echo);
            }
        } else if is(termios::VKILL) {
            while let Some(erased) = self.line.pop() {
                self.echo_erase(erased, echo);
            }
        } else if is(termios::VWERASE) && termios.lflag & termios::IEXTEN != 0 {
            while self.line.last() == Some(&b' ') {
                let erased = self.line.pop().expect("just seen");
                self.echo_erase(erased, echo);
            }
            while self.line.last().is_some_and(|&b| b != b' ') {
                let erased = self.line.pop().expect("just seen");
                self.echo_erase(erased, echo);
            }
        } else if is(termios::VEOF) {
            self.end_line();
        } else if byte == b'\n' || is(termios::VEOL) || is(termios::VEOL2) {
            self.line.push(byte);
            if termios.lflag & (termios::ECHO | termios::ECHONL) != 0 {
                echo.push(b'\n');
            }
            self.end_line();
        } else if self.line.len() < CAPACITY - 1 {
            self.line.push(byte);
            self.echo(byte, echo);
        }
        None
    }

    /// The line becomes readable, up to a break (an empty one reads as end of file).
    fn end_line(&mut self) {
        if self.ready.len() + self.line.len() > CAPACITY {
            self.line.clear();
            return;
        }
        self.ready.extend(self.line.drain(..));
        self.breaks.push_back(self.ready.len());
    }

    fn flush_input(&mut self) {
        self.line.clear();
        self.ready.clear();
        self.breaks.clear();
    }

    /// ECHO: a byte as typed, a control character as ^X under ECHOCTL.
    fn echo(&self, byte: u8, echo: &mut Vec<u8>) {
        let lflag = self.termios.lflag;
        if lflag & termios::ECHO == 0 {
            return;
        }
        if byte < 0x20 && byte != b'\t' && byte != b'\n' && lflag & termios::ECHOCTL != 0 {
            echo.extend_from_slice(&[b'^', byte + 0x40]);
        } else {
            echo.push(byte);
        }
    }

    /// ECHOE: the erased character disappears from the screen.
    fn echo_erase(&self, erased: u8, echo: &mut Vec<u8>) {
        let lflag = self.termios.lflag;
        if lflag & termios::ECHO == 0 || lflag & termios::ECHOE == 0 {
            return;
        }
        let width = if erased < 0x20 && lflag & termios::ECHOCTL != 0 {
            2
        } else {
            1
        };
        for _ in 0..width {
            echo.extend_from_slice(b"\x08 \x08");
        }
    }

    /// How many bytes a read of up to `max` may take now: in canonical mode up to the next
    /// break (`Some(0)` at an end of file), otherwise what is there once VMIN bytes are (at
    /// least one when VTIME's timer decides the rest).
    fn readable(&self, max: usize) -> Option<usize> {
        if self.termios.lflag & termios::ICANON != 0 {
            return self.breaks.front().map(|&end| end.min(max));
        }
        let mut minimum = usize::from(self.termios.cc[termios::VMIN]).min(max);
        if self.read_timeout().is_some() {
            minimum = minimum.max(1);
        }
        (self.ready.len() >= minimum).then(|| self.ready.len().min(max))
    }

    /// VTIME in nanoseconds, when set in non-canonical mode: with VMIN 0 how long a read
    /// waits for a first byte, otherwise how long after the last byte it waits for more.
    fn read_timeout(&self) -> Option<u64> {
        let tenths = self.termios.cc[termios::VTIME];
        (self.termios.lflag & termios::ICANON == 0 && tenths != 0)
            .then(|| u64::from(tenths) * NANOS_PER_SECOND / 10)
    }

    /// Removes `count` bytes from the front, moving the breaks with them.
    fn consume(&mut self, count: usize) -> Vec<u8> {
        let bytes: Vec<u8> = self.ready.drain(..count).collect();
        for end in self.breaks.iter_mut() {
            *end -= count;
        }
        if self.breaks.front() == Some(&0) {
            self.breaks.pop_front();
        }
        bytes
    }
}

/// Takes up to `max` bytes as the mode says, sleeping until they are there; `None` if a
/// signal ended the wait.
pub fn take(max: usize, interrupted: impl Fn() -> bool) -> Option<Vec<u8>> {
    // VTIME's timer: when it runs out, and how many bytes were there when it (re)started.
    let mut timer: Option<(u64, usize)> = None;
    loop {
        // Masked from the check to the sleep: no byte can arrive in between unnoticed.
        let _masked = InterruptsMasked::new();
        let timed = {
            let mut terminal = TERMINAL.lock();
            if let Some(count) = terminal.readable(max) {
                return Some(terminal.consume(count));
            }
            let waiting = terminal.ready.len();
            let first_byte_only = terminal.termios.cc[termios::VMIN] == 0;
            match terminal.read_timeout() {
                Some(timeout) if first_byte_only || waiting > 0 => {
                    let now = timer::now_nanos();
                    match timer {
                        Some((end, seen)) if seen == waiting => {
                            if now >= end {
                                return Some(terminal.consume(waiting.min(max)));
                            }
                        }
                        _ => timer = Some((now + timeout, waiting)),
                    }
                    true
                }
                _ => false,
            }
        };
        if interrupted() {
            return None;
        }
        // A timed read looks again on every tick; the others are woken by the next byte.
        scheduler::sleep(if timed {
            Channel::Tick
        } else {
            Channel::Console
        });
    }
}

/// Puts back bytes a reader could not deliver (its buffer faulted).
pub fn unread(bytes: &[u8]) {
    let mut terminal = TERMINAL.lock();
    for &byte in bytes.iter().rev() {
        terminal.ready.push_front(byte);
    }
    for end in terminal.breaks.iter_mut() {
        *end += bytes.len();
    }
}

/// Whether a read would find input without waiting (poll).
pub fn available() -> bool {
    TERMINAL.lock().readable(usize::MAX).is_some()
}

/// Bytes a read could take now (FIONREAD).
pub fn pending() -> usize {
    TERMINAL.lock().ready.len()
}

pub fn termios() -> Termios {
    TERMINAL.lock().termios
}

/// TCSETS: the new settings; `flush` (TCSETSF) drops unread input first. Input edited so far
/// becomes readable when canonical mode ends.
pub fn set_termios(new: Termios, flush: bool) {
    let mut terminal = TERMINAL.lock();
    if flush {
        terminal.flush_input();
    }
    if new.lflag & termios::ICANON == 0 && !terminal.line.is_empty() {
        let line = core::mem::take(&mut terminal.line);
        terminal.ready.extend(line);
    }
    terminal.termios = new;
    drop(terminal);
    scheduler::wake(Channel::Console);
}

/// TCFLSH with TCIFLUSH or TCIOFLUSH: unread input is dropped.
pub fn flush_input() {
    TERMINAL.lock().flush_input();
}

pub fn foreground() -> Pid {
    TERMINAL.lock().foreground
}

/// Makes the terminal the controlling terminal of `session`, whose leader's group becomes
/// the foreground group.
pub fn attach(session: Pid) {
    let mut terminal = TERMINAL.lock();
    terminal.session = session;
    terminal.foreground = session;
}

/// The controlling session and its foreground group.
pub fn owners() -> (Pid, Pid) {
    let terminal = TERMINAL.lock();
    (terminal.session, terminal.foreground)
}

pub fn set_foreground(group: Pid) {
    TERMINAL.lock().foreground = group;
}

pub fn window() -> [u16; 4] {
    TERMINAL.lock().window
}

pub fn set_window(window: [u16; 4]) {
    TERMINAL.lock().window = window;
}
