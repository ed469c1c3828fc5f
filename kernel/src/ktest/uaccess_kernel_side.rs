//! Fault scenarios: a uaccess copy whose kernel side faults is a kernel bug, so it must oops
//! rather than report a residue, whether the copy is an LDTR/STTR loop or one FEAT_MOPS
//! instruction that touches both sides.

use super::fault_scenario;
use super::user_memory::{READ_WRITE, UserMemory};
use crate::uaccess::{UserPtr, copy_from_user};

fault_scenario!(
    "uaccess_kernel_side",
    expect = "unexpected write fault in the kernel",
    fn copy_from_user_into_kernel_text() {
        let _memory = UserMemory::new().unwrap_or_else(|_| panic!("cannot set up user memory"));
        let text = crate::mm::image::text().start as *mut u8;
        // SAFETY: deliberately unsound: the kernel text is read-only, so the copy's kernel
        // side must fault and oops, that is the test.
        let destination = unsafe { core::slice::from_raw_parts_mut(text, 256) };
        copy_into(destination);
    }
);

/// The copy, in a frame of its own, so the backtrace walks from the routine's caller up
/// through the scenario (the routine itself keeps no frame record).
#[inline(never)]
fn copy_into(destination: &mut [u8]) {
    let left = copy_from_user(destination, UserPtr::new(READ_WRITE));
    core::hint::black_box(left);
}
