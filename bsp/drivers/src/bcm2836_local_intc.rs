//! BCM2836 per-core local interrupt controller ("QA7", used by BCM2836/2837): routes the ARM
//! timers and forwards the peripheral interrupts.

use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_bitfields;
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite};

register_bitfields! {
    u32,
    /// Core timers interrupt control (one per core, QA7 rev 3.4 section 4.6).
    TIMER_CNTL [
        /// Route the virtual timer (CNTVIRQ) to this core's IRQ.
        CNTVIRQ_IRQ OFFSET(3) NUMBITS(1) []
    ],
    /// Core IRQ source (QA7 section 4.10): which sources are pending.
    IRQ_SOURCE [
        /// A peripheral (GPU-side) interrupt, routed to this core by GPU_INT_ROUTING.
        GPU OFFSET(8) NUMBITS(1) [],
        /// The virtual timer is asserting its interrupt.
        CNTVIRQ OFFSET(3) NUMBITS(1) []
    ]
}

register_structs! {
    Registers {
        (0x00 => _reserved0),
        (0x40 => core0_timer_control: ReadWrite<u32, TIMER_CNTL::Register>),
        (0x44 => _reserved1),
        (0x60 => core0_irq_source: ReadOnly<u32, IRQ_SOURCE::Register>),
        (0x64 => @END),
    }
}

/// The local interrupt controller, as seen from core 0 (the only core the kernel runs on).
pub struct LocalIntc {
    registers: *const Registers,
}

// SAFETY: only the register address is held; accesses are single MMIO operations.
unsafe impl Sync for LocalIntc {}
// SAFETY: as above.
unsafe impl Send for LocalIntc {}

impl LocalIntc {
    /// # Safety
    /// `base` must be the mapped local-peripherals block (physical 0x4000_0000) that nothing else drives.
    pub unsafe fn new(base: usize) -> Self {
        Self {
            registers: base as *const Registers,
        }
    }

    fn regs(&self) -> &Registers {
        // SAFETY: `new`'s contract keeps the block mapped and ours.
        unsafe { &*self.registers }
    }
}

/// What the local controller says is pending, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Timer,
    /// A peripheral interrupt: ask the peripheral controller which.
    Peripheral,
    Other(u32),
}

impl LocalIntc {
    /// Routes the virtual timer to core 0's IRQ (peripheral interrupts go to core 0 by default).
    pub fn init(&self) {
        self.regs()
            .core0_timer_control
            .write(TIMER_CNTL::CNTVIRQ_IRQ::SET);
    }

    pub fn pending(&self) -> Option<Source> {
        let source = self.regs().core0_irq_source.extract();
        if source.is_set(IRQ_SOURCE::CNTVIRQ) {
            Some(Source::Timer)
        } else if source.is_set(IRQ_SOURCE::GPU) {
            Some(Source::Peripheral)
        } else if source.get() != 0 {
            Some(Source::Other(source.get().trailing_zeros()))
        } else {
            None
        }
    }

    /// Stops routing the timer (the only local source the kernel enables).
    pub fn disable_timer(&self) {
        self.regs().core0_timer_control.set(0);
    }
}
