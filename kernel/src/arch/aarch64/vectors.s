// Exception vector table and the common entry/exit path that builds a TrapFrame.
// Layout must match TrapFrame in trap_frame.rs.

.equ FRAME_SIZE,        304
.equ FRAME_RECORD,      288
// log2 of the kernel stack size (link.ld's STACK_SIZE).
.equ STACK_SHIFT,       15
// Vector kind handle_exception reports a kernel stack overflow with.
.equ KIND_STACK_OVERFLOW, 16
.equ OVERFLOW_STACK_SIZE, 8192

.macro VECTOR kind
.balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #16 * 0]
    mov     x1, #\kind
    b       exception_entry
.endm

// For exceptions taken from EL1: first check that the frame fits on the stack. Kernel
// stacks start at a 2 * STACK_SIZE boundary, so bit STACK_SHIFT of SP is clear on the
// stack and set in the unmapped area below it. The test needs a register: borrow x0
// through SP arithmetic (as Linux does), so nothing is stored before it is known safe.
.macro VECTOR_EL1 kind
.balign 0x80
    sub     sp, sp, #FRAME_SIZE
    add     sp, sp, x0                  // sp' = sp + x0
    sub     x0, sp, x0                  // x0 = sp
    tbnz    x0, #STACK_SHIFT, kernel_stack_overflow
    sub     x0, sp, x0                  // x0 restored
    sub     sp, sp, x0                  // sp restored
    stp     x0, x1, [sp, #16 * 0]
    mov     x1, #\kind
    b       exception_entry
.endm

.section .text.vectors, "ax"
.balign 0x800
.global exception_vectors
exception_vectors:
    VECTOR 0
    VECTOR 1
    VECTOR 2
    VECTOR 3
    VECTOR_EL1 4
    VECTOR_EL1 5
    VECTOR_EL1 6
    VECTOR_EL1 7
    VECTOR 8
    VECTOR 9
    VECTOR 10
    VECTOR 11
    VECTOR 12
    VECTOR 13
    VECTOR 14
    VECTOR 15

// The stack overflowed: x0 holds the overflowing SP, sp = that SP + the original x0.
// Move to the overflow stack, rebuild x0, and report through the common path.
kernel_stack_overflow:
    sub     x0, sp, x0                  // x0 restored (sp still overflowed)
    adrp    x1, overflow_stack_top      // x1 is not saved: its value is lost in the report
    add     x1, x1, :lo12:overflow_stack_top
    mov     sp, x1
    sub     sp, sp, #FRAME_SIZE
    stp     x0, xzr, [sp, #16 * 0]
    mov     x1, #KIND_STACK_OVERFLOW
    b       exception_entry

exception_entry:
    stp     x2, x3, [sp, #16 * 1]
    stp     x4, x5, [sp, #16 * 2]
    stp     x6, x7, [sp, #16 * 3]
    stp     x8, x9, [sp, #16 * 4]
    stp     x10, x11, [sp, #16 * 5]
    stp     x12, x13, [sp, #16 * 6]
    stp     x14, x15, [sp, #16 * 7]
    stp     x16, x17, [sp, #16 * 8]
    stp     x18, x19, [sp, #16 * 9]
    stp     x20, x21, [sp, #16 * 10]
    stp     x22, x23, [sp, #16 * 11]
    stp     x24, x25, [sp, #16 * 12]
    stp     x26, x27, [sp, #16 * 13]
    stp     x28, x29, [sp, #16 * 14]
    mrs     x21, sp_el0
    stp     x30, x21, [sp, #16 * 15]
    mrs     x22, elr_el1
    mrs     x23, spsr_el1
    stp     x22, x23, [sp, #16 * 16]
    mrs     x24, esr_el1
    mrs     x25, far_el1
    stp     x24, x25, [sp, #16 * 17]
    // A frame record {interrupted fp, interrupted pc} links the backtrace through the exception.
    stp     x29, x22, [sp, #FRAME_RECORD]
    add     x29, sp, #FRAME_RECORD
    mov     x0, sp
    bl      handle_exception

// Restores the TrapFrame at sp and returns from the exception (also how a new process
// first enters EL0).
.global exception_return
exception_return:
    ldp     x22, x23, [sp, #16 * 16]
    msr     elr_el1, x22
    msr     spsr_el1, x23
    ldp     x30, x21, [sp, #16 * 15]
    msr     sp_el0, x21
    ldp     x0, x1, [sp, #16 * 0]
    ldp     x2, x3, [sp, #16 * 1]
    ldp     x4, x5, [sp, #16 * 2]
    ldp     x6, x7, [sp, #16 * 3]
    ldp     x8, x9, [sp, #16 * 4]
    ldp     x10, x11, [sp, #16 * 5]
    ldp     x12, x13, [sp, #16 * 6]
    ldp     x14, x15, [sp, #16 * 7]
    ldp     x16, x17, [sp, #16 * 8]
    ldp     x18, x19, [sp, #16 * 9]
    ldp     x20, x21, [sp, #16 * 10]
    ldp     x22, x23, [sp, #16 * 11]
    ldp     x24, x25, [sp, #16 * 12]
    ldp     x26, x27, [sp, #16 * 13]
    ldp     x28, x29, [sp, #16 * 14]
    add     sp, sp, #FRAME_SIZE
    eret

.section .bss.overflow_stack, "aw", %nobits
.balign 16
overflow_stack:
    .space OVERFLOW_STACK_SIZE
overflow_stack_top:
