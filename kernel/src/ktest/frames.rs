//! Tests of the physical frame allocator on the board's real RAM.

use super::{OrFail, check, check_eq, ktest};
use crate::board;
use crate::mm::frame::FrameError;
use crate::mm::page_table::PAGE_SIZE;
use crate::mm::{frames, image};
use alloc::vec::Vec;

ktest!(
    "frames",
    fn frames_are_unique_aligned_and_outside_the_image() {
        let before = frames::free_frames();
        let mut taken: Vec<usize> = (0..1000)
            .map(|_| frames::allocate())
            .collect::<Result<_, _>>()
            .or_fail("allocate")?;
        check_eq!(frames::free_frames(), before - 1000);
        let kernel = image::physical();
        for &pa in &taken {
            check!(pa % PAGE_SIZE == 0, "{pa:#x} is not page-aligned");
            check!(board::INFO.ram.contains(&pa), "{pa:#x} is outside RAM");
            check!(!kernel.contains(&pa), "{pa:#x} is inside the kernel image");
            check!(
                board::INFO.reserved.iter().all(|r| !r.contains(&pa)),
                "{pa:#x} is reserved"
            );
        }
        taken.sort_unstable();
        taken.dedup();
        check_eq!(taken.len(), 1000);
        for pa in taken {
            frames::deallocate(pa).or_fail("deallocate")?;
        }
        check_eq!(frames::free_frames(), before);
        Ok(())
    }
);

ktest!(
    "frames",
    fn double_free_and_freeing_kernel_frames_are_rejected() {
        let pa = frames::allocate().or_fail("allocate")?;
        check_eq!(frames::deallocate(pa), Ok(()));
        check_eq!(frames::deallocate(pa), Err(FrameError::DoubleFree(pa)));
        let kernel_frame = image::physical().start;
        check_eq!(
            frames::deallocate(kernel_frame),
            Err(FrameError::NotManaged(kernel_frame))
        );
        Ok(())
    }
);

ktest!(
    "frames",
    fn exhaustion_is_an_error_and_every_frame_comes_back() {
        let before = frames::free_frames();
        // Room for every frame's address first: the heap must not need a frame mid-test.
        let mut taken = Vec::with_capacity(before);
        let exhausted = loop {
            match frames::allocate() {
                Ok(pa) => taken.push(pa),
                Err(error) => break error,
            }
        };
        let free_when_exhausted = frames::free_frames();
        for &pa in &taken {
            frames::deallocate(pa).or_fail("deallocate")?;
        }
        check_eq!(exhausted, FrameError::OutOfFrames);
        check_eq!(free_when_exhausted, 0);
        check_eq!(taken.len(), before);
        check_eq!(frames::free_frames(), before);
        Ok(())
    }
);
