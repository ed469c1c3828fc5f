//! The SD card behind a BCM283x SD host controller: the BCM2835/2837 EMMC (an Arasan SDHCI;
//! BCM2835 ARM Peripherals, section 5) or the BCM2711's EMMC2 (the Pi 4's card slot), both the
//! SD Host Controller's registers read and written 32 bits at a time. Card identification by
//! the SD Physical Layer's sequence, then 512-byte blocks moved by the CPU through the data
//! port (no DMA, no interrupt).

use crate::{BlockDevice, BlockError, DmaPage, Transfer};
use core::sync::atomic::{AtomicU8, Ordering};
use tock_registers::interfaces::{ReadWriteable, Readable, Writeable};
use tock_registers::register_bitfields;
use tock_registers::register_structs;
use tock_registers::registers::ReadWrite;

register_bitfields! {
    u32,
    /// BLKSIZECNT: block size and count of a data transfer.
    BLKSIZECNT [
        BLKSIZE OFFSET(0) NUMBITS(10) [],
        BLKCNT OFFSET(16) NUMBITS(16) []
    ],
    /// CMDTM: the command, and how its data moves.
    CMDTM [
        /// Count blocks (BLKCNT) in a multi-block transfer.
        TM_BLKCNT_EN OFFSET(1) NUMBITS(1) [],
        /// Send CMD12 after the last block.
        TM_AUTO_CMD_EN OFFSET(2) NUMBITS(2) [
            None = 0,
            Cmd12 = 1
        ],
        /// Card to host.
        TM_DAT_DIR OFFSET(4) NUMBITS(1) [
            HostToCard = 0,
            CardToHost = 1
        ],
        TM_MULTI_BLOCK OFFSET(5) NUMBITS(1) [],
        CMD_RSPNS_TYPE OFFSET(16) NUMBITS(2) [
            None = 0,
            Bits136 = 1,
            Bits48 = 2,
            Bits48Busy = 3
        ],
        CMD_CRCCHK_EN OFFSET(19) NUMBITS(1) [],
        CMD_IXCHK_EN OFFSET(20) NUMBITS(1) [],
        /// The command moves data.
        CMD_ISDATA OFFSET(21) NUMBITS(1) [],
        CMD_INDEX OFFSET(24) NUMBITS(6) []
    ],
    /// CONTROL0: the SD Host Controller's Host Control 1 and, in bits 8-15, Power Control.
    CONTROL0 [
        /// Power to the card's bus: without it an SDHCI such as EMMC2 leaves the CMD and DAT
        /// lines undriven. The BCM2835 manual calls these bits reserved; Linux sets them on
        /// both controllers, and the reset clears them.
        SD_BUS_POWER OFFSET(8) NUMBITS(1) [],
        SD_BUS_VOLTAGE OFFSET(9) NUMBITS(3) [
            V3_3 = 0b111
        ]
    ],
    /// STATUS: what the controller and the bus are doing.
    STATUS [
        /// A command is in progress on the CMD line.
        CMD_INHIBIT OFFSET(0) NUMBITS(1) [],
        /// A transfer is in progress on the DAT lines.
        DAT_INHIBIT OFFSET(1) NUMBITS(1) []
    ],
    /// CONTROL1: clocks, timeout and resets.
    CONTROL1 [
        CLK_INTLEN OFFSET(0) NUMBITS(1) [],
        /// The internal clock is stable.
        CLK_STABLE OFFSET(1) NUMBITS(1) [],
        /// The SD clock runs.
        CLK_EN OFFSET(2) NUMBITS(1) [],
        /// Divider: the base clock over twice this value (10 bits: 7-0, then 9-8 in bits 7-6).
        CLK_FREQ8 OFFSET(8) NUMBITS(8) [],
        CLK_FREQ_MS2 OFFSET(6) NUMBITS(2) [],
        /// Data timeout: the SD clock times 2^(value + 13).
        DATA_TOUNIT OFFSET(16) NUMBITS(4) [],
        /// Resets the whole host controller.
        SRST_HC OFFSET(24) NUMBITS(1) []
    ],
    /// INTERRUPT: what happened (write 1 to clear); IRPT_MASK enables each flag here.
    INTERRUPT [
        CMD_DONE OFFSET(0) NUMBITS(1) [],
        DATA_DONE OFFSET(1) NUMBITS(1) [],
        WRITE_RDY OFFSET(4) NUMBITS(1) [],
        READ_RDY OFFSET(5) NUMBITS(1) [],
        /// Any error (the bits from 16 say which).
        ERR OFFSET(15) NUMBITS(1) []
    ]
}

