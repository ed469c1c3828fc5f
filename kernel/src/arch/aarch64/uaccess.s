// The uaccess routines: copy, clear, string and single-value accesses to user memory.
//
// Each routine is written once, as a macro, and instantiated twice:
//   *_user    with unprivileged LDTR/STTR: EL0 permissions apply, so a kernel address
//             faults (and with PSTATE.UAO = 1 they check EL1 permissions instead);
//   *_kernel  with plain LDUR/STUR, for the kernel-pointer scope on CPUs without UAO.
// Every access that can fault is wrapped in `guarded`, which puts an exception-table entry
// beside it. The contract (what each returns on a fault) is in uaccess/mod.rs.

.equ EFAULT, 14
.equ EXTABLE_USER, 1
.equ EXTABLE_KERNEL, 2
.equ EXTABLE_USER_MOPS, 3

// `insn` may fault; if it does, continue at `fixup`.
.macro guarded kind, fixup, insn:vararg
9999:
    \insn
    .pushsection __ex_table, "a"
    .balign 4
    .long (9999b - .), (\fixup - .), \kind
    .popsection
.endm

.macro function name
    .section .text.uaccess.\name, "ax"
    .global \name
    .type \name, %function
    .balign 16
\name:
.endm

// Gives the routine begun with `function` its size, so backtraces and the audit name it.
.macro endfunction name
    .size \name, . - \name
.endm

// The bulk loops move 256 bytes per iteration while at least that much is left, then 64, so
// a 4 KiB copy costs little more than its loads and stores; block offsets stay within the
// 9-bit immediate LDTR/STTR take. A block updates its pointers only at its end, so when an
// access in it faults the byte loop starts again at the block's first byte.

