//! Masking of interrupts (PSTATE.DAIF) and the `critical-section` implementation built on it.

use core::arch::asm;

/// Masks IRQs and returns the previous DAIF so it can be restored.
pub fn save_and_mask() -> u64 {
    let daif: u64;
    // SAFETY: reading and setting DAIF only changes which interrupts are taken.
    unsafe {
        asm!("mrs {}, daif", "msr daifset, #2", out(reg) daif, options(nomem, nostack, preserves_flags));
    }
    daif
}

/// Restores a DAIF value from [`save_and_mask`].
pub fn restore(daif: u64) {
    // SAFETY: as above.
    unsafe { asm!("msr daif, {}", in(reg) daif, options(nomem, nostack, preserves_flags)) }
}

/// Lets IRQs and SErrors (asynchronous aborts) in.
pub fn enable() {
    // SAFETY: as above.
    unsafe { asm!("msr daifclr, #6", options(nomem, nostack, preserves_flags)) }
}

/// Whether IRQs are taken right now (PSTATE.I clear).
pub fn enabled() -> bool {
    let daif: u64;
    // SAFETY: reading DAIF has no effect.
    unsafe { asm!("mrs {}, daif", out(reg) daif, options(nomem, nostack, preserves_flags)) };
    daif & IRQ_MASKED == 0
}

/// DAIF.I, as DAIF reads it (and as SPSR holds the interrupted code's).
pub const IRQ_MASKED: u64 = 1 << 7;

/// Sleeps until an interrupt (or event) arrives.
pub fn wait_for_interrupt() {
    // SAFETY: wfi has no memory effect.
    unsafe { asm!("wfi", options(nomem, nostack, preserves_flags)) }
}

struct DaifCriticalSection;
critical_section::set_impl!(DaifCriticalSection);

// SAFETY: the kernel runs on one core (the others stay parked), so masking IRQs on it
// excludes every other context that could enter the critical section.
unsafe impl critical_section::Impl for DaifCriticalSection {
    unsafe fn acquire() -> u64 {
        save_and_mask()
    }

    unsafe fn release(daif: u64) {
        restore(daif)
    }
}
