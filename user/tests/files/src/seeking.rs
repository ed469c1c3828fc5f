//! lseek: the three origins, positions past the end, and what Linux refuses.

use rt::errno::Errno;
use rt::sys::file::{O_RDONLY, SEEK_CUR, SEEK_END, SEEK_SET, lseek, open, pipe2, read};
use rt::test::{Context, Failure};

use crate::opening::{TEXT_FILE, TEXT_FILE_CONTENTS};

/// The next byte read, or `None` at the end.
fn next_byte(fd: i32) -> Result<Option<u8>, Failure> {
    let mut byte = [0u8];
    Ok((read(fd, &mut byte).context("read")? == 1).then_some(byte[0]))
}

pub fn lseek_moves_from_start_current_and_end() -> Result<(), Failure> {
    let file = open(TEXT_FILE, O_RDONLY).context("open")?;
    let fd = file.raw();
    let size = TEXT_FILE_CONTENTS.len();
    rt::check_eq!(lseek(fd, 10, SEEK_SET), Ok(10));
    rt::check_eq!(next_byte(fd)?, Some(TEXT_FILE_CONTENTS[10]));
    rt::check_eq!(lseek(fd, 5, SEEK_CUR), Ok(16));
    rt::check_eq!(lseek(fd, -2, SEEK_CUR), Ok(14));
    rt::check_eq!(next_byte(fd)?, Some(TEXT_FILE_CONTENTS[14]));
    rt::check_eq!(lseek(fd, 0, SEEK_END), Ok(size));
    rt::check_eq!(next_byte(fd)?, None);
    rt::check_eq!(lseek(fd, -1, SEEK_END), Ok(size - 1));
    rt::check_eq!(next_byte(fd)?, Some(TEXT_FILE_CONTENTS[size - 1]));
    // Past the end is a valid position that reads nothing.
    rt::check_eq!(lseek(fd, 100, SEEK_END), Ok(size + 100));
    rt::check_eq!(next_byte(fd)?, None);
    Ok(())
}

pub fn lseek_rejects_bad_whence_and_negative_offsets() -> Result<(), Failure> {
    let file = open(TEXT_FILE, O_RDONLY).context("open")?;
    let fd = file.raw();
    rt::check_eq!(lseek(fd, 0, 7), Err(Errno::EINVAL));
    rt::check_eq!(lseek(fd, -1, SEEK_SET), Err(Errno::EINVAL));
    rt::check_eq!(lseek(fd, 3, SEEK_SET), Ok(3));
    rt::check_eq!(lseek(fd, -4, SEEK_CUR), Err(Errno::EINVAL));
    // A refused seek leaves the position alone.
    rt::check_eq!(lseek(fd, 0, SEEK_CUR), Ok(3));
    Ok(())
}

pub fn lseek_on_pipe_is_espipe() -> Result<(), Failure> {
    let (reader, _writer) = pipe2(0).context("pipe2")?;
    rt::check_eq!(lseek(reader.raw(), 0, SEEK_SET), Err(Errno::ESPIPE));
    Ok(())
}
