//! The chainloader's end of the serial line: the board's PL011, with timeouts counted by the
//! generic timer.

use aarch64_cpu::registers::{CNTFRQ_EL0, CNTPCT_EL0, Readable};
use bsp_drivers::Console;
use bsp_drivers::pl011::Pl011;
use chainloader_protocol::Line;

pub struct SerialLine {
    uart: Pl011,
    counter_ticks_per_ms: u64,
}

impl SerialLine {
    pub fn new(uart: Pl011) -> Self {
        Self {
            uart,
            // The firmware (or QEMU) sets the counter frequency; only EL3 could.
            counter_ticks_per_ms: CNTFRQ_EL0.get() / 1000,
        }
    }

    /// Waits until everything written has left the UART: the kernel resets it first thing.
    pub fn flush(&self) {
        self.uart.flush();
    }
}

impl Line for SerialLine {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.uart.write_byte(byte);
        }
    }

    fn read(&mut self, timeout_ms: u32) -> Option<u8> {
        let deadline = CNTPCT_EL0.get() + self.counter_ticks_per_ms * u64::from(timeout_ms);
        loop {
            if let Some(byte) = self.uart.read_byte() {
                return Some(byte);
            }
            if CNTPCT_EL0.get() >= deadline {
                return None;
            }
        }
    }
}
