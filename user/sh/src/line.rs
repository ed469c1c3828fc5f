//! Reading a command line from a raw console: printable characters are echoed, backspace
//! and delete erase the last one, Enter (CR or LF) ends the line, Ctrl-C abandons it.

use rt::fd::STDIN;
use rt::sys::file::{ECHO, ICANON, ISIG, read, set_terminal_settings, terminal_settings};

/// Longest line, in bytes; one more is kept for the NUL after the last word.
pub const CAPACITY: usize = 256;

const BACKSPACE: u8 = 0x08;
const DELETE: u8 = 0x7f;
const CTRL_C: u8 = 0x03;

pub enum Line {
    /// A line of this many bytes, without its end.
    Complete(usize),
    /// Standard input ended (or failed) before a line did.
    EndOfInput,
}

/// Makes the terminal on standard input raw (no line editing, no echo, Ctrl-C a byte), as
/// the shell edits lines itself; nothing happens if standard input is no terminal.
pub fn take_raw_input() {
    if let Ok(mut settings) = terminal_settings(STDIN) {
        settings.local_flags &= !(ICANON | ECHO | ISIG);
        let _ = set_terminal_settings(STDIN, &settings);
    }
}

/// Reads one line into `buffer`, whose last byte stays free.
pub fn read_line(buffer: &mut [u8; CAPACITY]) -> Line {
    let mut len = 0;
    loop {
        let mut byte = [0u8];
        if read(STDIN, &mut byte) != Ok(1) {
            return Line::EndOfInput;
        }
        match byte[0] {
            b'\r' | b'\n' => {
                rt::print!("\n");
                return Line::Complete(len);
            }
            BACKSPACE | DELETE if len > 0 => {
                len -= 1;
                rt::print!("\x08 \x08");
            }
            CTRL_C => {
                rt::print!("^C\n");
                return Line::Complete(0);
            }
            printable @ b' '..=b'~' if len < CAPACITY - 1 => {
                buffer[len] = printable;
                len += 1;
                rt::print!("{}", printable as char);
            }
            _ => {}
        }
    }
}
