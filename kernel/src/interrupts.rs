//! IRQ handling: claim from the board's controller, dispatch, complete.

use crate::arch::aarch64::timer;
use crate::board;
use bsp_drivers::{InterruptController, Irq};

/// Routes the timer through the board's controller and starts the tick.
pub fn init() {
    board::interrupt_controller().init();
    timer::start();
}

/// Called from the exception vector on an IRQ.
pub fn handle_irq() {
    let controller = board::interrupt_controller();
    while let Some(irq) = controller.claim() {
        match irq {
            Irq::Timer => timer::on_interrupt(),
            Irq::Other(number) => crate::println!("irq: ignoring unexpected interrupt {number}"),
        }
        controller.complete(irq);
    }
}
