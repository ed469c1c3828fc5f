//! The panic handler: report where, then stop (test builds fail the running test).

use crate::arch::aarch64::{backtrace, irq, report};
use crate::console::EmergencyWriter;
use core::fmt::Write;
use core::panic::PanicInfo;

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    irq::save_and_mask();
    #[cfg(feature = "ktest")]
    crate::ktest::fail_running_test(info);
    let _ = writeln!(EmergencyWriter, "oops: kernel panic: {info}");
    let fp = backtrace::frame_pointer();
    let frames = backtrace::return_addresses(fp, crate::mm::kernel_stack::containing(fp as usize));
    let _ = report::write_backtrace(&mut EmergencyWriter, frames);
    crate::oops::stop_after_oops()
}