register_structs! {
    Registers {
        (0x00 => _arg2),
        (0x04 => blksizecnt: ReadWrite<u32, BLKSIZECNT::Register>),
        (0x08 => arg1: ReadWrite<u32>),
        (0x0c => cmdtm: ReadWrite<u32, CMDTM::Register>),
        /// The response; a 136-bit one without its CRC, bits 127-8 in RESP3-RESP0.
        (0x10 => resp: [ReadWrite<u32>; 4]),
        /// The data port: 32 bits of the block at a time.
        (0x20 => data: ReadWrite<u32>),
        (0x24 => status: ReadWrite<u32, STATUS::Register>),
        (0x28 => control0: ReadWrite<u32, CONTROL0::Register>),
        (0x2c => control1: ReadWrite<u32, CONTROL1::Register>),
        (0x30 => interrupt: ReadWrite<u32, INTERRUPT::Register>),
        (0x34 => irpt_mask: ReadWrite<u32>),
        (0x38 => irpt_en: ReadWrite<u32>),
        (0x3c => @END),
    }
}

const BLOCK: usize = 512;
const NO_OUTCOME: u8 = 0;
const DONE: u8 = 1;
const CONTROLLER_ERROR: u8 = 2;
const TIMED_OUT: u8 = 3;
/// Polls of a status bit before the card is taken for gone (each an MMIO read, over a second
/// on the slowest emulation).
const PATIENCE: u32 = 10_000_000;
/// SEND_IF_COND's argument: 2.7-3.6 V, check pattern 0xaa.
const IF_COND: u32 = 0x1aa;
/// ACMD41's argument: high capacity supported, 3.2-3.4 V.
const OP_COND: u32 = 0x4030_0000;
const OCR_POWERED_UP: u32 = 1 << 31;
const OCR_HIGH_CAPACITY: u32 = 1 << 30;
/// The SD clock (the base clock over 2 * divider) while the card is identified: at most the
/// SD Physical Layer's 400 kHz, and as close to it as the divider allows, since EMMC2 hangs
/// with an SD clock far below its base clock (Linux keeps it at 200 kHz or more there).
const IDENTIFICATION_HZ: u32 = 400_000;
/// At most Default Speed's 25 MHz for transfers.
const TRANSFER_HZ: u32 = 25_000_000;
/// The divider is ten bits wide (SDHCI 3.0's divided clock mode).
const MAX_DIVIDER: u32 = 0x3ff;
/// After the bus is powered: the card's supply to settle (Linux's default power delay), then
/// at least 74 cycles of the identification clock before the first command.
const POWER_UP_MICROSECONDS: u64 = 10_000;
const FIRST_CLOCKS_MICROSECONDS: u64 = 1_000;

/// The SD commands used, with their response.
#[derive(Clone, Copy)]
enum Command {
    GoIdle,
    AllSendCid,
    SendRelativeAddress,
    Select,
    SendIfCond,
    SendCsd,
    ReadSingle,
    ReadMultiple,
    WriteSingle,
    WriteMultiple,
    /// CMD55: the next command is an application command (ACMDn).
    ApplicationSpecific,
    SendOpCond,
}

