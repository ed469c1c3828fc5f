//! Oops: the report for an exception the kernel cannot handle, then stop.

use crate::arch::aarch64::backtrace;
use crate::arch::aarch64::esr::{self, class};
use crate::arch::aarch64::report;
use crate::arch::aarch64::trap_frame::TrapFrame;
use crate::console::EmergencyWriter;
use crate::mm::kernel_stack;
use core::fmt;

/// Prints the report for `frame` and stops the kernel.
pub fn oops(frame: &TrapFrame, headline: fmt::Arguments<'_>) -> ! {
    // A jump to a bad address leaves the caller only in the link register.
    let caller =
        (esr::exception_class(frame.esr) == class::INSTRUCTION_ABORT_SAME).then_some(frame.lr());
    let frames = [frame.elr]
        .into_iter()
        .chain(caller)
        .chain(backtrace::return_addresses(
            frame.fp(),
            kernel_stack::containing(frame.fp() as usize),
        ));
    let _ = report::write_report(&mut EmergencyWriter, headline, frame, frames);
    stop_after_oops()
}

/// Test builds tell the harness an oops happened (status 3); otherwise the core sleeps.
pub fn stop_after_oops() -> ! {
    #[cfg(feature = "ktest")]
    crate::arch::aarch64::semihosting::exit(crate::ktest::EXIT_OOPS);
    #[cfg(not(feature = "ktest"))]
    loop {
        aarch64_cpu::asm::wfe();
    }
}
