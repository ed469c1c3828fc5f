//! The Pi 3's two-level interrupt controller: the per-core local controller (timer) in
//! front of the peripheral controller (the PL011's interrupt 57).

use bsp_drivers::bcm2835_armctrl::ArmCtrl;
use bsp_drivers::bcm2836_local_intc::{LocalIntc, Source};
use bsp_drivers::{InterruptController, Irq};
use core::sync::atomic::{AtomicU32, Ordering};

/// The PL011's interrupt number on the peripheral controller.
const UART_INTERRUPT: u32 = 57;

pub struct Interrupts {
    pub local: LocalIntc,
    pub peripherals: ArmCtrl,
    /// The block device's interrupt number on the peripheral controller, once routed;
    /// `NO_LINE` before.
    pub disk_line: AtomicU32,
}

pub const NO_LINE: u32 = u32::MAX;

impl InterruptController for Interrupts {
    fn init(&self) {
        self.local.init();
        self.peripherals.enable(UART_INTERRUPT);
    }

    fn claim(&self) -> Option<Irq> {
        match self.local.pending()? {
            Source::Timer => Some(Irq::Timer),
            Source::Peripheral if self.peripherals.is_pending(UART_INTERRUPT) => Some(Irq::Uart),
            Source::Peripheral if self.disk_pending() => Some(Irq::Disk),
            Source::Peripheral => None,
            Source::Other(bit) => Some(Irq::Other(bit)),
        }
    }

    fn complete(&self, _irq: Irq) {
        // Level-triggered sources: the handler silences the device itself.
    }

    fn disable(&self, irq: Irq) {
        match irq {
            Irq::Timer => self.local.disable_timer(),
            Irq::Uart => self.peripherals.disable(UART_INTERRUPT),
            Irq::Disk => self
                .peripherals
                .disable(self.disk_line.load(Ordering::Relaxed)),
            // Other local sources are never enabled.
            Irq::Other(_) => {}
        }
    }

    fn enable_disk(&self, line: u32) {
        self.disk_line.store(line, Ordering::Relaxed);
        self.peripherals.enable(line);
    }
}

impl Interrupts {
    fn disk_pending(&self) -> bool {
        let line = self.disk_line.load(Ordering::Relaxed);
        line != NO_LINE && self.peripherals.is_pending(line)
    }
}
