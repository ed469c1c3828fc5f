//! Exact residue: a copy that runs into an unmapped or read-only page reports exactly the
//! bytes it did not do, does them all up to the fault, and nothing past it.

use super::user_memory::{HOLE, READ_ONLY, READ_ONLY_BYTE, UserMemory, pattern};
use super::{TestResult, check, check_eq, ktest};
use crate::mm::page_table::PAGE_SIZE;
use crate::uaccess::{UserPtr, UserSlice, clear_user, copy_from_user, copy_to_user};
use alloc::vec;
use alloc::vec::Vec;

/// Lengths tried at every offset: 1 to 256, a page, and 64 KiB.
fn lengths() -> impl Iterator<Item = usize> {
    (1..=256).chain([PAGE_SIZE, 65536])
}

/// Offsets before the faulting page tried for every length.
const OFFSETS: core::ops::RangeInclusive<usize> = 0..=64;

/// Calls `check(k, n)` for every offset `k` before a page boundary and every length `n`.
fn for_each_case(mut check: impl FnMut(usize, usize) -> TestResult) -> TestResult {
    for k in OFFSETS {
        for n in lengths() {
            check(k, n)?;
        }
    }
    Ok(())
}

ktest!(
    "uaccess",
    fn copy_from_user_residue_before_an_unmapped_page() {
        let memory = UserMemory::new()?;
        let mut dst = vec![0u8; 65536];
        for_each_case(|k, n| {
            let start = HOLE - k;
            let dst = &mut dst[..n];
            dst.fill(0xaa);
            let left = copy_from_user(dst, UserPtr::new(start));
            let done = n.min(k);
            check_eq!(left, n - done);
            check!(
                dst[..done]
                    .iter()
                    .enumerate()
                    .all(|(i, &b)| b == pattern(start + i)),
                "k={k} n={n}: wrong bytes"
            );
            check!(
                dst[done..].iter().all(|&b| b == 0),
                "k={k} n={n}: tail not zeroed"
            );
            Ok(())
        })?;
        check!(!memory.is_present(HOLE), "the unmapped page got mapped");
        Ok(())
    }
);

/// Runs a write of `n` bytes at `HOLE - k` or `READ_ONLY - k` and checks its residue,
/// the bytes before the fault (`expected(i)`) and that the faulting page is untouched.
fn check_write_residue(
    memory: &UserMemory,
    boundary: usize,
    write: impl Fn(usize, usize) -> usize,
    expected: impl Fn(usize) -> u8,
) -> TestResult {
    for_each_case(|k, n| {
        let start = boundary - k;
        memory.fill(start..boundary, |_| 0xcc)?;
        let left = write(start, n);
        let done = n.min(k);
        check_eq!(left, n - done);
        let written = memory.read(start..start + done)?;
        check!(
            written.iter().enumerate().all(|(i, &b)| b == expected(i)),
            "k={k} n={n}: wrong bytes written"
        );
        check!(
            written.len() == k
                || memory
                    .read(start + done..boundary)?
                    .iter()
                    .all(|&b| b == 0xcc),
            "k={k} n={n}: wrote past n"
        );
        Ok(())
    })?;
    if boundary == READ_ONLY {
        check!(
            memory
                .read(READ_ONLY..READ_ONLY + PAGE_SIZE)?
                .iter()
                .all(|&b| b == READ_ONLY_BYTE),
            "the read-only page was written"
        );
    } else {
        check!(!memory.is_present(boundary), "the unmapped page got mapped");
    }
    Ok(())
}

fn source() -> Vec<u8> {
    (0..65536).map(|i: usize| (i * 7 + 1) as u8).collect()
}

ktest!(
    "uaccess",
    fn copy_to_user_residue_before_an_unmapped_page() {
        let memory = UserMemory::new()?;
        let src = source();
        check_write_residue(
            &memory,
            HOLE,
            |start, n| copy_to_user(UserPtr::new(start), &src[..n]),
            |i| src[i],
        )
    }
);

ktest!(
    "uaccess",
    fn copy_to_user_residue_before_a_read_only_page() {
        let memory = UserMemory::new()?;
        let src = source();
        check_write_residue(
            &memory,
            READ_ONLY,
            |start, n| copy_to_user(UserPtr::new(start), &src[..n]),
            |i| src[i],
        )
    }
);

ktest!(
    "uaccess",
    fn clear_user_residue_before_an_unmapped_page() {
        let memory = UserMemory::new()?;
        check_write_residue(
            &memory,
            HOLE,
            |start, n| clear_user(UserSlice::new(start, n)),
            |_| 0,
        )
    }
);

ktest!(
    "uaccess",
    fn clear_user_residue_before_a_read_only_page() {
        let memory = UserMemory::new()?;
        check_write_residue(
            &memory,
            READ_ONLY,
            |start, n| clear_user(UserSlice::new(start, n)),
            |_| 0,
        )
    }
);
