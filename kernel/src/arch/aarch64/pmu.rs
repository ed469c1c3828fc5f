//! The PMU's retired-instruction counter (event 0x08 on counter 0): under QEMU's
//! `-icount shift=0` it counts exactly, so measurements repeat to the instruction.

use core::arch::asm;

const INST_RETIRED: u64 = 0x08;

/// Starts counter 0 counting retired instructions at EL1 and EL0.
pub fn start_instruction_counter() {
    // SAFETY: programs and enables PMU counter 0; nothing else uses the PMU.
    unsafe {
        asm!(
            "msr pmevtyper0_el0, {event}",
            "msr pmcntenset_el0, {counter0}",
            "mrs {pmcr}, pmcr_el0",
            "orr {pmcr}, {pmcr}, #1",
            "msr pmcr_el0, {pmcr}",
            "isb",
            event = in(reg) INST_RETIRED,
            counter0 = in(reg) 1u64,
            pmcr = out(reg) _,
            options(nostack)
        );
    }
}

/// Instructions retired so far.
#[inline(always)]
pub fn instructions() -> u64 {
    let count: u64;
    // SAFETY: reads a PMU counter.
    unsafe {
        asm!("isb", "mrs {}, pmevcntr0_el0", out(reg) count, options(nomem, nostack, preserves_flags))
    };
    count
}
