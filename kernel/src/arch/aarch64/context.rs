//! Kernel context switch: callee-saved registers, stack, TPIDR_EL0 and the user's FP/SIMD state.
//!
//! The kernel itself never touches FP/SIMD (it is built soft-float), so the registers hold
//! the running process's values throughout its time in the kernel and are switched eagerly
//! here, with the rest of its context.

use core::arch::global_asm;

/// Everything a suspended kernel thread needs to resume.
#[repr(C, align(16))]
pub struct Context {
    /// x19 to x29, then x30 (where `switch` returns to) and sp.
    registers: [u64; 13],
    tpidr_el0: u64,
    fp: FpRegisters,
}

/// The FP/SIMD registers of user code (what a signal frame saves and sigreturn restores).
#[repr(C, align(16))]
#[derive(Clone, Default)]
pub struct FpRegisters {
    /// q0 to q31.
    pub vectors: [u128; 32],
    pub fpcr: u64,
    pub fpsr: u64,
}

impl FpRegisters {
    /// The values in the registers now, which belong to the running process.
    pub fn live() -> Self {
        let mut registers = Self::default();
        // SAFETY: stores the registers into `registers` only.
        unsafe { __save_fp(&mut registers) };
        registers
    }

    /// Loads these values into the registers, for the running process.
    pub fn make_live(&self) {
        // SAFETY: the kernel never uses these registers; they belong to the running process.
        unsafe { __load_fp(self) };
    }
}

impl Context {
    /// A context that starts by calling `entry` on the stack ending at `stack_top`.
    pub const fn new(entry: usize, stack_top: usize) -> Self {
        let mut registers = [0; 13];
        registers[11] = entry as u64;
        registers[12] = stack_top as u64;
        Self {
            registers,
            tpidr_el0: 0,
            fp: FpRegisters {
                vectors: [0; 32],
                fpcr: 0,
                fpsr: 0,
            },
        }
    }

    /// Takes the running process's live FP/SIMD and TPIDR_EL0 values (for a forked child).
    pub fn capture_user_state(&mut self) {
        // SAFETY: stores registers into this context only.
        unsafe { __save_user_state(self) }
    }

    /// Sets the thread pointer the context resumes user code with (clone's CLONE_SETTLS).
    pub fn set_thread_pointer(&mut self, value: u64) {
        self.tpidr_el0 = value;
    }
}

const _: () = assert!(core::mem::offset_of!(Context, tpidr_el0) == 104);
const _: () = assert!(core::mem::offset_of!(Context, fp) == 112);
const _: () = assert!(core::mem::offset_of!(FpRegisters, fpcr) == 512);