impl Command {
    fn index_and_response(self) -> (u32, u32) {
        use CMDTM::CMD_RSPNS_TYPE::Value as R;
        let (index, response) = match self {
            Command::GoIdle => (0, R::None),
            Command::AllSendCid => (2, R::Bits136),
            Command::SendRelativeAddress => (3, R::Bits48),
            Command::Select => (7, R::Bits48Busy),
            Command::SendIfCond => (8, R::Bits48),
            Command::SendCsd => (9, R::Bits136),
            Command::ReadSingle => (17, R::Bits48),
            Command::ReadMultiple => (18, R::Bits48),
            Command::WriteSingle => (24, R::Bits48),
            Command::WriteMultiple => (25, R::Bits48),
            Command::ApplicationSpecific => (55, R::Bits48),
            // R3 has no CRC nor index to check.
            Command::SendOpCond => (41, R::Bits48),
        };
        (index, response as u32)
    }

    fn checks_crc_and_index(self) -> bool {
        !matches!(
            self,
            Command::GoIdle | Command::SendOpCond | Command::AllSendCid | Command::SendCsd
        )
    }
}

/// Why a command failed.
#[derive(Clone, Copy, Debug)]
enum CardError {
    /// The controller flagged an error (a CRC, a timeout on the bus, ...).
    Controller,
    /// A status bit did not come.
    Timeout,
}

/// The SD card behind the controller, identified and selected.
pub struct Bcm2835Emmc {
    registers: *const Registers,
    /// Added to a physical address of RAM to reach it.
    memory_offset: usize,
    sectors: u64,
    /// Block addressing (SDHC/SDXC) rather than byte addressing (SDSC).
    high_capacity: bool,
    /// The outcome of the last transfer, which `start` carries out whole: [`NO_OUTCOME`],
    /// [`DONE`], or a failure.
    outcome: AtomicU8,
}

// SAFETY: only addresses are held; the kernel serialises transfers.
unsafe impl Sync for Bcm2835Emmc {}
// SAFETY: as above.
unsafe impl Send for Bcm2835Emmc {}

impl Bcm2835Emmc {
    /// Resets the controller and brings up the card, if there is one. `base_clock_hz` is the
    /// controller's clock as the firmware set it, which the SD clock is divided from.
    ///
    /// # Safety
    /// `registers` are the mapped controller's registers nothing else drives; `memory` tells
    /// how RAM is mapped (its `virt - phys`), for the buffers of transfers.
    pub unsafe fn new(registers: usize, base_clock_hz: u32, memory: DmaPage) -> Option<Self> {
        let dividers = (
            divider(base_clock_hz, IDENTIFICATION_HZ)?,
            divider(base_clock_hz, TRANSFER_HZ)?,
        );
        let mut card = Self {
            registers: registers as *const Registers,
            memory_offset: memory.virt.wrapping_sub(memory.phys),
            sectors: 0,
            high_capacity: false,
            outcome: AtomicU8::new(NO_OUTCOME),
        };
        card.identify(dividers).ok()?;
        Some(card)
    }

    fn registers(&self) -> &Registers {
        // SAFETY: `new`'s contract.
        unsafe { &*self.registers }
    }

    fn wait_until(&self, mut ready: impl FnMut(&Registers) -> bool) -> Result<(), CardError> {
        let r = self.registers();
        for _ in 0..PATIENCE {
            if ready(r) {
                return Ok(());
            }
            let flags = r.interrupt.extract();
            if flags.is_set(INTERRUPT::ERR) {
                r.interrupt.set(flags.get());
                return Err(CardError::Controller);
            }
        }
        Err(CardError::Timeout)
    }

