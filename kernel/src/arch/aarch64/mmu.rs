//! MMU control: switching translation tables, TLB maintenance and hardware address translation.

use core::arch::{asm, global_asm};

global_asm!(
    r#"
.section .text.switch_tables, "ax"
// x0: new TTBR1, x1: new TTBR0, x2: LINEAR_BASE.
// TTBR1 changes while executing from the early identity map (TTBR0), so the code
// being fetched is never translated by the tables being replaced.
.global __switch_kernel_tables
__switch_kernel_tables:
    adr     x3, 1f
    sub     x3, x3, x2
    br      x3
1:  dsb     ishst
    msr     ttbr1_el1, x0
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    adr     x3, 2f
    add     x3, x3, x2
    br      x3
2:  msr     ttbr0_el1, x1
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    ret
"#
);

unsafe extern "C" {
    fn __switch_kernel_tables(ttbr1: usize, ttbr0: usize, linear_base: usize);
}

/// Replaces the early tables: TTBR1 gets the kernel's final tables, TTBR0 the empty one.
///
/// # Safety
/// Both must be valid tables; `kernel_root` must map the running kernel (code, stack)
/// at the same addresses, and the early identity map must still be in TTBR0.
pub unsafe fn switch_kernel_tables(kernel_root: usize, empty_root: usize, linear_base: usize) {
    // SAFETY: per the caller; the routine only touches translation registers.
    unsafe { __switch_kernel_tables(kernel_root, empty_root, linear_base) }
}

/// Makes new valid entries visible to the table walker.
pub fn publish_table_update() {
    // SAFETY: barriers only.
    unsafe { asm!("dsb ishst", "isb", options(nostack, preserves_flags)) }
}

/// Removes any cached translation of the page at `va`, for all ASIDs.
pub fn flush_tlb_page(va: usize) {
    // SAFETY: TLB maintenance has no memory effect besides dropping cached translations.
    unsafe {
        asm!(
            "dsb ishst",
            "tlbi vaae1is, {page}",
            "dsb ish",
            "isb",
            page = in(reg) (va >> 12) & ((1 << 44) - 1),
            options(nostack, preserves_flags)
        )
    }
}

#[cfg(feature = "ktest")]
/// The kind of access to check with [`hardware_translate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

#[cfg(feature = "ktest")]
/// Asks the MMU (AT S1E1R/W) where `va` goes for an EL1 access; `None` if it would fault.
pub fn hardware_translate(va: usize, access: Access) -> Option<usize> {
    let par: u64;
    // SAFETY: address translation instructions only write PAR_EL1, which is read back here.
    unsafe {
        match access {
            Access::Read => {
                asm!("at s1e1r, {va}", "isb", "mrs {par}, par_el1", va = in(reg) va, par = out(reg) par, options(nostack))
            }
            Access::Write => {
                asm!("at s1e1w, {va}", "isb", "mrs {par}, par_el1", va = in(reg) va, par = out(reg) par, options(nostack))
            }
        }
    }
    const FAILED: u64 = 1;
    (par & FAILED == 0).then_some(((par & 0x0000_ffff_ffff_f000) as usize) | (va & 0xfff))
}

#[cfg(feature = "ktest")]
/// The current TTBR0_EL1 value (table address and ASID).
pub fn ttbr0() -> u64 {
    let value: u64;
    // SAFETY: reading a system register.
    unsafe { asm!("mrs {}, ttbr0_el1", out(reg) value, options(nomem, nostack, preserves_flags)) }
    value
}

/// Removes every cached translation tagged with `asid`, before the ASID is reused.
pub fn flush_tlb_asid(asid: u16) {
    // SAFETY: TLB maintenance only.
    unsafe {
        asm!(
            "dsb ishst",
            "tlbi aside1is, {asid}",
            "dsb ish",
            "isb",
            asid = in(reg) u64::from(asid) << 48,
            options(nostack, preserves_flags)
        )
    }
}

/// Removes the cached translation of user page `va` in address space `asid`.
pub fn flush_tlb_user_page(asid: u16, va: usize) {
    let operand = (u64::from(asid) << 48) | ((va as u64 >> 12) & ((1 << 44) - 1));
    // SAFETY: TLB maintenance only.
    unsafe {
        asm!(
            "dsb ishst",
            "tlbi vae1is, {operand}",
            "dsb ish",
            "isb",
            operand = in(reg) operand,
            options(nostack, preserves_flags)
        )
    }
}

/// Removes every cached stage-1 EL1&0 translation (a new ASID generation).
pub fn flush_tlb_all() {
    // SAFETY: TLB maintenance only.
    unsafe {
        asm!(
            "dsb ishst",
            "tlbi vmalle1is",
            "dsb ish",
            "isb",
            options(nostack, preserves_flags)
        )
    }
}

/// Makes instructions just written through the kernel alias `[va, va + len)` visible to
/// instruction fetches: clean the data cache to the point of unification, then invalidate
/// the instruction caches (this kernel's user pages are executed at other addresses).
pub fn sync_instruction_cache(va: usize, len: usize) {
    const LINE: usize = 64;
    for line in (va & !(LINE - 1)..va + len).step_by(LINE) {
        // SAFETY: cache maintenance by VA on mapped kernel memory.
        unsafe { asm!("dc cvau, {}", in(reg) line, options(nostack, preserves_flags)) };
    }
    // SAFETY: barriers and instruction-cache invalidation only.
    unsafe {
        asm!(
            "dsb ish",
            "ic ialluis",
            "dsb ish",
            "isb",
            options(nostack, preserves_flags)
        )
    };
}
