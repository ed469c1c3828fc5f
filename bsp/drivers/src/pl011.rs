//! ARM PrimeCell PL011 UART (ARM DDI 0183), polled transmit and receive.

use crate::Console;
use tock_registers::interfaces::{ReadWriteable, Readable, Writeable};
use tock_registers::register_bitfields;
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite, WriteOnly};

register_bitfields! {
    u32,
    /// Data register (UARTDR).
    DR [
        /// Received or transmitted character.
        DATA OFFSET(0) NUMBITS(8) []
    ],
    /// Flag register (UARTFR).
    FR [
        /// Transmit FIFO full: no room for another byte.
        TXFF OFFSET(5) NUMBITS(1) [],
        /// Receive FIFO empty: nothing to read.
        RXFE OFFSET(4) NUMBITS(1) [],
        /// UART busy transmitting (set until the shift register is empty).
        BUSY OFFSET(3) NUMBITS(1) []
    ],
    /// Integer baud rate divisor (UARTIBRD).
    IBRD [
        BAUD_DIVINT OFFSET(0) NUMBITS(16) []
    ],
    /// Fractional baud rate divisor (UARTFBRD), in 64ths.
    FBRD [
        BAUD_DIVFRAC OFFSET(0) NUMBITS(6) []
    ],
    /// Line control (UARTLCR_H). Writing it latches IBRD/FBRD.
    LCR_H [
        /// Word length.
        WLEN OFFSET(5) NUMBITS(2) [
            EightBit = 0b11
        ],
        /// FIFOs enabled.
        FEN OFFSET(4) NUMBITS(1) []
    ],
    /// Control register (UARTCR).
    CR [
        /// Receive enable.
        RXE OFFSET(9) NUMBITS(1) [],
        /// Transmit enable.
        TXE OFFSET(8) NUMBITS(1) [],
        /// UART enable.
        UARTEN OFFSET(0) NUMBITS(1) []
    ],
    /// Interrupt mask set/clear (UARTIMSC): 1 enables the interrupt.
    IMSC [
        /// Receive timeout: data waits in the FIFO below the trigger level.
        RTIM OFFSET(6) NUMBITS(1) [],
        /// Receive: the FIFO reached its trigger level.
        RXIM OFFSET(4) NUMBITS(1) []
    ],
    /// Interrupt clear (UARTICR): write 1s to clear.
    ICR [
        ALL OFFSET(0) NUMBITS(11) []
    ]
}

register_structs! {
    Registers {
        (0x00 => dr: ReadWrite<u32, DR::Register>),
        (0x04 => _reserved0),
        (0x18 => fr: ReadOnly<u32, FR::Register>),
        (0x1c => _reserved1),
        (0x24 => ibrd: WriteOnly<u32, IBRD::Register>),
        (0x28 => fbrd: WriteOnly<u32, FBRD::Register>),
        (0x2c => lcr_h: WriteOnly<u32, LCR_H::Register>),
        (0x30 => cr: WriteOnly<u32, CR::Register>),
        (0x34 => _reserved2),
        (0x38 => imsc: ReadWrite<u32, IMSC::Register>),
        (0x3c => _reserved3),
        (0x44 => icr: WriteOnly<u32, ICR::Register>),
        (0x48 => @END),
    }
}

/// Baud rate divisor for `clock_hz` and `baud` as (integer, fractional in 64ths), rounded.
pub const fn baud_divisors(clock_hz: u32, baud: u32) -> (u32, u32) {
    // divisor = clock / (16 * baud); work in 64ths of the divisor and round to nearest.
    let sixty_fourths = (clock_hz as u64 * 4 + baud as u64 / 2) / baud as u64;
    ((sixty_fourths >> 6) as u32, (sixty_fourths & 63) as u32)
}

/// A PL011 at a mapped address.
pub struct Pl011 {
    registers: *const Registers,
}

// SAFETY: the driver holds only the register address; each access is a single MMIO
// register read or write, which the device serialises.
unsafe impl Sync for Pl011 {}
// SAFETY: as above; the address is valid from any core.
unsafe impl Send for Pl011 {}

impl Pl011 {
    /// Takes over the UART at `base` and programs 8N1 at `baud` from a `clock_hz` reference clock.
    ///
    /// # Safety
    /// `base` must be the mapped register block of a PL011 that nothing else drives.
    pub unsafe fn new(base: usize, clock_hz: u32, baud: u32) -> Self {
        let uart = Self {
            registers: base as *const Registers,
        };
        uart.configure(clock_hz, baud);
        uart
    }

    /// Takes over a UART the firmware already configured, keeping its baud rate.
    ///
    /// # Safety
    /// As for [`new`](Self::new).
    pub unsafe fn keep_configuration(base: usize) -> Self {
        let uart = Self {
            registers: base as *const Registers,
        };
        uart.regs()
            .cr
            .write(CR::UARTEN::SET + CR::TXE::SET + CR::RXE::SET);
        uart
    }

    /// Waits until every byte written has left the transmitter.
    pub fn flush(&self) {
        while self.regs().fr.is_set(FR::BUSY) {}
    }

    fn regs(&self) -> &Registers {
        // SAFETY: `new`'s contract keeps the register block mapped and ours.
        unsafe { &*self.registers }
    }

    fn configure(&self, clock_hz: u32, baud: u32) {
        let regs = self.regs();
        regs.cr.set(0);
        while regs.fr.is_set(FR::BUSY) {}
        regs.icr.write(ICR::ALL::SET);
        let (integer, fraction) = baud_divisors(clock_hz, baud);
        regs.ibrd.write(IBRD::BAUD_DIVINT.val(integer));
        regs.fbrd.write(FBRD::BAUD_DIVFRAC.val(fraction));
        regs.lcr_h.write(LCR_H::WLEN::EightBit + LCR_H::FEN::SET);
        regs.cr.write(CR::UARTEN::SET + CR::TXE::SET + CR::RXE::SET);
    }
}

impl Console for Pl011 {
    fn write_byte(&self, byte: u8) {
        let regs = self.regs();
        while regs.fr.is_set(FR::TXFF) {}
        regs.dr.write(DR::DATA.val(byte as u32));
    }

    fn read_byte(&self) -> Option<u8> {
        let regs = self.regs();
        if regs.fr.is_set(FR::RXFE) {
            // Level-triggered: with the FIFO drained, the interrupt may be cleared. A byte that
            // arrived between the look and the clear raised the interrupt just cleared (QEMU
            // raises it only when the FIFO goes from empty to one byte), so look once more:
            // otherwise it and all that follow would wait for an interrupt that never comes.
            regs.icr.write(ICR::ALL::SET);
            if regs.fr.is_set(FR::RXFE) {
                return None;
            }
        }
        Some(regs.dr.read(DR::DATA) as u8)
    }

    fn enable_receive_interrupt(&self) {
        self.regs().imsc.modify(IMSC::RXIM::SET + IMSC::RTIM::SET);
    }
}

#[cfg(test)]
mod tests {
    use super::baud_divisors;

    #[test]
    fn divisors_for_115200_from_48mhz_match_the_datasheet_example() {
        // 48 MHz / (16 * 115200) = 26.0417 -> IBRD 26, FBRD round(0.0417 * 64) = 3.
        assert_eq!(baud_divisors(48_000_000, 115_200), (26, 3));
    }

    #[test]
    fn divisors_for_115200_from_24mhz() {
        // 24 MHz / (16 * 115200) = 13.0208 -> 13 and round(1.33) = 1.
        assert_eq!(baud_divisors(24_000_000, 115_200), (13, 1));
    }
}
