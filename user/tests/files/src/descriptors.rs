//! dup, dup3 and close: which numbers, shared offsets, and the errors.

use rt::errno::Errno;
use rt::sys::file::{O_CLOEXEC, O_RDONLY, close, dup, dup3, open, read};
use rt::test::{Context, Failure};
use testkit::fds::lowest_free;

use crate::opening::{TEXT_FILE, TEXT_FILE_CONTENTS};

pub fn dup_takes_lowest_free_and_shares_offset() -> Result<(), Failure> {
    let file = open(TEXT_FILE, O_RDONLY).context("open")?;
    let lowest = lowest_free()?;
    let copy = dup(file.raw()).context("dup")?;
    rt::check_eq!(copy.raw(), lowest);
    let mut first = [0u8; 4];
    let mut second = [0u8; 4];
    rt::check_eq!(read(file.raw(), &mut first), Ok(4));
    rt::check_eq!(read(copy.raw(), &mut second), Ok(4));
    rt::check_eq!(&first, &TEXT_FILE_CONTENTS[..4]);
    rt::check_eq!(
        &second,
        &TEXT_FILE_CONTENTS[4..8],
        "the copy continues where the original is"
    );
    Ok(())
}

pub fn dup3_replaces_target() -> Result<(), Failure> {
    let text = open(TEXT_FILE, O_RDONLY).context("open")?;
    let target = open(c"/dev/null", O_RDONLY).context("open /dev/null")?;
    rt::check_eq!(dup3(text.raw(), target.raw(), 0), Ok(target.raw()));
    let mut start = [0u8; 4];
    rt::check_eq!(read(target.raw(), &mut start), Ok(4));
    rt::check_eq!(&start, &TEXT_FILE_CONTENTS[..4]);
    Ok(())
}

pub fn dup3_rejects_same_descriptor_and_bad_flags() -> Result<(), Failure> {
    let file = open(TEXT_FILE, O_RDONLY).context("open")?;
    rt::check_eq!(dup3(file.raw(), file.raw(), 0), Err(Errno::EINVAL));
    let target = lowest_free()? + 10;
    rt::check_eq!(dup3(file.raw(), target, !O_CLOEXEC), Err(Errno::EINVAL));
    rt::check_eq!(dup3(999, target, 0), Err(Errno::EBADF));
    Ok(())
}

pub fn closing_a_bad_descriptor_is_ebadf() -> Result<(), Failure> {
    rt::check_eq!(close(999), Err(Errno::EBADF));
    rt::check_eq!(close(-1), Err(Errno::EBADF));
    let file = open(TEXT_FILE, O_RDONLY).context("open")?;
    let fd = file.raw();
    file.close().context("close")?;
    rt::check_eq!(close(fd), Err(Errno::EBADF), "closing twice");
    rt::check_eq!(
        dup(fd).map(drop),
        Err(Errno::EBADF),
        "dup of a closed descriptor"
    );
    Ok(())
}
