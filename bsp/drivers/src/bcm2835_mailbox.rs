//! The BCM2835 mailbox between the ARM and the VideoCore firmware, and the firmware's
//! property channel (Raspberry Pi firmware wiki, "Mailbox property interface").

use crate::DmaPage;
use core::ptr::{read_volatile, write_volatile};
use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_bitfields;
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, WriteOnly};

/// The property channel: the ARM asks, the VideoCore answers in the same buffer.
const PROPERTY_CHANNEL: u32 = 8;
const CHANNEL_MASK: u32 = 0xf;
/// The VideoCore reaches ARM memory through the bus alias that bypasses its L2 cache.
const BUS_ALIAS: usize = 0xc000_0000;
/// What the firmware writes over a request's code when it handled the whole buffer.
const RESPONSE_SUCCESS: u32 = 0x8000_0000;
/// A tag's code once the firmware answered it: this bit and the value's length.
const TAG_RESPONSE: u32 = 1 << 31;
/// GET_CLOCK_RATE: a clock's rate in Hz (firmware wiki, "Mailbox property interface", clocks).
const GET_CLOCK_RATE: u32 = 0x3_0002;
/// Polls of the mailbox before giving the firmware up (QEMU answers at once; the firmware
/// within microseconds).
const PATIENCE: u32 = 10_000_000;
const CACHE_LINE: usize = 64;

register_bitfields! {
    u32,
    /// A mailbox's status.
    STATUS [
        /// No room to write.
        FULL OFFSET(31) NUMBITS(1) [],
        /// Nothing to read.
        EMPTY OFFSET(30) NUMBITS(1) []
    ]
}

register_structs! {
    /// Mailbox 0 (VideoCore to ARM) and mailbox 1 (ARM to VideoCore).
    Registers {
        /// Mailbox 0's oldest message: channel in the low 4 bits, data above.
        (0x00 => read: ReadOnly<u32>),
        (0x04 => _reserved0),
        (0x18 => status0: ReadOnly<u32, STATUS::Register>),
        (0x1c => _reserved1),
        /// Mailbox 1's write port, the same layout as `read`.
        (0x20 => write: WriteOnly<u32>),
        (0x24 => _reserved2),
        (0x38 => status1: ReadOnly<u32, STATUS::Register>),
        (0x3c => @END),
    }
}

/// A clock the firmware sets, by its id in the property interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The base clock of the BCM2835/2837 EMMC controller (the Arasan SDHCI).
    Emmc = 1,
    /// The base clock of the BCM2711's EMMC2 controller, the Pi 4's SD card slot.
    Emmc2 = 12,
}

/// The mailbox, with a page to build property messages in.
pub struct Mailbox {
    registers: &'static Registers,
    buffer: DmaPage,
}

/// Why the firmware did not answer a property call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailboxError {
    /// No answer in time.
    Timeout,
    /// The firmware answered, but not with success for the whole buffer or for a tag.
    Refused,
}

impl Mailbox {
    /// # Safety
    /// `base` is the mailbox's registers, mapped as device memory, ours alone; `buffer` is a
    /// page of normal memory ours alone.
    pub unsafe fn new(base: usize, buffer: DmaPage) -> Self {
        Self {
            // SAFETY: as the caller promises.
            registers: unsafe { &*(base as *const Registers) },
            buffer,
        }
    }

    /// Sends `tags` (each: tag id, value buffer size, request code 0, then the value buffer)
    /// and returns the firmware's answer in place of them, after checking that the firmware
    /// answered the whole message and every tag.
    pub fn call(&mut self, tags: &mut [u32]) -> Result<(), MailboxError> {
        let words = tags.len() + 3;
        assert!(words * 4 <= 4096, "a property message fits its page");
        let message = self.buffer.virt as *mut u32;
        // SAFETY: the buffer page is ours; the firmware touches it only between the write to
        // the mailbox and its answer.
        unsafe {
            write_volatile(message, (words * 4) as u32);
            write_volatile(message.add(1), 0);
            for (index, word) in tags.iter().enumerate() {
                write_volatile(message.add(2 + index), *word);
            }
            write_volatile(message.add(words - 1), 0);
        }
        clean_and_invalidate(self.buffer.virt, words * 4);
        self.exchange((self.buffer.phys | BUS_ALIAS) as u32)?;
        clean_and_invalidate(self.buffer.virt, words * 4);
        // SAFETY: as above; the firmware has answered.
        unsafe {
            if read_volatile(message.add(1)) != RESPONSE_SUCCESS {
                return Err(MailboxError::Refused);
            }
            for (index, word) in tags.iter_mut().enumerate() {
                *word = read_volatile(message.add(2 + index));
            }
        }
        every_tag_answered(tags)
    }

