//! BCM283x/BCM2711 GPIO (BCM2835 ARM Peripherals section 6, BCM2711 section 5): hands pins
//! 14 and 15 to the PL011 (alternate function 0) without pull resistors, and on the BCM2837
//! pins 48 to 53, the SD card's, to the EMMC controller (alternate function 3).

use tock_registers::interfaces::{ReadWriteable, Writeable};
use tock_registers::register_bitfields;
use tock_registers::register_structs;
use tock_registers::registers::ReadWrite;

register_bitfields! {
    u32,
    /// Function select 1 (GPFSEL1): pins 10 to 19, three bits each.
    GPFSEL1 [
        /// Pin 15: RXD0 of the PL011 in alternate function 0.
        FSEL15 OFFSET(15) NUMBITS(3) [Input = 0b000, Alt0 = 0b100],
        /// Pin 14: TXD0 of the PL011 in alternate function 0.
        FSEL14 OFFSET(12) NUMBITS(3) [Input = 0b000, Alt0 = 0b100]
    ],
    /// Function select 4 (GPFSEL4): pins 40 to 49.
    GPFSEL4 [
        /// Pin 49: SD1_CMD in alternate function 3.
        FSEL49 OFFSET(27) NUMBITS(3) [Alt3 = 0b111],
        /// Pin 48: SD1_CLK in alternate function 3.
        FSEL48 OFFSET(24) NUMBITS(3) [Alt3 = 0b111]
    ],
    /// Function select 5 (GPFSEL5): pins 50 to 59.
    GPFSEL5 [
        /// Pins 50 to 53: SD1_DAT0 to SD1_DAT3 in alternate function 3.
        FSEL53 OFFSET(9) NUMBITS(3) [Alt3 = 0b111],
        FSEL52 OFFSET(6) NUMBITS(3) [Alt3 = 0b111],
        FSEL51 OFFSET(3) NUMBITS(3) [Alt3 = 0b111],
        FSEL50 OFFSET(0) NUMBITS(3) [Alt3 = 0b111]
    ],
    /// BCM2711 pull-up/down control 0 (GPIO_PUP_PDN_CNTRL_REG0): pins 0 to 15, two bits each.
    PUP_PDN0 [
        /// Pin 15: 0 none, 1 pull-up, 2 pull-down.
        PIN15 OFFSET(30) NUMBITS(2) [None = 0],
        PIN14 OFFSET(28) NUMBITS(2) [None = 0]
    ]
}

register_structs! {
    Registers {
        (0x00 => _gpfsel0),
        (0x04 => gpfsel1: ReadWrite<u32, GPFSEL1::Register>),
        (0x08 => _gpfsel2_3),
        (0x10 => gpfsel4: ReadWrite<u32, GPFSEL4::Register>),
        (0x14 => gpfsel5: ReadWrite<u32, GPFSEL5::Register>),
        (0x18 => _reserved0),
        /// BCM2835/7 pull-up/down enable (GPPUD): the pull to clock into pins.
        (0x94 => gppud: ReadWrite<u32>),
        /// BCM2835/7 pull-up/down clock 0 (GPPUDCLK0): one bit per pin.
        (0x98 => gppudclk0: ReadWrite<u32>),
        (0x9c => _reserved1),
        (0xe4 => pup_pdn_cntrl0: ReadWrite<u32, PUP_PDN0::Register>),
        (0xe8 => @END),
    }
}

/// How the chip sets pull resistors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullControl {
    /// BCM2835/2837: a clocked sequence through GPPUD and GPPUDCLK0.
    Clocked,
    /// BCM2711: a register per 16 pins.
    Direct,
}

/// Routes GPIO 14/15 to the PL011 (UART0).
///
/// # Safety
/// `base` must be the mapped GPIO block, and nothing else may be using pins 14 and 15.
pub unsafe fn route_uart0(base: usize, pulls: PullControl) {
    // SAFETY: per the caller.
    let regs = unsafe { &*(base as *const Registers) };
    regs.gpfsel1
        .modify(GPFSEL1::FSEL14::Alt0 + GPFSEL1::FSEL15::Alt0);
    match pulls {
        PullControl::Direct => regs
            .pup_pdn_cntrl0
            .modify(PUP_PDN0::PIN14::None + PUP_PDN0::PIN15::None),
        PullControl::Clocked => {
            // The datasheet asks for 150 cycles of setup and hold around the clock pulse.
            regs.gppud.set(0);
            spin(150);
            regs.gppudclk0.set((1 << 14) | (1 << 15));
            spin(150);
            regs.gppudclk0.set(0);
        }
    }
}

/// Routes GPIO 48 to 53, where the BCM2837's SD card slot is wired, to the EMMC controller
/// (the firmware leaves them on the SDHOST controller, which this kernel does not drive).
///
/// # Safety
/// `base` must be the mapped BCM2837 GPIO block, and nothing else may be using the SD card.
pub unsafe fn route_sd_card_to_emmc(base: usize) {
    // SAFETY: per the caller.
    let regs = unsafe { &*(base as *const Registers) };
    regs.gpfsel4
        .modify(GPFSEL4::FSEL48::Alt3 + GPFSEL4::FSEL49::Alt3);
    regs.gpfsel5.modify(
        GPFSEL5::FSEL50::Alt3
            + GPFSEL5::FSEL51::Alt3
            + GPFSEL5::FSEL52::Alt3
            + GPFSEL5::FSEL53::Alt3,
    );
}

fn spin(cycles: u32) {
    for _ in 0..cycles {
        core::hint::spin_loop();
    }
}