    fn set_clock(&self, divider: u32) -> Result<(), CardError> {
        let r = self.registers();
        r.control1.modify(CONTROL1::CLK_EN::CLEAR);
        r.control1.modify(
            CONTROL1::CLK_FREQ8.val(divider & 0xff)
                + CONTROL1::CLK_FREQ_MS2.val(divider >> 8)
                + CONTROL1::CLK_INTLEN::SET,
        );
        self.wait_until(|r| r.control1.is_set(CONTROL1::CLK_STABLE))?;
        r.control1.modify(CONTROL1::CLK_EN::SET);
        Ok(())
    }

    /// The SD Physical Layer's initialisation: reset, bus power, CMD0, CMD8, ACMD41 until
    /// powered up, CMD2, CMD3 for the address, CMD9 for the size, CMD7 to select; then the
    /// transfer clock. `dividers`: for identification, then for transfers.
    fn identify(&mut self, (identification, transfer): (u32, u32)) -> Result<(), CardError> {
        let r = self.registers();
        r.control1.set(0);
        r.control1.modify(CONTROL1::SRST_HC::SET);
        self.wait_until(|r| !r.control1.is_set(CONTROL1::SRST_HC))?;
        // The voltage first, then the power, as the SD Host Controller specification asks.
        r.control0.modify(CONTROL0::SD_BUS_VOLTAGE::V3_3);
        r.control0.modify(CONTROL0::SD_BUS_POWER::SET);
        wait_microseconds(POWER_UP_MICROSECONDS);
        r.control1.modify(CONTROL1::DATA_TOUNIT.val(0xe));
        self.set_clock(identification)?;
        wait_microseconds(FIRST_CLOCKS_MICROSECONDS);
        // Flags are raised in INTERRUPT but signalled to nobody: the driver polls.
        r.irpt_en.set(0);
        r.irpt_mask.set(u32::MAX);
        r.interrupt.set(u32::MAX);
        self.command(Command::GoIdle, 0)?;
        let version_2 = self.command(Command::SendIfCond, IF_COND).is_ok()
            && self.registers().resp[0].get() & 0xfff == IF_COND;
        let argument = if version_2 {
            OP_COND
        } else {
            OP_COND & !OCR_HIGH_CAPACITY
        };
        let ocr = (0..1000)
            .find_map(|_| {
                self.command(Command::ApplicationSpecific, 0).ok()?;
                self.command(Command::SendOpCond, argument).ok()?;
                let ocr = self.registers().resp[0].get();
                (ocr & OCR_POWERED_UP != 0).then_some(ocr)
            })
            .ok_or(CardError::Timeout)?;
        self.high_capacity = ocr & OCR_HIGH_CAPACITY != 0;
        self.command(Command::AllSendCid, 0)?;
        self.command(Command::SendRelativeAddress, 0)?;
        let address = self.registers().resp[0].get() & 0xffff_0000;
        self.command(Command::SendCsd, address)?;
        let csd: [u32; 4] = core::array::from_fn(|i| self.registers().resp[i].get());
        self.sectors = capacity_in_sectors(&csd);
        self.command(Command::Select, address)?;
        self.set_clock(transfer)?;
        Ok(())
    }

    /// Sends `command` and waits for its response (data, if any, is moved by the caller).
    fn command(&self, command: Command, argument: u32) -> Result<(), CardError> {
        self.command_with(command, argument, CMDTM::TM_BLKCNT_EN::CLEAR)
    }

    fn command_with(
        &self,
        command: Command,
        argument: u32,
        transfer: tock_registers::fields::FieldValue<u32, CMDTM::Register>,
    ) -> Result<(), CardError> {
        let r = self.registers();
        self.wait_until(|r| !r.status.is_set(STATUS::CMD_INHIBIT))?;
        r.interrupt.set(u32::MAX);
        let (index, response) = command.index_and_response();
        let checks = if command.checks_crc_and_index() {
            CMDTM::CMD_CRCCHK_EN::SET + CMDTM::CMD_IXCHK_EN::SET
        } else {
            CMDTM::CMD_CRCCHK_EN::CLEAR
        };
        r.arg1.set(argument);
        r.cmdtm.write(
            CMDTM::CMD_INDEX.val(index) + CMDTM::CMD_RSPNS_TYPE.val(response) + checks + transfer,
        );
        self.wait_until(|r| r.interrupt.is_set(INTERRUPT::CMD_DONE))?;
        r.interrupt.write(INTERRUPT::CMD_DONE::SET);
        Ok(())
    }

