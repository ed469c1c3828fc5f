//! Console input: bytes the UART interrupt received, waiting for a `read` of the console.

use crate::board;
use crate::sync::{InterruptsMasked, IrqMutex};
use crate::task::scheduler;
use crate::task::thread::Channel;
use alloc::collections::VecDeque;
use bsp_drivers::Console;

/// Input kept while nobody reads; more is dropped, as a full terminal buffer would.
const CAPACITY: usize = 4096;

static INPUT: IrqMutex<VecDeque<u8>> = IrqMutex::new(VecDeque::new());

/// Starts taking console input by interrupt.
pub fn init() {
    if let Some(console) = board::console() {
        console.enable_receive_interrupt();
    }
}

/// From the UART interrupt: move received bytes into the queue, wake readers.
pub fn on_receive() {
    let Some(console) = board::console() else {
        return;
    };
    {
        let mut input = INPUT.lock();
        while let Some(byte) = console.read_byte() {
            if input.len() < CAPACITY {
                input.push_back(byte);
            }
        }
    }
    scheduler::wake(Channel::Console);
}

/// Takes up to `max` bytes, sleeping until at least one is there; `None` if the wait
/// was interrupted by a signal.
pub fn take(max: usize, interrupted: impl Fn() -> bool) -> Option<alloc::vec::Vec<u8>> {
    loop {
        // Masked from the check to the sleep: no byte can arrive in between unnoticed.
        let _masked = InterruptsMasked::new();
        {
            let mut input = INPUT.lock();
            if !input.is_empty() {
                let count = max.min(input.len());
                return Some(input.drain(..count).collect());
            }
        }
        if interrupted() {
            return None;
        }
        scheduler::sleep(Channel::Console);
    }
}

/// Whether a read would find input without waiting (poll).
pub fn available() -> bool {
    !INPUT.lock().is_empty()
}

/// Puts back bytes a reader could not deliver (its buffer faulted).
pub fn unread(bytes: &[u8]) {
    let mut input = INPUT.lock();
    for &byte in bytes.iter().rev() {
        input.push_front(byte);
    }
}
