//! Pipes: bytes in order, end of file, a write with no reader, and one-way ends.

use rt::errno::Errno;
use rt::signal::SIGPIPE;
use rt::sys::file::{pipe2, read, write};
use rt::test::{Context, Failure};
use rt::wait::Termination;
use testkit::child::in_child;

pub fn pipe_carries_bytes_in_order() -> Result<(), Failure> {
    let (reader, writer) = pipe2(0).context("pipe2")?;
    rt::check_eq!(write(writer.raw(), b"hello, "), Ok(7));
    rt::check_eq!(write(writer.raw(), b"pipe"), Ok(4));
    let mut buffer = [0u8; 32];
    let got = read(reader.raw(), &mut buffer).context("read")?;
    rt::check_eq!(&buffer[..got], b"hello, pipe");
    Ok(())
}

pub fn pipe_reads_eof_after_writer_closes() -> Result<(), Failure> {
    let (reader, writer) = pipe2(0).context("pipe2")?;
    rt::check_eq!(write(writer.raw(), b"last"), Ok(4));
    writer.close().context("close the write end")?;
    let mut buffer = [0u8; 8];
    rt::check_eq!(read(reader.raw(), &mut buffer), Ok(4));
    rt::check_eq!(read(reader.raw(), &mut buffer), Ok(0));
    Ok(())
}

/// With no reader left, Linux sends SIGPIPE, whose default action kills the writer; a
/// kernel without signals may return EPIPE instead. Both are accepted; anything else not.
pub fn pipe_without_reader_is_epipe_or_sigpipe() -> Result<(), Failure> {
    let termination = in_child(|| {
        let Ok((reader, writer)) = pipe2(0) else {
            return 2;
        };
        drop(reader);
        match write(writer.raw(), b"nobody reads this") {
            Err(Errno::EPIPE) => 0,
            _ => 1,
        }
    })?;
    let accepted = [Termination::Killed(SIGPIPE), Termination::Exited(0)];
    rt::check!(accepted.contains(&termination), "the writer {termination}");
    Ok(())
}

pub fn pipe_ends_are_one_way() -> Result<(), Failure> {
    let (reader, writer) = pipe2(0).context("pipe2")?;
    rt::check_eq!(write(reader.raw(), b"x"), Err(Errno::EBADF));
    rt::check_eq!(read(writer.raw(), &mut [0u8; 1]), Err(Errno::EBADF));
    Ok(())
}

pub fn pipe2_rejects_unknown_flags() -> Result<(), Failure> {
    rt::check_eq!(pipe2(1).map(drop), Err(Errno::EINVAL));
    Ok(())
}
