//! `check_zeroed_user` and `copy_struct_from_user`, after Linux's usercopy KUnit tests.

use super::user_memory::{HOLE, READ_WRITE, UserMemory};
use super::{check, check_eq, ktest};
use crate::errno::{E2BIG, EFAULT};
use crate::mm::page_table::PAGE_SIZE;
use crate::uaccess::{UserPtr, UserSlice, check_zeroed_user, copy_struct_from_user};
use alloc::vec::Vec;

const WINDOW: usize = 1024;

ktest!(
    "uaccess",
    fn check_zeroed_user_over_every_window() {
        let memory = UserMemory::new()?;
        // 1 KiB across a page boundary: a zero middle half, every other byte set at both ends.
        let base = READ_WRITE + PAGE_SIZE - WINDOW / 2;
        let (zero_start, zero_end) = (WINDOW / 4, WINDOW - WINDOW / 4);
        let pattern: Vec<u8> = (0..WINDOW)
            .map(|i| {
                if (i < zero_start || i >= zero_end) && i % 2 == 1 {
                    0xff
                } else {
                    0
                }
            })
            .collect();
        memory.write(base, &pattern)?;
        // nonzero_before[i]: non-zero bytes in pattern[..i], so each expectation is O(1).
        let nonzero_before: Vec<usize> = core::iter::once(0)
            .chain(pattern.iter().scan(0, |count, &b| {
                *count += usize::from(b != 0);
                Some(*count)
            }))
            .collect();
        for start in 0..=WINDOW {
            for end in start..=WINDOW {
                let expected = nonzero_before[end] == nonzero_before[start];
                let result = check_zeroed_user(UserSlice::new(base + start, end - start));
                check_eq!(result, Ok(expected));
            }
        }
        // Running into an unmapped page: a non-zero byte before it decides, as on Linux.
        check_eq!(check_zeroed_user(UserSlice::new(HOLE - 8, 16)), Ok(false));
        memory.fill(HOLE - 8..HOLE, |_| 0)?;
        check_eq!(check_zeroed_user(UserSlice::new(HOLE - 8, 8)), Ok(true));
        check_eq!(check_zeroed_user(UserSlice::new(HOLE - 8, 16)), Err(EFAULT));
        Ok(())
    }
);

ktest!(
    "uaccess",
    fn copy_struct_from_user_sizes() {
        let memory = UserMemory::new()?;
        let at = READ_WRITE + 0x400;
        let user: Vec<u8> = (1..=32).collect();
        memory.write(at, &user)?;
        memory.fill(at + 32..at + 64, |_| 0)?;
        let src = UserPtr::new(at);

        let mut same = [0u8; 32];
        check_eq!(copy_struct_from_user(&mut same, src, 32), Ok(()));
        check_eq!(&same[..], &user[..]);

        let mut larger_kernel = [0xaau8; 48];
        check_eq!(copy_struct_from_user(&mut larger_kernel, src, 32), Ok(()));
        check_eq!(&larger_kernel[..32], &user[..]);
        check!(
            larger_kernel[32..].iter().all(|&b| b == 0),
            "kernel tail not zeroed"
        );

        let mut smaller_kernel = [0u8; 16];
        check_eq!(
            copy_struct_from_user(&mut smaller_kernel, src, 64),
            Err(E2BIG)
        );
        let mut zero_tail = [0u8; 32];
        check_eq!(copy_struct_from_user(&mut zero_tail, src, 64), Ok(()));
        check_eq!(&zero_tail[..], &user[..]);

        check_eq!(
            copy_struct_from_user(&mut same, UserPtr::new(HOLE - 8), 32),
            Err(EFAULT)
        );
        check_eq!(
            copy_struct_from_user(&mut same, UserPtr::new(0), 32),
            Err(EFAULT)
        );
        Ok(())
    }
);
