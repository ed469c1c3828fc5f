// Entry from firmware or QEMU: park secondary cores, drop to EL1, zero BSS,
// map the kernel image with an early table, turn on the MMU and jump to the upper half.
// Nothing here may use atomics: real hardware hangs on them until the MMU and caches are on.

.equ LINEAR_BASE,        0xffff000000000000
// SCR_EL3: NS, RES1 bits 4-5, SMD (no SMC), HCE, RW (EL2 is AArch64).
.equ SCR_EL3_VALUE,      0x5b1
// SCR_EL3.HXEn: EL2 may write HCRX_EL2 (set where the CPU has FEAT_HCX).
.equ SCR_EL3_HXEN,       (1 << 38)
// HCR_EL2.RW: EL1 is AArch64.
.equ HCR_EL2_VALUE,      (1 << 31)
// CNTHCTL_EL2: EL1 may use the physical counter and timer.
.equ CNTHCTL_EL2_VALUE,  0x3
// SPSR: return to EL1h with D, A, I and F masked.
.equ SPSR_EL1H_MASKED,   0x3c5
// SCTLR_EL1 RES1 bits (11, 20, 22, 23, 28, 29), MMU and caches off, little-endian.
.equ SCTLR_EL1_RESET,    0x30d00800
.equ SCTLR_EL1_MMU_ON,   ((1 << 0) | (1 << 2) | (1 << 12))
// MAIR index 0: Device-nGnRE; index 1: Normal write-back; index 2: Normal non-cacheable.
.equ MAIR_EL1_VALUE,     0x44ff04
// TCR_EL1: T0SZ = T1SZ = 16, 4 KiB granules, inner-shareable write-back walks.
.equ TCR_EL1_VALUE,      (16 | (1 << 8) | (1 << 10) | (3 << 12) | (16 << 16) | (1 << 24) | (1 << 26) | (3 << 28) | (2 << 30))
.equ TCR_EL1_AS,         (1 << 36)
// Early 2 MiB block: Normal memory (AttrIndx 1), inner shareable, accessed, EL1 read/write.
.equ EARLY_BLOCK_ATTRS,  ((1 << 0) | (1 << 2) | (3 << 8) | (1 << 10))
.equ TABLE_DESCRIPTOR,   0x3
// MPIDR_EL1 affinity fields Aff3, Aff2, Aff1 and Aff0: all zero on the boot core.
.equ MPIDR_AFFINITY,     0xff00ffffff
// CPTR_EL2: RES1 bits only, so nothing (FP/SIMD included) traps to EL2.
.equ CPTR_EL2_VALUE,     0x33ff
// HCRX_EL2.MSCEn: FEAT_MOPS instructions are not UNDEFINED at EL1 and EL0.
.equ HCRX_EL2_MSCEN,     (1 << 11)
// CNTFRQ_EL0 when nobody set it: the Pi's 19.2 MHz crystal.
.equ DEFAULT_CNTFRQ,     19200000
// CPUECTLR_EL1.SMPEN: take part in coherency (Cortex-A53/A72; the Pi's armstub sets it).
.equ CPUECTLR_SMPEN,     (1 << 6)

.section .text.boot, "ax"
.global _start
_start:
    mov     x19, x0                     // boot argument (DTB pointer on real hardware)
    mrs     x1, mpidr_el1
    ldr     x2, =MPIDR_AFFINITY
    tst     x1, x2
    b.ne    park

    mrs     x1, CurrentEL
    lsr     x1, x1, #2
    cmp     x1, #3
    b.eq    from_el3
    cmp     x1, #2
    b.eq    from_el2
    b       at_el1

from_el3:
    ldr     x1, =SCR_EL3_VALUE
    mrs     x2, id_aa64mmfr1_el1
    ubfx    x2, x2, #40, #4             // FEAT_HCX
    cbz     x2, 0f
    orr     x1, x1, #SCR_EL3_HXEN
0:  msr     scr_el3, x1
    msr     cptr_el3, xzr               // no FP/SIMD traps to EL3
    msr     mdcr_el3, xzr               // debug and PMU usable below EL3
    mrs     x1, cntfrq_el0              // only EL3 can set it; firmware usually has
    cbnz    x1, 1f
    ldr     x1, =DEFAULT_CNTFRQ
    msr     cntfrq_el0, x1
1:  mrs     x1, midr_el1
    ubfx    x1, x1, #4, #12             // part number
    cmp     x1, #0xd03                  // Cortex-A53
    b.eq    2f
    cmp     x1, #0xd08                  // Cortex-A72
    b.ne    3f
2:  mrs     x1, S3_1_C15_C2_1           // CPUECTLR_EL1
    orr     x1, x1, #CPUECTLR_SMPEN
    msr     S3_1_C15_C2_1, x1
3:  bl      configure_el2
    mov     x1, #SPSR_EL1H_MASKED
    msr     spsr_el3, x1
    adr     x1, at_el1
    msr     elr_el3, x1
    eret

