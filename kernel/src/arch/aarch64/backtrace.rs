//! Frame-pointer unwinding over the kernel stack (needs `-C force-frame-pointers=yes`).

use core::ops::Range;

/// Deepest backtrace printed.
const MAX_FRAMES: usize = 32;

/// Return addresses found by following frame records `{previous fp, lr}` from `fp`.
///
/// Only records lying inside `stack` are read, so a corrupt chain ends the walk
/// instead of faulting.
pub fn return_addresses(fp: u64, stack: Range<usize>) -> impl Iterator<Item = u64> {
    let mut fp = fp as usize;
    core::iter::from_fn(move || {
        if !fp.is_multiple_of(8) || !stack.contains(&fp) || !stack.contains(&(fp + 15)) {
            return None;
        }
        // SAFETY: `fp` is an 8-byte aligned address inside the mapped stack.
        let (previous, lr) = unsafe {
            let record = fp as *const u64;
            (record.read(), record.add(1).read())
        };
        if lr == 0 || previous as usize <= fp {
            fp = 0;
            return (lr != 0).then_some(lr);
        }
        fp = previous as usize;
        Some(lr)
    })
    .take(MAX_FRAMES)
}

/// The caller's frame pointer (x29), to unwind from the current point.
#[inline(always)]
pub fn frame_pointer() -> u64 {
    let fp: u64;
    // SAFETY: reads a register.
    unsafe {
        core::arch::asm!("mov {}, x29", out(reg) fp, options(nomem, nostack, preserves_flags))
    }
    fp
}
