//! Fault scenarios: the kernel touching user memory outside uaccess must oops, naming the
//! violation, whether PAN is in hardware or emulated.

use super::fault_scenario;
use super::user_memory::{EXECUTABLE, READ_WRITE, UserMemory};
use crate::arch::aarch64::pan::{self, PanMode};

/// Sets up the user memory, or reports the scenario as not applying when PAN is off.
fn user_memory_with_pan() -> UserMemory {
    if pan::mode() == PanMode::Off {
        super::skip_fault_scenario("PAN is off (pan=off)");
    }
    UserMemory::new().unwrap_or_else(|_| panic!("cannot set up user memory"))
}

fault_scenario!(
    "pan",
    expect = "PAN violation: kernel read of user address 0x100000",
    fn kernel_reads_user_memory() {
        let _memory = user_memory_with_pan();
        // SAFETY: deliberately unsound: the read must oops, that is the test.
        let value = unsafe { (READ_WRITE as *const u64).read_volatile() };
        core::hint::black_box(value);
    }
);

fault_scenario!(
    "pan",
    expect = "PAN violation: kernel write of user address 0x100008",
    fn kernel_writes_user_memory() {
        let _memory = user_memory_with_pan();
        // SAFETY: deliberately unsound: the write must oops, that is the test.
        unsafe { ((READ_WRITE + 8) as *mut u64).write_volatile(1) };
    }
);

fault_scenario!(
    "pan",
    expect = "PXN violation: kernel instruction fetch from user address 0x400000",
    fn kernel_executes_user_memory() {
        let _memory = user_memory_with_pan();
        // SAFETY: deliberately unsound: the jump must oops, that is the test.
        let code: extern "C" fn() = unsafe { core::mem::transmute(EXECUTABLE) };
        code();
        core::hint::black_box(code);
    }
);
