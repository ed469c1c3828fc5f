// memcpy and memset for the kernel, in general registers only (the kernel never touches the
// FP/SIMD registers, which hold user state): 16 bytes per LDP/STP, overlapping loads and
// stores for the head and tail so no size needs a byte loop, and alignment left to the
// hardware (the kernel runs with the MMU on and SCTLR_EL1.A clear, so unaligned accesses
// to normal memory cost what aligned ones do). The same shapes as Arm's optimized routines.

// 64 bytes from [src + from] to [dst + to], through x6-x13.
.macro copy_64 src, from, dst, to
    ldp     x6, x7, [\src, #\from]
    ldp     x8, x9, [\src, #\from + 16]
    ldp     x10, x11, [\src, #\from + 32]
    ldp     x12, x13, [\src, #\from + 48]
    stp     x6, x7, [\dst, #\to]
    stp     x8, x9, [\dst, #\to + 16]
    stp     x10, x11, [\dst, #\to + 32]
    stp     x12, x13, [\dst, #\to + 48]
.endm

// 64 bytes of x1 at [dst + to].
.macro set_64 dst, to
    stp     x1, x1, [\dst, #\to]
    stp     x1, x1, [\dst, #\to + 16]
    stp     x1, x1, [\dst, #\to + 32]
    stp     x1, x1, [\dst, #\to + 48]
.endm

// memcpy(dst x0, src x1, n x2) -> dst. The regions must not overlap.
.section .text.memcpy, "ax"
.global memcpy
.type memcpy, %function
.balign 64
memcpy:
    add     x4, x1, x2              // src end
    add     x5, x0, x2              // dst end
    cmp     x2, #16
    b.hi    .Lcopy_more_than_16
    cmp     x2, #8
    b.lo    .Lcopy_less_than_8
    ldr     x6, [x1]                // 8..16: first and last 8, overlapping
    ldr     x7, [x4, #-8]
    str     x6, [x0]
    str     x7, [x5, #-8]
    ret
.Lcopy_less_than_8:
    tbz     x2, #2, .Lcopy_less_than_4
    ldr     w6, [x1]                // 4..7: first and last 4
    ldr     w7, [x4, #-4]
    str     w6, [x0]
    str     w7, [x5, #-4]
    ret
.Lcopy_less_than_4:
    cbz     x2, .Lcopy_done
    lsr     x8, x2, #1              // 1..3: first, middle and last byte
    ldrb    w6, [x1]
    ldrb    w7, [x4, #-1]
    ldrb    w9, [x1, x8]
    strb    w6, [x0]
    strb    w9, [x0, x8]
    strb    w7, [x5, #-1]
.Lcopy_done:
    ret
.Lcopy_more_than_16:
    cmp     x2, #64
    b.hi    .Lcopy_more_than_64
    ldp     x6, x7, [x1]            // 17..64: first and last 16, and if more than 32,
    ldp     x8, x9, [x4, #-16]      // the 16 after the first and before the last
    cmp     x2, #32
    b.ls    .Lcopy_up_to_32
    ldp     x10, x11, [x1, #16]
    ldp     x12, x13, [x4, #-32]
    stp     x10, x11, [x0, #16]
    stp     x12, x13, [x5, #-32]
.Lcopy_up_to_32:
    stp     x6, x7, [x0]
    stp     x8, x9, [x5, #-16]
    ret
.Lcopy_more_than_64:
    // Blocks from the start while more than 64 bytes are left after them; then the last
    // 64 bytes from the end, overlapping what the blocks copied.
    mov     x3, x0
    sub     x2, x2, #64             // bytes before the last 64
    cmp     x2, #256
    b.lo    .Lcopy_64_blocks
.Lcopy_256_blocks:
    .irp offset, 0, 64, 128, 192
    copy_64 x1, \offset, x3, \offset
    .endr
    add     x1, x1, #256
    add     x3, x3, #256
    sub     x2, x2, #256
    cmp     x2, #256
    b.hs    .Lcopy_256_blocks
.Lcopy_64_blocks:
    cmp     x2, #0
    b.le    .Lcopy_last_64
    copy_64 x1, 0, x3, 0
    add     x1, x1, #64
    add     x3, x3, #64
    sub     x2, x2, #64
    b       .Lcopy_64_blocks
.Lcopy_last_64:
    copy_64 x4, -64, x5, -64
    ret
.size memcpy, . - memcpy

// memset(dst x0, byte w1, n x2) -> dst.
.section .text.memset, "ax"
.global memset
.type memset, %function
.balign 64
memset:
    and     x1, x1, #0xff           // the byte in every byte of x1
    mov     x6, #0x0101010101010101
    mul     x1, x1, x6
    add     x5, x0, x2              // end
    cmp     x2, #16
    b.hi    .Lset_more_than_16
    cmp     x2, #8
    b.lo    .Lset_less_than_8
    str     x1, [x0]                // 8..16: first and last 8
    str     x1, [x5, #-8]
    ret
.Lset_less_than_8:
    tbz     x2, #2, .Lset_less_than_4
    str     w1, [x0]                // 4..7
    str     w1, [x5, #-4]
    ret
.Lset_less_than_4:
    cbz     x2, .Lset_done
    lsr     x8, x2, #1              // 1..3: first, middle and last byte
    strb    w1, [x0]
    strb    w1, [x0, x8]
    strb    w1, [x5, #-1]
.Lset_done:
    ret
.Lset_more_than_16:
    cmp     x2, #64
    b.hi    .Lset_more_than_64
    stp     x1, x1, [x0]            // 17..64: first and last 16, and 32 if more
    stp     x1, x1, [x5, #-16]
    cmp     x2, #32
    b.ls    .Lset_done
    stp     x1, x1, [x0, #16]
    stp     x1, x1, [x5, #-32]
    ret
.Lset_more_than_64:
    mov     x3, x0
    sub     x2, x2, #64             // bytes before the last 64
.Lset_128_blocks:
    cmp     x2, #128
    b.lo    .Lset_64_blocks
    set_64  x3, 0
    set_64  x3, 64
    add     x3, x3, #128
    sub     x2, x2, #128
    b       .Lset_128_blocks
.Lset_64_blocks:
    cmp     x2, #0
    b.le    .Lset_last_64
    set_64  x3, 0
    add     x3, x3, #64
    sub     x2, x2, #64
    b       .Lset_64_blocks
.Lset_last_64:
    set_64  x5, -64
    ret
.size memset, . - memset
