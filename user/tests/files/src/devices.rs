//! /dev/null, /dev/zero and /dev/console, and which files are terminals (ioctl TCGETS).

use rt::errno::Errno;
use rt::sys::file::{O_RDONLY, O_RDWR, open, pipe2, read, terminal_settings, write};
use rt::test::{Context, Failure};

pub fn dev_null_reads_eof_and_takes_writes() -> Result<(), Failure> {
    let null = open(c"/dev/null", O_RDWR).context("open /dev/null")?;
    rt::check_eq!(read(null.raw(), &mut [0u8; 16]), Ok(0));
    rt::check_eq!(write(null.raw(), &[7u8; 5000]), Ok(5000));
    Ok(())
}

pub fn dev_zero_reads_zeros() -> Result<(), Failure> {
    let zero = open(c"/dev/zero", O_RDWR).context("open /dev/zero")?;
    let mut buffer = [0xaau8; 5000];
    rt::check_eq!(read(zero.raw(), &mut buffer), Ok(buffer.len()));
    rt::check!(buffer.iter().all(|&byte| byte == 0));
    rt::check_eq!(write(zero.raw(), b"discarded"), Ok(9));
    Ok(())
}

pub fn console_is_a_terminal() -> Result<(), Failure> {
    let console = open(c"/dev/console", O_RDWR).context("open /dev/console")?;
    terminal_settings(console.raw()).context("TCGETS on /dev/console")?;
    Ok(())
}

pub fn other_files_are_not_terminals() -> Result<(), Failure> {
    let file = open(c"/bin/init", O_RDONLY).context("open /bin/init")?;
    rt::check_eq!(
        terminal_settings(file.raw()).map(drop),
        Err(Errno::ENOTTY),
        "regular file"
    );
    let null = open(c"/dev/null", O_RDONLY).context("open /dev/null")?;
    rt::check_eq!(
        terminal_settings(null.raw()).map(drop),
        Err(Errno::ENOTTY),
        "/dev/null"
    );
    let (reader, _writer) = pipe2(0).context("pipe2")?;
    rt::check_eq!(
        terminal_settings(reader.raw()).map(drop),
        Err(Errno::ENOTTY),
        "pipe"
    );
    let dir = open(c"/", O_RDONLY).context("open /")?;
    rt::check_eq!(
        terminal_settings(dir.raw()).map(drop),
        Err(Errno::ENOTTY),
        "directory"
    );
    Ok(())
}
