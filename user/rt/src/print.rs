//! `print!`, `println!` and `eprintln!` over write(2) to fd 1 and 2.
//!
//! Each macro call formats into a stack buffer and writes it in as few calls as it can, so a
//! line from one process is not cut up by output from another.

use core::fmt;

use crate::fd::Fd;
use crate::sys::file::write_all;

struct BufferedWriter {
    fd: Fd,
    buffer: [u8; 256],
    len: usize,
}

impl BufferedWriter {
    fn flush(&mut self) {
        // Printing has nowhere to report its own failure.
        let _ = write_all(self.fd, &self.buffer[..self.len]);
        self.len = 0;
    }
}

impl fmt::Write for BufferedWriter {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for &byte in text.as_bytes() {
            if self.len == self.buffer.len() {
                self.flush();
            }
            self.buffer[self.len] = byte;
            self.len += 1;
        }
        Ok(())
    }
}

/// Formats `args` and writes the text to `fd`.
pub fn print_to(fd: Fd, args: fmt::Arguments<'_>) {
    let mut writer = BufferedWriter {
        fd,
        buffer: [0; 256],
        len: 0,
    };
    let _ = fmt::Write::write_fmt(&mut writer, args);
    writer.flush();
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::print::print_to($crate::fd::STDOUT, format_args!($($arg)*))
    };
}

#[macro_export]
macro_rules! println {
    () => {
        $crate::print!("\n")
    };
    ($($arg:tt)*) => {
        $crate::print::print_to($crate::fd::STDOUT, format_args!("{}\n", format_args!($($arg)*)))
    };
}

#[macro_export]
macro_rules! eprintln {
    ($($arg:tt)*) => {
        $crate::print::print_to($crate::fd::STDERR, format_args!("{}\n", format_args!($($arg)*)))
    };
}
