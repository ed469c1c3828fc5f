//! The load average (/proc/loadavg, uptime, top): as Linux computes it, the number of
//! runnable threads sampled every five seconds and damped exponentially over one, five and
//! fifteen minutes, in fixed point with 11 fractional bits.

use crate::arch::aarch64::timer::TICK_HZ;
use core::sync::atomic::{AtomicU64, Ordering};

const FRACTION_BITS: u32 = 11;
const FIXED_ONE: u64 = 1 << FRACTION_BITS;
/// Ticks between samples (Linux's LOAD_FREQ: five seconds).
const SAMPLE_TICKS: u64 = 5 * TICK_HZ;
/// exp(-5 s / 1 min), exp(-5 s / 5 min), exp(-5 s / 15 min) in fixed point (Linux's EXP_n).
const DECAY: [u64; 3] = [1884, 2014, 2037];

static AVERAGES: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];
static TICKS: AtomicU64 = AtomicU64::new(0);

/// Called on every timer tick; takes a sample of `runnable()` every five seconds.
pub fn on_tick(runnable: impl FnOnce() -> usize) {
    if !(TICKS.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(SAMPLE_TICKS) {
        return;
    }
    let active = runnable() as u64 * FIXED_ONE;
    for (average, decay) in AVERAGES.iter().zip(DECAY) {
        let old = average.load(Ordering::Relaxed);
        average.store(damp(old, decay, active), Ordering::Relaxed);
    }
}

/// One step of the damping, rounded up while the load rises (Linux's calc_load).
fn damp(old: u64, decay: u64, active: u64) -> u64 {
    let mut new = old * decay + active * (FIXED_ONE - decay);
    if active >= old {
        new += FIXED_ONE - 1;
    }
    new / FIXED_ONE
}

/// The three averages as `x.yy`: whole part and hundredths.
pub fn averages() -> [(u64, u64); 3] {
    AVERAGES.each_ref().map(|average| {
        let value = average.load(Ordering::Relaxed);
        let hundredths = (value & (FIXED_ONE - 1)) * 100 / FIXED_ONE;
        (value >> FRACTION_BITS, hundredths)
    })
}
