//! Kernel console output: `print!`/`println!` through the board's UART.

use crate::sync::IrqMutex;
use bsp_drivers::Console;
use core::fmt::{self, Write};

/// Serialises whole `print!` calls so lines from interrupt handlers do not interleave.
static OUTPUT: IrqMutex<()> = IrqMutex::new(());

/// Writes straight to the UART, taking no lock: for oops and panic reports, which must
/// get out even if the lock holder is the code that failed.
pub struct EmergencyWriter;

impl Write for EmergencyWriter {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let Some(uart) = crate::board::console() else {
            return Ok(());
        };
        for byte in text.bytes() {
            if byte == b'\n' {
                uart.write_byte(b'\r');
            }
            uart.write_byte(byte);
        }
        Ok(())
    }
}

/// Writes raw bytes (a user program's output), translating `\n` to `\r\n`.
pub fn write_bytes(bytes: &[u8]) {
    let _serialised = OUTPUT.lock();
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

#[doc(hidden)]
pub fn print_args(args: fmt::Arguments<'_>) {
    let _serialised = OUTPUT.lock();
    let _ = EmergencyWriter.write_fmt(args);
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
