//! BCM2835/2837 "ARM control" interrupt controller (BCM2835 ARM Peripherals, section 7):
//! the peripherals' (GPU-side) interrupts, of which the kernel uses the PL011's.

use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, WriteOnly};

register_structs! {
    Registers {
        (0x00 => _basic_pending),
        /// IRQ pending 2: GPU interrupts 32 to 63, one bit each.
        (0x08 => pending_2: ReadOnly<u32>),
        (0x0c => _reserved0),
        /// Enable IRQs 2: write 1s to enable GPU interrupts 32 to 63.
        (0x14 => enable_2: WriteOnly<u32>),
        (0x18 => _reserved1),
        /// Disable IRQs 2: write 1s to disable GPU interrupts 32 to 63.
        (0x20 => disable_2: WriteOnly<u32>),
        (0x24 => @END),
    }
}

/// The peripheral interrupt controller at a mapped address.
pub struct ArmCtrl {
    registers: *const Registers,
}

// SAFETY: only the register address is held; accesses are single MMIO operations.
unsafe impl Sync for ArmCtrl {}
// SAFETY: as above.
unsafe impl Send for ArmCtrl {}

impl ArmCtrl {
    /// # Safety
    /// `base` must be the mapped controller (peripherals + 0xb200) that nothing else drives.
    pub unsafe fn new(base: usize) -> Self {
        Self {
            registers: base as *const Registers,
        }
    }

    fn regs(&self) -> &Registers {
        // SAFETY: `new`'s contract.
        unsafe { &*self.registers }
    }

    /// Enables GPU interrupt `number` (32 to 63).
    pub fn enable(&self, number: u32) {
        self.regs().enable_2.set(1 << (number - 32));
    }

    pub fn disable(&self, number: u32) {
        self.regs().disable_2.set(1 << (number - 32));
    }

    pub fn is_pending(&self, number: u32) -> bool {
        self.regs().pending_2.get() & (1 << (number - 32)) != 0
    }
}
