//! BCM2836 per-core local interrupt controller ("QA7", used by BCM2836/2837): routes the ARM timers.

use crate::{InterruptController, Irq};
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

impl InterruptController for LocalIntc {
    fn init(&self) {
        self.regs()
            .core0_timer_control
            .write(TIMER_CNTL::CNTVIRQ_IRQ::SET);
    }

    fn claim(&self) -> Option<Irq> {
        let source = self.regs().core0_irq_source.get();
        if source & IRQ_SOURCE::CNTVIRQ::SET.value != 0 {
            Some(Irq::Timer)
        } else if source != 0 {
            Some(Irq::Other(source.trailing_zeros()))
        } else {
            None
        }
    }

    fn complete(&self, _irq: Irq) {
        // Level-triggered sources: the handler silences the device itself.
    }

    fn disable(&self, irq: Irq) {
        // Only the timer is ever routed here; other sources are never enabled.
        if irq == Irq::Timer {
            self.regs().core0_timer_control.set(0);
        }
    }
}
