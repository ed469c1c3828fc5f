//! read, write, readv and writev with bad buffers and bad I/O vector arrays.

use rt::errno::Errno;
use rt::sys::file::{IoVec, O_RDONLY, O_RDWR, O_WRONLY, open, pipe2};
use rt::syscall;
use rt::test::{Context, Failure};
use testkit::bad_pointers::{BadPointers, KERNEL_ADDRESS};
use testkit::edge::{Beyond, PageEdge};
use testkit::expect::{expect_at_edges, expect_for_each};

const EFAULT: Result<usize, Errno> = Err(Errno::EFAULT);

pub fn read_into_bad_buffer_is_efault() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let zero = open(c"/dev/zero", O_RDONLY).context("open /dev/zero")?;
    // SAFETY: none of the addresses can be written, so nothing of ours changes.
    expect_for_each(&bad.unwritable(), EFAULT, |address| unsafe {
        syscall!(READ, zero.raw(), address, 16)
    })
}

/// /dev/zero clears the buffer up to the fault and returns how much it cleared.
pub fn read_into_straddling_buffer_is_partial() -> Result<(), Failure> {
    let zero = open(c"/dev/zero", O_RDONLY).context("open /dev/zero")?;
    // SAFETY: only the 64 bytes before the edge are writable, and they are the edge's.
    expect_at_edges(&Beyond::UNWRITABLE, 64, Ok(64), |address| unsafe {
        syscall!(READ, zero.raw(), address, 128)
    })
}

/// Linux checks the range (access_ok) before looking at the length: 0 bytes at a kernel
/// address are EFAULT, 0 bytes at NULL are fine.
pub fn zero_length_read_checks_only_the_range() -> Result<(), Failure> {
    let zero = open(c"/dev/zero", O_RDWR).context("open /dev/zero")?;
    // SAFETY: nothing is written for a length of 0.
    unsafe {
        rt::check_eq!(syscall!(READ, zero.raw(), 0, 0), Ok(0));
        rt::check_eq!(syscall!(READ, zero.raw(), KERNEL_ADDRESS, 0), EFAULT);
        rt::check_eq!(syscall!(WRITE, zero.raw(), 0, 0), Ok(0));
        rt::check_eq!(syscall!(WRITE, zero.raw(), KERNEL_ADDRESS, 0), EFAULT);
    }
    Ok(())
}

/// /dev/null never touches the buffer: reads return 0 and writes the full count, whatever is
/// mapped there; only the range check can fail.
pub fn dev_null_ignores_the_buffer() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let reader = open(c"/dev/null", O_RDONLY).context("open /dev/null")?;
    let writer = open(c"/dev/null", O_WRONLY).context("open /dev/null for writing")?;
    // Not the address above a 48-bit user space: a kernel with 52-bit user addresses accepts it.
    let [null, unmapped, prot_none, kernel, _, read_only] = bad.unwritable();
    let user_addresses = [null, unmapped, prot_none, read_only];
    // SAFETY: /dev/null writes nothing into any of them.
    expect_for_each(&user_addresses, Ok(0), |address| unsafe {
        syscall!(READ, reader.raw(), address, 16)
    })?;
    // SAFETY: writing only reads from the addresses.
    expect_for_each(&user_addresses, Ok(16), |address| unsafe {
        syscall!(WRITE, writer.raw(), address, 16)
    })?;
    // SAFETY: nothing is read from or written to a kernel address.
    unsafe {
        rt::check_eq!(syscall!(READ, reader.raw(), kernel.1, 16), EFAULT);
        rt::check_eq!(syscall!(WRITE, writer.raw(), kernel.1, 16), EFAULT);
    }
    Ok(())
}

pub fn write_from_bad_buffer_is_efault() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let (_reader, writer) = pipe2(0).context("pipe2")?;
    // SAFETY: writing only reads from the addresses.
    expect_for_each(&bad.unreadable(), EFAULT, |address| unsafe {
        syscall!(WRITE, writer.raw(), address, 16)
    })
}

pub fn write_from_read_only_buffer_works() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let (_reader, writer) = pipe2(0).context("pipe2")?;
    let read_only = [("read-only", bad.read_only_page())];
    // SAFETY: writing only reads from the page.
    expect_for_each(&read_only, Ok(16), |address| unsafe {
        syscall!(WRITE, writer.raw(), address, 16)
    })
}

/// A pipe takes a write smaller than a page whole or not at all: EFAULT.
pub fn write_from_straddling_buffer_is_efault() -> Result<(), Failure> {
    let (_reader, writer) = pipe2(0).context("pipe2")?;
    // SAFETY: writing only reads from the addresses.
    expect_at_edges(&Beyond::UNREADABLE, 64, EFAULT, |address| unsafe {
        syscall!(WRITE, writer.raw(), address, 128)
    })?;
    // Memory that is only read-only beyond the edge is all readable.
    // SAFETY: as above.
    expect_at_edges(&[Beyond::ReadOnly], 64, Ok(128), |address| unsafe {
        syscall!(WRITE, writer.raw(), address, 128)
    })
}

/// Calls `call(array, count)` with bad I/O vector arrays: each unreadable address, and a
/// two-element array holding `first` whose second element lies past a page edge.
fn check_bad_vector_arrays(
    first: IoVec,
    call: impl Fn(usize, usize) -> Result<usize, Errno>,
) -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    expect_for_each(&bad.unreadable(), EFAULT, |address| call(address, 1))?;
    let edge = PageEdge::new(Beyond::Unmapped)?;
    // SAFETY: an IoVec is plain data, viewed as its bytes to be copied to the edge.
    let first_bytes =
        unsafe { core::slice::from_raw_parts((&raw const first).cast::<u8>(), size_of::<IoVec>()) };
    let array = edge.place_at_end(first_bytes);
    expect_for_each(&[("straddling", array)], EFAULT, |address| call(address, 2))
}

pub fn readv_with_bad_vector_array_is_efault() -> Result<(), Failure> {
    let zero = open(c"/dev/zero", O_RDONLY).context("open /dev/zero")?;
    let mut buffer = [0u8; 16];
    let first = IoVec {
        base: buffer.as_mut_ptr() as usize,
        len: buffer.len(),
    };
    // SAFETY: any vector the kernel gets to read points at `buffer`, which is ours to fill.
    check_bad_vector_arrays(first, |array, count| unsafe {
        syscall!(READV, zero.raw(), array, count)
    })
}

pub fn readv_into_bad_buffer_is_efault() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let zero = open(c"/dev/zero", O_RDONLY).context("open /dev/zero")?;
    expect_for_each(&bad.unwritable(), EFAULT, |address| {
        let vector = [IoVec {
            base: address,
            len: 16,
        }];
        // SAFETY: the vector's memory cannot be written.
        unsafe { rt::sys::file::readv(zero.raw(), &vector) }
    })
}

pub fn writev_with_bad_vector_array_is_efault() -> Result<(), Failure> {
    let (_reader, writer) = pipe2(0).context("pipe2")?;
    let first = IoVec::of(b"sixteen bytes!!!");
    // SAFETY: writev only reads.
    check_bad_vector_arrays(first, |array, count| unsafe {
        syscall!(WRITEV, writer.raw(), array, count)
    })
}

pub fn writev_from_bad_buffer_is_efault() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let (_reader, writer) = pipe2(0).context("pipe2")?;
    expect_for_each(&bad.unreadable(), EFAULT, |address| {
        rt::sys::file::writev(
            writer.raw(),
            &[IoVec {
                base: address,
                len: 16,
            }],
        )
    })
}
