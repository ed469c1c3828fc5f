//! Fault scenario: running off the bottom of a kernel stack must oops as a stack overflow.

use super::fault_scenario;

fault_scenario!(
    "stack",
    expect = "oops: kernel stack overflow",
    fn kernel_stack_overflow() {
        let mut frame = [0u8; 512];
        core::hint::black_box(&mut frame);
        if core::hint::black_box(true) {
            kernel_stack_overflow();
        }
        core::hint::black_box(&frame);
    }
);