    /// The rate the firmware runs `clock` at, in Hz.
    pub fn clock_rate(&mut self, clock: Clock) -> Result<u32, MailboxError> {
        let mut tags = [GET_CLOCK_RATE, 8, 0, clock as u32, 0];
        self.call(&mut tags)?;
        answered_rate(clock, tags)
    }

    /// Writes `address` to the property channel and waits for the firmware's answer.
    fn exchange(&self, address: u32) -> Result<(), MailboxError> {
        let wait_for = |ready: &dyn Fn() -> bool| {
            (0..PATIENCE)
                .any(|_| ready())
                .then_some(())
                .ok_or(MailboxError::Timeout)
        };
        wait_for(&|| !self.registers.status1.is_set(STATUS::FULL))?;
        self.registers.write.set(address | PROPERTY_CHANNEL);
        loop {
            wait_for(&|| !self.registers.status0.is_set(STATUS::EMPTY))?;
            // Answers on other channels are not ours to wait for.
            if self.registers.read.get() & CHANNEL_MASK == PROPERTY_CHANNEL {
                return Ok(());
            }
        }
    }
}

/// The rate in GET_CLOCK_RATE's answer, if it is `clock`'s.
fn answered_rate(clock: Clock, [_, _, _, id, rate]: [u32; 5]) -> Result<u32, MailboxError> {
    match rate {
        // A clock the firmware does not know comes back as rate 0.
        0 => Err(MailboxError::Refused),
        rate if id == clock as u32 => Ok(rate),
        _ => Err(MailboxError::Refused),
    }
}

/// Walks the answered tags: each must carry the response bit.
fn every_tag_answered(tags: &[u32]) -> Result<(), MailboxError> {
    let mut at = 0;
    while at + 3 <= tags.len() {
        let value_size = tags[at + 1] as usize;
        if tags[at + 2] & TAG_RESPONSE == 0 {
            return Err(MailboxError::Refused);
        }
        at += 3 + value_size.div_ceil(4);
    }
    Ok(())
}

/// Makes the buffer's bytes reach memory and forgets cached copies, as the VideoCore reads
/// and writes memory behind the ARM's caches.
fn clean_and_invalidate(start: usize, len: usize) {
    #[cfg(target_arch = "aarch64")]
    {
        let mut line = start & !(CACHE_LINE - 1);
        while line < start + len {
            // SAFETY: cache maintenance by address of memory we own changes no data.
            unsafe { core::arch::asm!("dc civac, {}", in(reg) line, options(nostack)) };
            line += CACHE_LINE;
        }
        // SAFETY: a barrier only.
        unsafe { core::arch::asm!("dsb sy", options(nostack)) };
    }
    #[cfg(not(target_arch = "aarch64"))]
    let _ = (start, len, CACHE_LINE);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_rate_is_taken_only_from_an_answer_about_that_clock() {
        let answer = |id, rate| [GET_CLOCK_RATE, 8, TAG_RESPONSE | 8, id, rate];
        assert_eq!(
            answered_rate(Clock::Emmc2, answer(12, 100_000_000)),
            Ok(100_000_000)
        );
        assert_eq!(
            answered_rate(Clock::Emmc2, answer(12, 0)),
            Err(MailboxError::Refused)
        );
        assert_eq!(
            answered_rate(Clock::Emmc, answer(12, 50_000_000)),
            Err(MailboxError::Refused)
        );
    }

    #[test]
    fn a_tag_without_the_response_bit_is_refused() {
        let answered = [
            0x4_0001,
            8,
            TAG_RESPONSE | 8,
            1,
            2,
            0x4_0008,
            4,
            TAG_RESPONSE | 4,
            3,
        ];
        assert_eq!(every_tag_answered(&answered), Ok(()));
        let mut unanswered = answered;
        unanswered[7] = 0;
        assert_eq!(every_tag_answered(&unanswered), Err(MailboxError::Refused));
    }
}
