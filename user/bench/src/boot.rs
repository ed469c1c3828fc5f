//! Boot to the first user instruction: the generic timer's virtual counter, which starts at 0
//! when QEMU starts, read as the first process begins.

/// Nanoseconds since the counter started (reset, under QEMU): instructions under `-icount
/// shift=0`, plus any time the CPU spent idle, which `sleep=off` skips on the host but not in
/// the counter.
pub fn nanoseconds_since_reset() -> u64 {
    let (ticks, hertz): (u64, u64);
    // SAFETY: Linux, and this kernel, let EL0 read the counter and its frequency.
    unsafe {
        core::arch::asm!(
            "mrs {ticks}, cntvct_el0",
            "mrs {hertz}, cntfrq_el0",
            ticks = out(reg) ticks,
            hertz = out(reg) hertz,
            options(nomem, nostack)
        )
    };
    (u128::from(ticks) * 1_000_000_000 / u128::from(hertz.max(1))) as u64
}
