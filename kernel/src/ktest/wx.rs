//! Fault scenarios proving W^X on the kernel image: each must end in an oops naming the fault.

use super::fault_scenario;

fault_scenario!(
    "wx",
    expect = "permission fault, level 3 on write",
    fn write_kernel_text() {
        let text = crate::mm::image::text().start as *mut u32;
        // SAFETY: deliberately unsound: the write must fault, that is the test.
        unsafe { text.write_volatile(0xd503_201f) };
    }
);

/// A `ret` in writable data: jumping to it must fault.
static mut DATA_CODE: u32 = 0xd65f_03c0;

fault_scenario!(
    "wx",
    expect = "permission fault, level 3 on instruction fetch",
    fn execute_kernel_data() {
        // SAFETY: deliberately unsound: the fetch must fault, that is the test.
        let code: extern "C" fn() = unsafe { core::mem::transmute(&raw mut DATA_CODE) };
        code();
        // A use after the call keeps it a call (not a tail jump), so the backtrace shows this function.
        core::hint::black_box(code);
    }
);
