// Entry from the firmware, which loads the chainloader where a kernel goes and starts it there.
// The boot core copies the image to the address it is linked at, out of the kernel's way (until
// then only PC-relative code), receives the kernel in Rust and jumps to it with the firmware's x0,
// at the exception level the firmware chose. Other cores wait and then enter the kernel, which
// parks them itself: the chainloader's memory is the kernel's once the kernel runs.
// MMU and caches stay off, so nothing here or in the Rust code may use atomics (real hardware
// hangs on exclusive accesses until the data cache is on).

// MPIDR_EL1 affinity fields Aff3, Aff2, Aff1 and Aff0: all zero on the boot core.
.equ MPIDR_AFFINITY, 0xff00ffffff

.section .text.entry, "ax"
.global _start
_start:
    mrs     x1, mpidr_el1
    ldr     x2, =MPIDR_AFFINITY
    tst     x1, x2
    b.ne    secondary_core_loaded

    adr     x1, _start
    ldr     x2, =__image_start
    ldr     x3, =__image_end
1:  ldp     x4, x5, [x1], #16
    stp     x4, x5, [x2], #16
    cmp     x2, x3
    b.lo    1b
    bl      discard_stale_instructions

    adr     x1, image_moved             // the flag in the loaded copy, where the others wait
    mov     w2, #1
    str     w2, [x1]
    dsb     sy
    sev
    ldr     x1, =boot_core_moved
    br      x1

boot_core_moved:
    mov     x19, x0                     // the boot argument (device tree) is the kernel's
    ldr     x1, =__stack_top
    mov     sp, x1
    bl      receive_kernel              // returns the kernel's entry, the kernel in place
    mov     x20, x0
    bl      discard_stale_instructions  // the kernel was written as data
    ldr     x1, =kernel_entry
    str     x20, [x1]
    dsb     sy
    sev
    mov     x0, x19
    mov     x1, xzr
    mov     x2, xzr
    mov     x3, xzr
    br      x20

// Another core, in the loaded copy: waits for the linked copy, then there for the kernel.
secondary_core_loaded:
    adr     x1, image_moved
    ldr     w2, [x1]
    cbnz    w2, 1f
    wfe
    b       secondary_core_loaded
1:  bl      discard_stale_instructions
    ldr     x1, =secondary_core_moved
    br      x1

secondary_core_moved:
    ldr     x1, =kernel_entry
    ldr     x2, [x1]
    cbnz    x2, 1f
    wfe
    b       secondary_core_moved
1:  bl      discard_stale_instructions
    br      x2                          // x0 as the firmware gave it

// Code was just written through data accesses: make this core fetch it from memory.
discard_stale_instructions:
    dsb     sy
    ic      iallu
    dsb     sy
    isb
    ret

.section .data.handoff, "aw"
.balign 8
// Set by the boot core once the linked copy exists.
image_moved:    .word 0
.balign 8
// The kernel's entry address, set by the boot core once the kernel is in place.
kernel_entry:   .quad 0
