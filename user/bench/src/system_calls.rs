//! System calls that do little besides crossing into the kernel and back: getpid, and 4 KiB
//! reads and writes on the devices that only clear or skip user memory.

use core::hint::black_box;

use rt::sys::file::{O_RDONLY, O_WRONLY, open, read, write};
use rt::sys::process::getpid as null_system_call;

use crate::failure::Failure;
use crate::stopwatch::measure;

/// Bytes per read and write.
pub const TRANSFER: usize = 4096;
const SYSTEM_CALLS: usize = 10_000;
const TRANSFERS: usize = 2_000;

pub fn getpid() -> Result<u64, Failure> {
    measure(SYSTEM_CALLS, |_| {
        black_box(null_system_call());
        Ok(())
    })
}

pub fn read_dev_zero() -> Result<u64, Failure> {
    let zero = open(c"/dev/zero", O_RDONLY)?;
    let mut buffer = [0xffu8; TRANSFER];
    measure(TRANSFERS, |_| {
        whole(read(zero.raw(), black_box(&mut buffer))?)
    })
}

pub fn write_dev_null() -> Result<u64, Failure> {
    let null = open(c"/dev/null", O_WRONLY)?;
    let buffer = [0x5au8; TRANSFER];
    measure(TRANSFERS, |_| whole(write(null.raw(), black_box(&buffer))?))
}

fn whole(moved: usize) -> Result<(), Failure> {
    if moved == TRANSFER {
        Ok(())
    } else {
        Err(Failure::ShortTransfer {
            asked: TRANSFER,
            moved,
        })
    }
}