// Loads 64 bytes at [x1, #offset] with `ld` and stores them at [x0, #offset].
.macro copy_from_64 ld, kind, offset
    guarded \kind, 4f, \ld x3, [x1, #\offset]
    guarded \kind, 4f, \ld x4, [x1, #\offset + 8]
    guarded \kind, 4f, \ld x5, [x1, #\offset + 16]
    guarded \kind, 4f, \ld x6, [x1, #\offset + 24]
    guarded \kind, 4f, \ld x7, [x1, #\offset + 32]
    guarded \kind, 4f, \ld x8, [x1, #\offset + 40]
    guarded \kind, 4f, \ld x9, [x1, #\offset + 48]
    guarded \kind, 4f, \ld x10, [x1, #\offset + 56]
    stp     x3, x4, [x0, #\offset]
    stp     x5, x6, [x0, #\offset + 16]
    stp     x7, x8, [x0, #\offset + 32]
    stp     x9, x10, [x0, #\offset + 48]
.endm

// Loads 64 bytes at [x1, #offset] and stores them at [x0, #offset] with `st`.
.macro copy_to_64 st, kind, offset
    ldp     x3, x4, [x1, #\offset]
    ldp     x5, x6, [x1, #\offset + 16]
    ldp     x7, x8, [x1, #\offset + 32]
    ldp     x9, x10, [x1, #\offset + 48]
    guarded \kind, 4f, \st x3, [x0, #\offset]
    guarded \kind, 4f, \st x4, [x0, #\offset + 8]
    guarded \kind, 4f, \st x5, [x0, #\offset + 16]
    guarded \kind, 4f, \st x6, [x0, #\offset + 24]
    guarded \kind, 4f, \st x7, [x0, #\offset + 32]
    guarded \kind, 4f, \st x8, [x0, #\offset + 40]
    guarded \kind, 4f, \st x9, [x0, #\offset + 48]
    guarded \kind, 4f, \st x10, [x0, #\offset + 56]
.endm

// Zeroes 64 bytes at [x0, #offset] with `st`.
.macro clear_64 st, kind, offset
    .irp word, 0, 8, 16, 24, 32, 40, 48, 56
    guarded \kind, 4f, \st xzr, [x0, #\offset + \word]
    .endr
.endm

// A copy's bulk: 256 bytes per iteration while that many are left, then 64, each 64 moved
// by `block` (copy_from_64 or copy_to_64) with `access`; continues at the caller's label 3
// with fewer than 64 bytes left, and a faulting block continues at its label 4.
.macro copy_blocks block, access, kind
1:  cmp     x2, #256
    b.lo    2f
    .irp offset, 0, 64, 128, 192
    \block \access, \kind, \offset
    .endr
    add     x0, x0, #256
    add     x1, x1, #256
    sub     x2, x2, #256
    b       1b
2:  cmp     x2, #64
    b.lo    3f
    \block \access, \kind, 0
    add     x0, x0, #64
    add     x1, x1, #64
    sub     x2, x2, #64
    b       2b
.endm

// copy_from(dst x0: kernel, src x1: guarded, count x2) -> x0: bytes not copied.
// After a fault the block is redone byte by byte to find the exact faulting byte; the
// uncopied kernel tail is zeroed.
.macro copy_from name, ld, ldb, kind
function \name
    copy_blocks copy_from_64, \ld, \kind
3:  cmp     x2, #8
    b.lo    4f
    guarded \kind, 4f, \ld x3, [x1]
    str     x3, [x0], #8
    add     x1, x1, #8
    sub     x2, x2, #8
    b       3b
4:  cbz     x2, 6f
5:  guarded \kind, 7f, \ldb w3, [x1]
    strb    w3, [x0], #1
    add     x1, x1, #1
    subs    x2, x2, #1
    b.ne    5b
6:  mov     x0, #0
    ret
7:  mov     x3, x2
8:  strb    wzr, [x0], #1
    subs    x3, x3, #1
    b.ne    8b
    mov     x0, x2
    ret
endfunction \name
.endm

// copy_to(dst x0: guarded, src x1: kernel, count x2) -> x0: bytes not copied.
// Nothing is written past the first faulting byte.
.macro copy_to name, st, stb, kind
function \name
    copy_blocks copy_to_64, \st, \kind
3:  cmp     x2, #8
    b.lo    4f
    ldr     x3, [x1]
    guarded \kind, 4f, \st x3, [x0]
    add     x0, x0, #8
    add     x1, x1, #8
    sub     x2, x2, #8
    b       3b
4:  cbz     x2, 6f
5:  ldrb    w3, [x1]
    guarded \kind, 7f, \stb w3, [x0]
    add     x0, x0, #1
    add     x1, x1, #1
    subs    x2, x2, #1
    b.ne    5b
6:  mov     x0, #0
    ret
7:  mov     x0, x2
    ret
endfunction \name
.endm

// clear(dst x0: guarded, count x1) -> x0: bytes not cleared.
.macro clear name, st, stb, kind
function \name
1:  cmp     x1, #256
    b.lo    2f
    .irp offset, 0, 64, 128, 192
    clear_64 \st, \kind, \offset
    .endr
    add     x0, x0, #256
    sub     x1, x1, #256
    b       1b
2:  cmp     x1, #64
    b.lo    3f
    clear_64 \st, \kind, 0
    add     x0, x0, #64
    sub     x1, x1, #64
    b       2b
3:  cmp     x1, #8
    b.lo    4f
    guarded \kind, 4f, \st xzr, [x0]
    add     x0, x0, #8
    sub     x1, x1, #8
    b       3b
4:  cbz     x1, 6f
5:  guarded \kind, 7f, \stb wzr, [x0]
    add     x0, x0, #1
    subs    x1, x1, #1
    b.ne    5b
6:  mov     x0, #0
    ret
7:  mov     x0, x1
    ret
endfunction \name
.endm

// strnlen(src x0: guarded, limit x1) -> x0: length including the NUL; limit + 1 if
// there is none within limit bytes; 0 on a fault.
.macro strnlen name, ldb, kind
function \name
    mov     x2, x0
    add     x4, x0, x1
1:  cmp     x2, x4
    b.hs    2f
    guarded \kind, 3f, \ldb w3, [x2]
    add     x2, x2, #1
    cbnz    w3, 1b
    sub     x0, x2, x0
    ret
2:  add     x0, x1, #1
    ret
3:  mov     x0, #0
    ret
endfunction \name
.endm

// strncpy(dst x0: kernel, src x1: guarded, limit x2) -> x0: length without the NUL
// (which is copied too); limit if there is no NUL within limit bytes; -EFAULT on a fault.
.macro strncpy name, ldb, kind
function \name
    mov     x3, #0
1:  cmp     x3, x2
    b.hs    2f
    guarded \kind, 3f, \ldb w4, [x1, #0]
    strb    w4, [x0, x3]
    cbz     w4, 2f
    add     x1, x1, #1
    add     x3, x3, #1
    b       1b
2:  mov     x0, x3
    ret
3:  mov     x0, #-EFAULT
    ret
endfunction \name
.endm

// zeroed(src x0: guarded, count x1) -> x0: 1 if every byte is zero, 0 if one before
// any fault is not, -EFAULT on a fault first. A faulting word is redone byte by byte.
.macro zeroed name, ld, ldb, kind
function \name
1:  cmp     x1, #8
    b.lo    2f
    guarded \kind, 2f, \ld x3, [x0]
    cbnz    x3, 4f
    add     x0, x0, #8
    sub     x1, x1, #8
    b       1b
2:  cbz     x1, 3f
    guarded \kind, 5f, \ldb w3, [x0]
    cbnz    w3, 4f
    add     x0, x0, #1
    sub     x1, x1, #1
    b       2b
3:  mov     x0, #1
    ret
4:  mov     x0, #0
    ret
5:  mov     x0, #-EFAULT
    ret
endfunction \name
.endm

// get(ptr x0: guarded) -> x0: value (0 on a fault), x1: 0 or -EFAULT.
.macro get name, ld, reg, kind
function \name
    guarded \kind, 1f, \ld \reg, [x0]
    mov     x0, x2
    mov     x1, #0
    ret
1:  mov     x0, #0
    mov     x1, #-EFAULT
    ret
endfunction \name
.endm

// put(ptr x0: guarded, value x1) -> x0: 0 or -EFAULT.
.macro put name, st, reg, kind
function \name
    guarded \kind, 1f, \st \reg, [x0]
    mov     x0, #0
    ret
1:  mov     x0, #-EFAULT
    ret
endfunction \name
.endm

.macro instantiate variant, kind, ld, ldb, ldh, st, stb, sth
    copy_from __uaccess_copy_from_\variant, \ld, \ldb, \kind
    copy_to __uaccess_copy_to_\variant, \st, \stb, \kind
    clear __uaccess_clear_\variant, \st, \stb, \kind
    strnlen __uaccess_strnlen_\variant, \ldb, \kind
    strncpy __uaccess_strncpy_\variant, \ldb, \kind
    zeroed __uaccess_zeroed_\variant, \ld, \ldb, \kind
    get __uaccess_get_u8_\variant, \ldb, w2, \kind
    get __uaccess_get_u16_\variant, \ldh, w2, \kind
    get __uaccess_get_u32_\variant, \ld, w2, \kind
    get __uaccess_get_u64_\variant, \ld, x2, \kind
    put __uaccess_put_u8_\variant, \stb, w1, \kind
    put __uaccess_put_u16_\variant, \sth, w1, \kind
    put __uaccess_put_u32_\variant, \st, w1, \kind
    put __uaccess_put_u64_\variant, \st, x1, \kind
.endm

// The FEAT_MOPS forms of the copies and the clear: a prologue, main and epilogue
// instruction do the whole job, with the user side unprivileged (CPYF*RT reads, CPYF*WT
// writes, SET*T sets as EL0 would). The hardware updates the registers as it goes, so an
// interrupt or a fault that demand paging serves resumes the instruction where it stopped.
// A fault that is not served lands at the fixup, which does the whole job again with the
// LDTR/STTR routine: it finds the exact faulting byte, and the contract is that one's.
// A fault on the kernel side is no user error: the fault handler oopses on it.
.arch_extension mops

.macro mops name, fallback, prologue, main, epilogue, operands:vararg
function \name
    mov     x5, x0
    mov     x6, x1
    mov     x7, x2
    guarded EXTABLE_USER_MOPS, 1f, \prologue \operands
    guarded EXTABLE_USER_MOPS, 1f, \main \operands
    guarded EXTABLE_USER_MOPS, 1f, \epilogue \operands
    mov     x0, #0
    ret
1:  mov     x0, x5
    mov     x1, x6
    mov     x2, x7
    b       \fallback
endfunction \name
.endm

mops __uaccess_copy_from_user_mops, __uaccess_copy_from_user, cpyfprt, cpyfmrt, cpyfert, [x0]!, [x1]!, x2!
mops __uaccess_copy_to_user_mops, __uaccess_copy_to_user, cpyfpwt, cpyfmwt, cpyfewt, [x0]!, [x1]!, x2!
mops __uaccess_clear_user_mops, __uaccess_clear_user, setpt, setmt, setet, [x0]!, x1!, xzr

instantiate user, EXTABLE_USER, ldtr, ldtrb, ldtrh, sttr, sttrb, sttrh
instantiate kernel, EXTABLE_KERNEL, ldur, ldurb, ldurh, stur, sturb, sturh