global_asm!(
    r#"
.section .text.context_switch, "ax"
.arch_extension fp
.arch_extension simd

// Stores the FP/SIMD registers at the FpRegisters in \regs. Clobbers x10, x11.
.macro save_fp regs
    stp     q0, q1, [\regs, #0]
    stp     q2, q3, [\regs, #32]
    stp     q4, q5, [\regs, #64]
    stp     q6, q7, [\regs, #96]
    stp     q8, q9, [\regs, #128]
    stp     q10, q11, [\regs, #160]
    stp     q12, q13, [\regs, #192]
    stp     q14, q15, [\regs, #224]
    stp     q16, q17, [\regs, #256]
    stp     q18, q19, [\regs, #288]
    stp     q20, q21, [\regs, #320]
    stp     q22, q23, [\regs, #352]
    stp     q24, q25, [\regs, #384]
    stp     q26, q27, [\regs, #416]
    stp     q28, q29, [\regs, #448]
    stp     q30, q31, [\regs, #480]
    mrs     x10, fpcr
    mrs     x11, fpsr
    str     x10, [\regs, #512]
    str     x11, [\regs, #520]
.endm

// Loads what save_fp stored. Clobbers x10, x11.
.macro load_fp regs
    ldp     q0, q1, [\regs, #0]
    ldp     q2, q3, [\regs, #32]
    ldp     q4, q5, [\regs, #64]
    ldp     q6, q7, [\regs, #96]
    ldp     q8, q9, [\regs, #128]
    ldp     q10, q11, [\regs, #160]
    ldp     q12, q13, [\regs, #192]
    ldp     q14, q15, [\regs, #224]
    ldp     q16, q17, [\regs, #256]
    ldp     q18, q19, [\regs, #288]
    ldp     q20, q21, [\regs, #320]
    ldp     q22, q23, [\regs, #352]
    ldp     q24, q25, [\regs, #384]
    ldp     q26, q27, [\regs, #416]
    ldp     q28, q29, [\regs, #448]
    ldp     q30, q31, [\regs, #480]
    ldr     x10, [\regs, #512]
    ldr     x11, [\regs, #520]
    msr     fpcr, x10
    msr     fpsr, x11
.endm

// Stores TPIDR_EL0 and the FP/SIMD state at the Context in \base. Clobbers x9-x11.
.macro save_user_state base
    mrs     x10, tpidr_el0
    str     x10, [\base, #104]
    add     x9, \base, #112
    save_fp x9
.endm

// Loads what save_user_state stored. Clobbers x9-x11.
.macro load_user_state base
    ldr     x10, [\base, #104]
    msr     tpidr_el0, x10
    add     x9, \base, #112
    load_fp x9
.endm

// x0: context to save into, x1: context to resume.
.global __switch_context
.type __switch_context, %function
__switch_context:
    stp     x19, x20, [x0, #0]
    stp     x21, x22, [x0, #16]
    stp     x23, x24, [x0, #32]
    stp     x25, x26, [x0, #48]
    stp     x27, x28, [x0, #64]
    stp     x29, x30, [x0, #80]
    mov     x9, sp
    str     x9, [x0, #96]
    save_user_state x0
    load_user_state x1
    ldp     x19, x20, [x1, #0]
    ldp     x21, x22, [x1, #16]
    ldp     x23, x24, [x1, #32]
    ldp     x25, x26, [x1, #48]
    ldp     x27, x28, [x1, #64]
    ldp     x29, x30, [x1, #80]
    ldr     x9, [x1, #96]
    mov     sp, x9
    ret
.size __switch_context, . - __switch_context

// x0: context to store the live user state (FP/SIMD, TPIDR_EL0) into.
.global __save_user_state
.type __save_user_state, %function
__save_user_state:
    save_user_state x0
    ret
.size __save_user_state, . - __save_user_state

// x0: FpRegisters to store the live FP/SIMD registers into.
.global __save_fp
.type __save_fp, %function
__save_fp:
    save_fp x0
    ret
.size __save_fp, . - __save_fp

// x0: FpRegisters to load into the live FP/SIMD registers.
.global __load_fp
.type __load_fp, %function
__load_fp:
    load_fp x0
    ret
.size __load_fp, . - __load_fp

// Zeroes the live user state, for a new program.
.global __clear_user_state
.type __clear_user_state, %function
__clear_user_state:
    msr     tpidr_el0, xzr
    movi    v0.2d, #0
    movi    v1.2d, #0
    movi    v2.2d, #0
    movi    v3.2d, #0
    movi    v4.2d, #0
    movi    v5.2d, #0
    movi    v6.2d, #0
    movi    v7.2d, #0
    movi    v8.2d, #0
    movi    v9.2d, #0
    movi    v10.2d, #0
    movi    v11.2d, #0
    movi    v12.2d, #0
    movi    v13.2d, #0
    movi    v14.2d, #0
    movi    v15.2d, #0
    movi    v16.2d, #0
    movi    v17.2d, #0
    movi    v18.2d, #0
    movi    v19.2d, #0
    movi    v20.2d, #0
    movi    v21.2d, #0
    movi    v22.2d, #0
    movi    v23.2d, #0
    movi    v24.2d, #0
    movi    v25.2d, #0
    movi    v26.2d, #0
    movi    v27.2d, #0
    movi    v28.2d, #0
    movi    v29.2d, #0
    movi    v30.2d, #0
    movi    v31.2d, #0
    msr     fpcr, xzr
    msr     fpsr, xzr
    ret
.size __clear_user_state, . - __clear_user_state

// First run of a new process: finish the switch in Rust with the trap frame the stack points
// at, then leave through the normal exception return path.
.global __process_start
.type __process_start, %function
__process_start:
    mov     x0, sp
    bl      process_first_run
    b       exception_return
.size __process_start, . - __process_start
"#
);

unsafe extern "C" {
    fn __switch_context(save: *mut Context, resume: *const Context);
    fn __save_user_state(into: *mut Context);
    fn __clear_user_state();
    fn __save_fp(into: *mut FpRegisters);
    fn __load_fp(from: *const FpRegisters);
    fn __process_start();
}

/// Where a new process's context starts.
pub fn process_start() -> usize {
    __process_start as *const () as usize
}

/// Saves the running thread into `save` and resumes `resume`; returns when someone
/// switches back to `save`.
///
/// # Safety
/// Both point at live contexts; `resume` was saved by this function or made by
/// [`Context::new`] with a valid stack; IRQs are masked.
pub unsafe fn switch(save: *mut Context, resume: *const Context) {
    // SAFETY: per the caller.
    unsafe { __switch_context(save, resume) }
}

/// Zeroes the live FP/SIMD registers and TPIDR_EL0, so a new program inherits nothing.
pub fn clear_user_state() {
    // SAFETY: the kernel never uses these registers; they belong to the running process.
    unsafe { __clear_user_state() }
}

/// Lets EL0 use FP/SIMD (CPACR_EL1.FPEN = 0b11); the kernel, built soft-float, never does.
pub fn enable_fp_for_user() {
    // SAFETY: only changes trapping of FP/SIMD instructions.
    unsafe {
        core::arch::asm!(
            "mrs {value}, cpacr_el1",
            "orr {value}, {value}, #(3 << 20)",
            "msr cpacr_el1, {value}",
            "isb",
            value = out(reg) _,
            options(nostack)
        )
    }
}
