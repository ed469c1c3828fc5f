//! readv and writev whose second vector is bad: Linux checks every vector's range first
//! (a kernel address fails the whole call), then copies until the first fault.

use rt::errno::Errno;
use rt::sys::file::{IoVec, O_RDONLY, O_WRONLY, open, readv, writev};
use rt::test::{Context, Failure};
use testkit::bad_pointers::{BadPointers, KERNEL_ADDRESS};

pub fn readv_with_bad_second_vector_returns_the_first() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let zero = open(c"/dev/zero", O_RDONLY).context("open /dev/zero")?;
    let mut first = [0xaau8; 32];
    let [null, unmapped, prot_none, _kernel, _above, read_only] = bad.unwritable();
    for (label, address) in [null, unmapped, prot_none, read_only] {
        let vectors = [
            IoVec {
                base: first.as_mut_ptr() as usize,
                len: first.len(),
            },
            IoVec {
                base: address,
                len: 16,
            },
        ];
        // SAFETY: the first vector is `first`, ours; the second cannot be written.
        let result = unsafe { readv(zero.raw(), &vectors) };
        rt::check_eq!(result, Ok(32), "second vector {label}");
        rt::check!(
            first.iter().all(|&byte| byte == 0),
            "the first vector is not cleared"
        );
    }
    Ok(())
}

pub fn readv_with_kernel_second_vector_is_efault() -> Result<(), Failure> {
    let zero = open(c"/dev/zero", O_RDONLY).context("open /dev/zero")?;
    let mut first = [0xaau8; 32];
    let vectors = [
        IoVec {
            base: first.as_mut_ptr() as usize,
            len: first.len(),
        },
        IoVec {
            base: KERNEL_ADDRESS,
            len: 16,
        },
    ];
    // SAFETY: the first vector is `first`, ours; the second cannot be written.
    rt::check_eq!(unsafe { readv(zero.raw(), &vectors) }, Err(Errno::EFAULT));
    rt::check!(
        first.iter().all(|&byte| byte == 0xaa),
        "the first vector was written"
    );
    Ok(())
}

/// /dev/null never reads what it is given, so only the range check can fail.
pub fn writev_to_dev_null_ignores_an_unmapped_vector() -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let null = open(c"/dev/null", O_WRONLY).context("open /dev/null")?;
    let [_null, unmapped, ..] = bad.unreadable();
    let first = IoVec::of(b"0123456789");
    rt::check_eq!(
        writev(
            null.raw(),
            &[
                first,
                IoVec {
                    base: unmapped.1,
                    len: 10
                }
            ]
        ),
        Ok(20)
    );
    let kernel = IoVec {
        base: KERNEL_ADDRESS,
        len: 10,
    };
    rt::check_eq!(writev(null.raw(), &[first, kernel]), Err(Errno::EFAULT));
    Ok(())
}
