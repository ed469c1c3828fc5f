//! Tests of the kernel heap.

use super::{check, check_eq, ktest};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::alloc::Layout;

ktest!(
    "heap",
    fn box_vec_and_string() {
        let boxed = Box::new(0x5a5a_u64);
        check_eq!(*boxed, 0x5a5a);
        let numbers: Vec<u32> = (0..10_000).collect();
        check_eq!(
            numbers.iter().map(|&n| u64::from(n)).sum::<u64>(),
            49_995_000
        );
        let mut text = String::new();
        for _ in 0..100 {
            text.push_str("kernel ");
        }
        check_eq!(text.len(), 700);
        Ok(())
    }
);

ktest!(
    "heap",
    fn aligned_and_large_allocations() {
        let layout = Layout::from_size_align(4096, 4096).expect("valid layout");
        // SAFETY: non-zero size; freed below with the same layout.
        let page = unsafe { alloc::alloc::alloc_zeroed(layout) };
        check!(!page.is_null(), "page-aligned allocation failed");
        check!(
            (page as usize).is_multiple_of(4096),
            "{page:p} is not page-aligned"
        );
        // SAFETY: allocated above with this layout.
        unsafe { alloc::alloc::dealloc(page, layout) };
        let large = alloc::vec![0xa5u8; 4 << 20];
        check!(large.iter().all(|&b| b == 0xa5), "large buffer corrupted");
        Ok(())
    }
);

ktest!(
    "heap",
    fn impossible_allocation_is_an_error() {
        // black_box keeps the compiler from assuming the allocation succeeds and removing it.
        let mut buffer: Vec<u8> = Vec::new();
        let result =
            core::hint::black_box(&mut buffer).try_reserve_exact(core::hint::black_box(1 << 40));
        check!(result.is_err(), "a 1 TiB allocation succeeded");
        Ok(())
    }
);
