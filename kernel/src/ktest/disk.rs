//! Tests of the disk driver and its block layer, on the swap boot's disk (xtask's swap_disk:
//! partition 3 is left unformatted for them). Skipped on a machine without a disk.

use super::{TestError, check, ktest};
use crate::block::disk::{self, IoError};
use crate::mm::page_table::PAGE_SIZE;
use crate::mm::{frames, phys_to_virt};

/// The partition the tests may write: the third, which nothing else uses.
const SCRATCH_PARTITION: usize = 3;

fn bytes(frame: usize) -> &'static mut [u8; PAGE_SIZE] {
    // SAFETY: the tests' frames are theirs alone, in the linear map.
    unsafe { &mut *(phys_to_virt(frame) as *mut [u8; PAGE_SIZE]) }
}

ktest!(
    "disk",
    fn a_page_written_reads_back_and_the_partition_bounds_hold() {
        let Some(partition) = disk::partition(SCRATCH_PARTITION) else {
            return Err(TestError::Skipped("no disk with a third partition"));
        };
        let (source, target) = (frames::allocate().unwrap(), frames::allocate().unwrap());
        for (i, byte) in bytes(source).iter_mut().enumerate() {
            *byte = (i * 13 + i / 256) as u8;
        }
        bytes(target).fill(0);
        let last_page = partition.sectors / 8 - 1;
        let written = disk::transfer_page(partition, last_page, source, true);
        let read = disk::transfer_page(partition, last_page, target, false);
        let same = bytes(source) == bytes(target);
        let past_end = disk::transfer_page(partition, last_page + 1, target, false);
        frames::deallocate(source).unwrap();
        frames::deallocate(target).unwrap();
        check!(
            written == Ok(()) && read == Ok(()),
            "write {written:?}, read {read:?}"
        );
        check!(same, "the page read back differs from the page written");
        check!(
            past_end == Err(IoError::OutOfRange),
            "past the end: {past_end:?}"
        );
        Ok(())
    }
);
