//! IRQ handling: claim from the board's controller, dispatch, complete.

use crate::arch::aarch64::timer;
use crate::board;
use crate::fs::tty;
use crate::task::scheduler;
use crate::task::thread::Channel;
use bsp_drivers::{InterruptController, Irq};

/// Routes the timer through the board's controller and starts the tick.
pub fn init() {
    board::interrupt_controller().init();
    timer::start();
}

/// Interrupts handled per exception, so a stuck source cannot hold the CPU forever.
const MAX_CLAIMS: usize = 8;

/// Which exception level an IRQ interrupted, which decides how its tick is charged.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum InterruptedLevel {
    User,
    Kernel,
}

/// Called from the exception vector on an IRQ.
pub fn handle_irq(interrupted: InterruptedLevel) {
    let controller = board::interrupt_controller();
    for _ in 0..MAX_CLAIMS {
        let Some(irq) = controller.claim() else {
            return;
        };
        match irq {
            Irq::Timer => {
                timer::on_interrupt();
                scheduler::charge_tick(interrupted == InterruptedLevel::User);
                scheduler::tick();
                scheduler::wake(Channel::Tick);
                crate::task::signal::alarm::on_tick();
            }
            Irq::Uart => tty::on_receive(),
            Irq::Disk => crate::block::disk::on_interrupt(),
            Irq::Other(number) => {
                crate::println!("irq: disabling unexpected interrupt {number}");
                controller.disable(irq);
            }
        }
        controller.complete(irq);
    }
}