    /// Moves `transfer` whole, a block at a time through the data port.
    fn carry_out(&self, transfer: &Transfer) -> Result<(), CardError> {
        let r = self.registers();
        self.wait_until(|r| !r.status.is_set(STATUS::DAT_INHIBIT))?;
        let blocks = transfer.sectors as u32;
        r.blksizecnt
            .write(BLKSIZECNT::BLKSIZE.val(BLOCK as u32) + BLKSIZECNT::BLKCNT.val(blocks));
        let address = if self.high_capacity {
            transfer.sector
        } else {
            transfer.sector * BLOCK as u64
        };
        let multiple = blocks > 1;
        let command = match (transfer.write, multiple) {
            (false, false) => Command::ReadSingle,
            (false, true) => Command::ReadMultiple,
            (true, false) => Command::WriteSingle,
            (true, true) => Command::WriteMultiple,
        };
        let direction = if transfer.write {
            CMDTM::TM_DAT_DIR::HostToCard
        } else {
            CMDTM::TM_DAT_DIR::CardToHost
        };
        let mode = CMDTM::CMD_ISDATA::SET
            + direction
            + if multiple {
                CMDTM::TM_MULTI_BLOCK::SET + CMDTM::TM_BLKCNT_EN::SET + CMDTM::TM_AUTO_CMD_EN::Cmd12
            } else {
                CMDTM::TM_MULTI_BLOCK::CLEAR
            };
        self.command_with(command, address as u32, mode)?;
        let words = (transfer.buffer + self.memory_offset) as *mut u32;
        for block in 0..transfer.sectors {
            let ready = if transfer.write {
                INTERRUPT::WRITE_RDY
            } else {
                INTERRUPT::READ_RDY
            };
            self.wait_until(|r| r.interrupt.is_set(ready))?;
            r.interrupt.write(ready.val(1));
            for i in 0..BLOCK / 4 {
                // SAFETY: the caller of `start` lends the buffer, `sectors` blocks long.
                let word = unsafe { words.add(block * BLOCK / 4 + i) };
                if transfer.write {
                    // SAFETY: as above.
                    r.data.set(unsafe { word.read_volatile() });
                } else {
                    // SAFETY: as above.
                    unsafe { word.write_volatile(r.data.get()) };
                }
            }
        }
        self.wait_until(|r| r.interrupt.is_set(INTERRUPT::DATA_DONE))?;
        r.interrupt.write(INTERRUPT::DATA_DONE::SET);
        Ok(())
    }
}

/// The divider that brings `base_hz` down to `at_most_hz` or just below; None if ten bits
/// cannot.
fn divider(base_hz: u32, at_most_hz: u32) -> Option<u32> {
    let divider = base_hz.div_ceil(2 * at_most_hz).max(1);
    (divider <= MAX_DIVIDER).then_some(divider)
}

/// Waits at least `microseconds` by the generic timer's virtual count, the one clock every
/// AArch64 core has.
fn wait_microseconds(microseconds: u64) {
    #[cfg(target_arch = "aarch64")]
    {
        let read = || {
            let (frequency, count): (u64, u64);
            // SAFETY: reads of the counter and its frequency, which EL1 may make.
            unsafe {
                core::arch::asm!(
                    "isb",
                    "mrs {frequency}, cntfrq_el0",
                    "mrs {count}, cntvct_el0",
                    frequency = out(reg) frequency,
                    count = out(reg) count,
                    options(nostack, nomem),
                );
            }
            (frequency, count)
        };
        let (frequency, start) = read();
        let ticks = frequency * microseconds / 1_000_000;
        while read().1.wrapping_sub(start) < ticks {
            core::hint::spin_loop();
        }
    }
    #[cfg(not(target_arch = "aarch64"))]
    let _ = microseconds;
}

