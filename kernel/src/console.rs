//! Kernel console output: `print!`/`println!` through the board's UART.

use crate::sync::IrqMutex;
use bsp_drivers::Console;
use core::fmt::{self, Write};

/// Serialises output; true while the last byte written ended a line.
static OUTPUT: IrqMutex<bool> = IrqMutex::new(true);

/// Writes straight to the UART, taking no lock: for oops and panic reports, which must
/// get out even if the lock holder is the code that failed.
pub struct EmergencyWriter;

impl EmergencyWriter {
    /// Sends `bytes`, turning each `\n` into the `\r\n` a terminal needs.
    fn write_raw(&mut self, bytes: &[u8]) {
        let Some(uart) = crate::board::console() else {
            return;
        };
        for &byte in bytes {
            if byte == b'\n' {
                uart.write_byte(b'\r');
            }
            uart.write_byte(byte);
        }
    }
}

impl Write for EmergencyWriter {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.write_raw(text.as_bytes());
        Ok(())
    }
}

/// Writes raw bytes (a user program's output).
pub fn write_bytes(bytes: &[u8]) {
    let mut at_line_start = OUTPUT.lock();
    EmergencyWriter.write_raw(bytes);
    if let Some(&last) = bytes.last() {
        *at_line_start = last == b'\n';
    }
}

/// Prints a kernel message, on a line of its own even if a program left one unfinished
/// (so the test harness can still read both).
#[doc(hidden)]
pub fn print_args(args: fmt::Arguments<'_>) {
    let mut at_line_start = OUTPUT.lock();
    if !*at_line_start {
        let _ = EmergencyWriter.write_str("\n");
    }
    let _ = EmergencyWriter.write_fmt(args);
    *at_line_start = true;
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => ($crate::console::print_args(format_args!($($arg)*)));
}

#[macro_export]
macro_rules! println {
    () => ($crate::print!("\n"));
    ($($arg:tt)*) => ($crate::console::print_args(format_args!("{}\n", format_args!($($arg)*))));
}
