//! PSTATE.UAO (FEAT_UAO): while set, LDTR/STTR at EL1 check EL1 permissions.

use core::arch::asm;

/// Sets or clears PSTATE.UAO. Only on CPUs with FEAT_UAO (elsewhere the MSR is undefined).
pub fn set(enabled: bool) {
    // SAFETY: changes how the uaccess routines' LDTR/STTR check permissions, which is the
    // whole point of the caller's scope.
    unsafe {
        if enabled {
            asm!(
                ".arch armv8.2-a",
                "msr uao, #1",
                options(nomem, nostack, preserves_flags)
            );
        } else {
            asm!(
                ".arch armv8.2-a",
                "msr uao, #0",
                options(nomem, nostack, preserves_flags)
            );
        }
    }
}