/// The card's size from its CSD (as the controller holds a 136-bit response: CSD bit n at
/// bit n - 8 of the four words), for both CSD structures.
fn capacity_in_sectors(response: &[u32; 4]) -> u64 {
    let bits = |high: u32, low: u32| -> u64 {
        let value = (u128::from(response[3]) << 96)
            | (u128::from(response[2]) << 64)
            | (u128::from(response[1]) << 32)
            | u128::from(response[0]);
        ((value >> (low - 8)) & ((1u128 << (high - low + 1)) - 1)) as u64
    };
    match bits(127, 126) {
        // CSD 2.0 (SDHC, SDXC): (C_SIZE + 1) * 512 KiB.
        1 => (bits(69, 48) + 1) * 1024,
        // CSD 1.0: (C_SIZE + 1) * 2^(C_SIZE_MULT + 2) blocks of 2^READ_BL_LEN bytes.
        _ => {
            let blocks = (bits(73, 62) + 1) << (bits(49, 47) + 2);
            (blocks << bits(83, 80)) / BLOCK as u64
        }
    }
}

impl BlockDevice for Bcm2835Emmc {
    fn sectors(&self) -> u64 {
        self.sectors
    }

    unsafe fn start(&self, transfer: Transfer) {
        let outcome = match self.carry_out(&transfer) {
            Ok(()) => DONE,
            Err(CardError::Controller) => CONTROLLER_ERROR,
            Err(CardError::Timeout) => TIMED_OUT,
        };
        self.outcome.store(outcome, Ordering::Release);
    }

    fn finished(&self) -> Option<Result<(), BlockError>> {
        match self.outcome.swap(NO_OUTCOME, Ordering::Acquire) {
            NO_OUTCOME => None,
            DONE => Some(Ok(())),
            TIMED_OUT => Some(Err(BlockError::Timeout)),
            _ => Some(Err(BlockError::Device(CONTROLLER_ERROR))),
        }
    }

    fn acknowledge_interrupt(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SD clock a divider gives from `base_hz`.
    fn sd_clock(base_hz: u32, divider: u32) -> u32 {
        base_hz / (2 * divider)
    }

    #[test]
    fn the_pi_3s_250_mhz_gives_the_dividers_it_always_had() {
        assert_eq!(divider(250_000_000, IDENTIFICATION_HZ), Some(313));
        assert_eq!(divider(250_000_000, TRANSFER_HZ), Some(5));
    }

    #[test]
    fn identification_runs_between_200_and_400_khz_from_any_base_clock() {
        // QEMU's EMMC (50 MHz), EMMC2's 100 MHz, the Pi 3's EMMC, QEMU's clock of last resort.
        for base in [
            50_000_000,
            100_000_000,
            200_000_000,
            250_000_000,
            700_000_000,
        ] {
            let clock = sd_clock(base, divider(base, IDENTIFICATION_HZ).unwrap());
            assert!(
                (200_000..=IDENTIFICATION_HZ).contains(&clock),
                "{base}: {clock}"
            );
            let clock = sd_clock(base, divider(base, TRANSFER_HZ).unwrap());
            assert!(
                clock <= TRANSFER_HZ && clock > TRANSFER_HZ / 2,
                "{base}: {clock}"
            );
        }
    }

    #[test]
    fn a_base_clock_ten_bits_cannot_divide_enough_is_refused() {
        assert_eq!(divider(818_400_000, IDENTIFICATION_HZ), Some(MAX_DIVIDER));
        assert_eq!(divider(900_000_000, IDENTIFICATION_HZ), None);
        assert_eq!(divider(10_000_000, TRANSFER_HZ), Some(1));
    }
}
