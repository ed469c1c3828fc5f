//! Tests of the kernel's memcpy and memset (arch/aarch64/memory.s) against byte-at-a-time
//! references: every size up to 300 and some larger ones, at every alignment of source and
//! destination within 8 bytes, with guard bytes on both sides that must stay untouched.

use super::{check, ktest};
use alloc::vec;
use core::hint::black_box;

const SIZES: [usize; 8] = [511, 512, 1000, 4095, 4096, 4097, 5000, 65536];
const GUARD: u8 = 0xcc;
/// Room for the largest size, the offsets and a guard after it.
const BUFFER: usize = 65536 + 64;

fn sizes() -> impl Iterator<Item = usize> {
    (0..=300).chain(SIZES)
}

/// The byte at `i` of the source pattern (no run repeats at a power of two).
fn pattern(i: usize) -> u8 {
    (i * 7 + i / 251) as u8
}

ktest!(
    "memory_routines",
    fn memcpy_copies_exactly_the_bytes_asked_for() {
        let source: alloc::vec::Vec<u8> = (0..BUFFER).map(pattern).collect();
        let mut destination = vec![GUARD; BUFFER];
        for size in sizes() {
            for (source_offset, destination_offset) in [(0, 0), (1, 0), (0, 3), (5, 7), (8, 1)] {
                destination.fill(GUARD);
                let from = &source[source_offset..source_offset + size];
                let to = &mut destination[destination_offset..destination_offset + size];
                // SAFETY: both slices are `size` bytes long and do not overlap.
                unsafe {
                    core::ptr::copy_nonoverlapping(
                        black_box(from.as_ptr()),
                        black_box(to.as_mut_ptr()),
                        black_box(size),
                    )
                };
                let copied = (0..size).all(|i| destination[destination_offset + i] == from[i]);
                let before = destination[..destination_offset]
                    .iter()
                    .all(|&b| b == GUARD);
                let after = destination[destination_offset + size..]
                    .iter()
                    .all(|&b| b == GUARD);
                check!(
                    copied && before && after,
                    "memcpy of {size} bytes from offset {source_offset} to {destination_offset}: \
                     copied {copied}, guard before {before}, after {after}"
                );
            }
        }
        Ok(())
    }
);

ktest!(
    "memory_routines",
    fn memset_sets_exactly_the_bytes_asked_for() {
        let mut buffer = vec![GUARD; BUFFER];
        for size in sizes() {
            for offset in 0..8 {
                buffer.fill(GUARD);
                let value = black_box(0x5a_u8.wrapping_add(offset as u8));
                // SAFETY: `offset + size` is within the buffer.
                unsafe {
                    core::ptr::write_bytes(
                        black_box(buffer.as_mut_ptr().add(offset)),
                        value,
                        black_box(size),
                    )
                };
                let set = buffer[offset..offset + size].iter().all(|&b| b == value);
                let before = buffer[..offset].iter().all(|&b| b == GUARD);
                let after = buffer[offset + size..].iter().all(|&b| b == GUARD);
                check!(
                    set && before && after,
                    "memset of {size} bytes at offset {offset}: set {set}, guard before \
                     {before}, after {after}"
                );
            }
        }
        Ok(())
    }
);
