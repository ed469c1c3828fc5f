//! fstat and newfstatat: types, sizes, device numbers, and paths relative to a directory.

use rt::errno::Errno;
use rt::sys::file::{AT_FDCWD, O_DIRECTORY, O_RDONLY, open, pipe2};
use rt::sys::stat::{S_IFCHR, S_IFDIR, S_IFIFO, S_IFREG, device_number, fstat, newfstatat, stat};
use rt::test::{Context, Failure};

use crate::opening::{TEXT_FILE, TEXT_FILE_CONTENTS};

pub fn fstat_of_regular_file() -> Result<(), Failure> {
    let file = open(TEXT_FILE, O_RDONLY).context("open")?;
    let status = fstat(file.raw()).context("fstat")?;
    rt::check_eq!(status.file_type(), S_IFREG);
    rt::check_eq!(status.size, TEXT_FILE_CONTENTS.len() as i64);
    rt::check!(
        status.mode & 0o111 != 0,
        "mode {:o} is not executable",
        status.mode
    );
    Ok(())
}

pub fn fstat_of_directory_pipe_and_devices() -> Result<(), Failure> {
    let root = open(c"/", O_RDONLY).context("open /")?;
    rt::check_eq!(fstat(root.raw()).context("fstat /")?.file_type(), S_IFDIR);
    let (reader, writer) = pipe2(0).context("pipe2")?;
    rt::check_eq!(
        fstat(reader.raw()).context("fstat pipe")?.file_type(),
        S_IFIFO
    );
    rt::check_eq!(
        fstat(writer.raw()).context("fstat pipe")?.file_type(),
        S_IFIFO
    );
    // The device numbers every Linux system gives these three.
    let devices = [
        (c"/dev/null", 1, 3),
        (c"/dev/zero", 1, 5),
        (c"/dev/console", 5, 1),
    ];
    for (path, major, minor) in devices {
        let status = stat(path).context("stat")?;
        rt::check_eq!(status.file_type(), S_IFCHR, "{path:?}");
        rt::check_eq!(status.rdev, device_number(major, minor), "{path:?}");
    }
    Ok(())
}

pub fn newfstatat_matches_fstat() -> Result<(), Failure> {
    let file = open(TEXT_FILE, O_RDONLY).context("open")?;
    let by_descriptor = fstat(file.raw()).context("fstat")?;
    let by_path = stat(TEXT_FILE).context("newfstatat")?;
    rt::check_eq!(by_path.ino, by_descriptor.ino);
    rt::check_eq!(by_path.dev, by_descriptor.dev);
    rt::check_eq!(by_path.mode, by_descriptor.mode);
    rt::check_eq!(by_path.size, by_descriptor.size);
    rt::check_eq!(stat(c"/no/such/file").map(drop), Err(Errno::ENOENT));
    Ok(())
}

pub fn newfstatat_relative_to_directory_descriptor() -> Result<(), Failure> {
    let dir = open(c"/testdata", O_RDONLY | O_DIRECTORY).context("open /testdata")?;
    let relative = newfstatat(dir.raw(), c"not-an-elf", 0).context("newfstatat")?;
    rt::check_eq!(relative.size, TEXT_FILE_CONTENTS.len() as i64);
    // An absolute path ignores the directory descriptor, even a bad one.
    newfstatat(-1, TEXT_FILE, 0).context("newfstatat with an absolute path")?;
    rt::check_eq!(
        newfstatat(-1, c"not-an-elf", 0).map(drop),
        Err(Errno::EBADF)
    );
    let file = open(TEXT_FILE, O_RDONLY).context("open")?;
    rt::check_eq!(
        newfstatat(file.raw(), c"x", 0).map(drop),
        Err(Errno::ENOTDIR)
    );
    rt::check_eq!(newfstatat(AT_FDCWD, c"", 0).map(drop), Err(Errno::ENOENT));
    Ok(())
}
