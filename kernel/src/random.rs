//! Pseudo-random bytes for getrandom and AT_RANDOM: SplitMix64 over a state stirred with the
//! counter on every call. Not cryptographically strong: there is no entropy source yet.

use crate::arch::aarch64::timer;
use core::sync::atomic::{AtomicU64, Ordering};

static STATE: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);

fn next() -> u64 {
    let seed = STATE.fetch_add(0x9e37_79b9_7f4a_7c15 ^ timer::counter(), Ordering::Relaxed);
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub fn fill(bytes: &mut [u8]) {
    for chunk in bytes.chunks_mut(8) {
        chunk.copy_from_slice(&next().to_le_bytes()[..chunk.len()]);
    }
}