from_el2:
    bl      configure_el2
    mov     x1, #SPSR_EL1H_MASKED
    msr     spsr_el2, x1
    adr     x1, at_el1
    msr     elr_el2, x1
    eret

// EL2 hands everything to EL1: AArch64, timers accessible, no virtual counter offset,
// the real CPU identity, no traps of FP/SIMD, system registers or the PMU, no stage 2,
// and the memory copy and set instructions where the CPU has them.
configure_el2:
    mov     x1, #HCR_EL2_VALUE
    msr     hcr_el2, x1
    mov     x1, #CNTHCTL_EL2_VALUE
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    mrs     x1, midr_el1
    msr     vpidr_el2, x1
    mrs     x1, mpidr_el1
    msr     vmpidr_el2, x1
    mov     x1, #CPTR_EL2_VALUE
    msr     cptr_el2, x1
    msr     hstr_el2, xzr
    mrs     x1, pmcr_el0
    ubfx    x1, x1, #11, #5             // MDCR_EL2.HPMN = PMCR_EL0.N: all counters to EL1
    msr     mdcr_el2, x1
    msr     vttbr_el2, xzr
    mrs     x1, id_aa64mmfr1_el1
    ubfx    x1, x1, #40, #4             // FEAT_HCX: HCRX_EL2 exists
    cbz     x1, 1f
    mrs     x1, S3_0_C0_C6_2            // ID_AA64ISAR2_EL1
    ubfx    x1, x1, #16, #4             // FEAT_MOPS
    cbz     x1, 1f
    mov     x1, #HCRX_EL2_MSCEN
    msr     S3_4_C1_C2_2, x1            // HCRX_EL2
1:  ret

at_el1:
    msr     daifset, #0xf
    msr     spsel, #1
    ldr     x1, =SCTLR_EL1_RESET
    msr     sctlr_el1, x1
    isb

    // Drop any cache lines over BSS first (on the A53 an invalidate may write a dirty
    // line back), then zero it through its physical address.
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
    bl      invalidate_range
    mov     x3, x1
1:  cmp     x3, x2
    b.hs    2f
    stp     xzr, xzr, [x3], #16
    b       1b
2:

    // Early tables: one L0 and one L1 shared by TTBR0 (identity) and TTBR1
    // (LINEAR_BASE + physical), and an L2 of 2 MiB blocks over the image.
    adrp    x1, __early_l0
    adrp    x2, __early_l1
    adrp    x3, __early_l2
    orr     x4, x2, #TABLE_DESCRIPTOR
    str     x4, [x1]
    adrp    x5, __kernel_start
    lsr     x6, x5, #30
    and     x6, x6, #0x1ff
    orr     x4, x3, #TABLE_DESCRIPTOR
    str     x4, [x2, x6, lsl #3]
    and     x5, x5, #~0x1fffff          // first 2 MiB block of the image
    adrp    x7, __kernel_end
3:  lsr     x6, x5, #21
    and     x6, x6, #0x1ff
    mov     x4, #EARLY_BLOCK_ATTRS
    orr     x4, x4, x5
    str     x4, [x3, x6, lsl #3]
    add     x5, x5, #0x200000
    cmp     x5, x7
    b.lo    3b
    dsb     sy
    mov     x9, x1                      // the tables were written uncached: drop stale lines
    add     x2, x1, #(3 * 4096)
    bl      invalidate_range
    mov     x1, x9

    ldr     x2, =MAIR_EL1_VALUE
    msr     mair_el1, x2
    ldr     x2, =TCR_EL1_VALUE
    mrs     x3, id_aa64mmfr0_el1
    bfi     x2, x3, #32, #3             // IPS = PARange
    ubfx    x3, x3, #4, #4              // ASIDBits: 0b0010 means 16-bit ASIDs
    cmp     x3, #2
    b.ne    4f
    orr     x2, x2, #TCR_EL1_AS
4:  msr     tcr_el1, x2
    msr     ttbr0_el1, x1
    msr     ttbr1_el1, x1
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    mrs     x2, sctlr_el1
    ldr     x3, =SCTLR_EL1_MMU_ON
    orr     x2, x2, x3
    msr     sctlr_el1, x2
    isb

    // Now in the upper half for good.
    ldr     x1, =__boot_stack_top
    mov     sp, x1
    mov     x29, xzr
    mov     x30, xzr
    mov     x0, x19
    ldr     x1, =kernel_main
    br      x1

park:
    wfe
    b       park

// Invalidates the data cache lines over [x1, x2). Clobbers x3.
invalidate_range:
    bic     x3, x1, #63
1:  dc      ivac, x3
    add     x3, x3, #64
    cmp     x3, x2
    b.lo    1b
    dsb     sy
    ret

.section .bss.early_tables, "aw", %nobits
.balign 4096
__early_l0: .space 4096
__early_l1: .space 4096
__early_l2: .space 4096
