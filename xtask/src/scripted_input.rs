//! Console input from a script rather than a person, held back until the kernel can receive it.
//!
//! When the kernel sets up its PL011 it switches the receive FIFO on, and a PL011 (QEMU's too)
//! empties its FIFO when that switch changes: what a script wrote at once, before the kernel had
//! booted, would be lost. A person types after the boot messages, so a terminal is left to QEMU.

use std::io::{self, IsTerminal};
use std::process::{ChildStdin, Command, Stdio};
use std::thread;

/// This program's input, on its way to QEMU's.
pub struct ScriptedInput {
    /// QEMU's input, until the script's input is released into it.
    held: Option<ChildStdin>,
}

impl ScriptedInput {
    /// Sets `qemu` up to receive its input through a [`ScriptedInput`] if this program's input is
    /// not a terminal.
    pub fn intercept(qemu: &mut Command) {
        if !io::stdin().is_terminal() {
            qemu.stdin(Stdio::piped());
        }
    }

    /// Holds the script's input back from `qemu_input` (none when QEMU reads the terminal).
    pub fn new(qemu_input: Option<ChildStdin>) -> Self {
        Self { held: qemu_input }
    }

    /// Passes the script's input on from now on, and closes QEMU's input where the script's ends.
    pub fn release(&mut self) {
        if let Some(mut qemu_input) = self.held.take() {
            // QEMU exiting first only ends the copy early, which is no error to report.
            thread::spawn(move || io::copy(&mut io::stdin(), &mut qemu_input));
        }
    }
}
