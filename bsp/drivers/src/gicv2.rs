//! ARM Generic Interrupt Controller v2 (GIC-400 and QEMU virt's GICv2): distributor and CPU interface.

use crate::{InterruptController, Irq};
use core::sync::atomic::{AtomicU32, Ordering};
use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_bitfields;
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite, WriteOnly};

/// The virtual timer's private peripheral interrupt (GIC INTID 27, per the Generic Timer spec).
const VIRTUAL_TIMER_INTID: u32 = 27;
/// Shared peripheral interrupts start here.
const FIRST_SPI: u32 = 32;
/// INTIDs at or above this are special (1023: spurious).
const FIRST_SPECIAL_INTID: u32 = 1020;

register_bitfields! {
    u32,
    /// Distributor control (GICD_CTLR).
    GICD_CTLR [
        /// Forward pending interrupts to the CPU interfaces.
        ENABLE OFFSET(0) NUMBITS(1) []
    ],
    /// CPU interface control (GICC_CTLR).
    GICC_CTLR [
        /// Signal interrupts to the processor.
        ENABLE OFFSET(0) NUMBITS(1) []
    ],
    /// Priority mask (GICC_PMR): only priorities numerically below this are signalled.
    GICC_PMR [
        PRIORITY OFFSET(0) NUMBITS(8) []
    ],
    /// Interrupt acknowledge (GICC_IAR) and end of interrupt (GICC_EOIR).
    GICC_IAR [
        INTID OFFSET(0) NUMBITS(10) []
    ]
}

register_structs! {
    DistributorRegisters {
        (0x000 => ctlr: ReadWrite<u32, GICD_CTLR::Register>),
        (0x004 => _reserved0),
        /// Set-enable bits, one per INTID; word 0 covers this core's banked SGIs and PPIs.
        (0x100 => isenabler: [ReadWrite<u32>; 32]),
        /// Clear-enable bits, one per INTID.
        (0x180 => icenabler: [WriteOnly<u32>; 32]),
        (0x200 => _reserved2),
        (0x400 => ipriorityr: [ReadWrite<u8>; 1024]),
        /// Which CPU interfaces receive each interrupt (bit 0: CPU 0); read-only for SGIs/PPIs.
        (0x800 => itargetsr: [ReadWrite<u8>; 1024]),
        (0xc00 => @END),
    }
}

register_structs! {
    CpuInterfaceRegisters {
        (0x00 => ctlr: ReadWrite<u32, GICC_CTLR::Register>),
        (0x04 => pmr: ReadWrite<u32, GICC_PMR::Register>),
        (0x08 => _reserved0),
        (0x0c => iar: ReadOnly<u32, GICC_IAR::Register>),
        (0x10 => eoir: WriteOnly<u32, GICC_IAR::Register>),
        (0x14 => @END),
    }
}

/// A GICv2 with its distributor and CPU interface mapped.
pub struct GicV2 {
    distributor: *const DistributorRegisters,
    cpu_interface: *const CpuInterfaceRegisters,
    /// The board's UART interrupt (an SPI).
    uart_intid: u32,
    /// The block device's interrupt, once routed; [`NO_INTID`] before.
    disk_intid: AtomicU32,
}

const NO_INTID: u32 = u32::MAX;

// SAFETY: only register addresses are held; accesses are single MMIO operations.
unsafe impl Sync for GicV2 {}
// SAFETY: as above.
unsafe impl Send for GicV2 {}

impl GicV2 {
    /// # Safety
    /// Both blocks must be mapped GICv2 registers that nothing else drives.
    pub unsafe fn new(distributor: usize, cpu_interface: usize, uart_spi: u32) -> Self {
        Self {
            distributor: distributor as *const DistributorRegisters,
            cpu_interface: cpu_interface as *const CpuInterfaceRegisters,
            uart_intid: FIRST_SPI + uart_spi,
            disk_intid: AtomicU32::new(NO_INTID),
        }
    }

    fn gicd(&self) -> &DistributorRegisters {
        // SAFETY: `new`'s contract.
        unsafe { &*self.distributor }
    }

    fn gicc(&self) -> &CpuInterfaceRegisters {
        // SAFETY: `new`'s contract.
        unsafe { &*self.cpu_interface }
    }

    fn intid(&self, irq: Irq) -> u32 {
        match irq {
            Irq::Timer => VIRTUAL_TIMER_INTID,
            Irq::Uart => self.uart_intid,
            Irq::Disk => self.disk_intid.load(Ordering::Relaxed),
            Irq::Other(intid) => intid,
        }
    }

    fn enable(&self, intid: u32) {
        let gicd = self.gicd();
        if intid >= FIRST_SPI {
            gicd.itargetsr[intid as usize].set(1);
        }
        gicd.ipriorityr[intid as usize].set(0x80);
        gicd.isenabler[intid as usize / 32].set(1 << (intid % 32));
    }
}

impl InterruptController for GicV2 {
    fn init(&self) {
        let gicd = self.gicd();
        gicd.ctlr.write(GICD_CTLR::ENABLE::SET);
        self.enable(VIRTUAL_TIMER_INTID);
        self.enable(self.uart_intid);
        let gicc = self.gicc();
        gicc.pmr.write(GICC_PMR::PRIORITY.val(0xff));
        gicc.ctlr.write(GICC_CTLR::ENABLE::SET);
    }

    fn claim(&self) -> Option<Irq> {
        match self.gicc().iar.read(GICC_IAR::INTID) {
            id if id >= FIRST_SPECIAL_INTID => None,
            VIRTUAL_TIMER_INTID => Some(Irq::Timer),
            id if id == self.uart_intid => Some(Irq::Uart),
            id if id == self.disk_intid.load(Ordering::Relaxed) => Some(Irq::Disk),
            id => Some(Irq::Other(id)),
        }
    }

    fn complete(&self, irq: Irq) {
        self.gicc().eoir.write(GICC_IAR::INTID.val(self.intid(irq)));
    }

    fn disable(&self, irq: Irq) {
        let intid = self.intid(irq) as usize;
        if let Some(register) = self.gicd().icenabler.get(intid / 32) {
            register.set(1 << (intid % 32));
        }
    }

    fn enable_disk(&self, spi: u32) {
        let intid = FIRST_SPI + spi;
        self.disk_intid.store(intid, Ordering::Relaxed);
        self.enable(intid);
    }
}
