//! Opening and reading files of the initramfs, and the errors of paths that cannot be opened
//! as asked.

use rt::errno::Errno;
use rt::sys::file::{O_DIRECTORY, O_RDONLY, O_WRONLY, open, read};
use rt::test::{Context, Failure};

/// A file of known contents and mode 0755 that the xtask installs from user/testdata.
pub const TEXT_FILE: &core::ffi::CStr = c"/testdata/not-an-elf";
pub const TEXT_FILE_CONTENTS: &[u8] = include_bytes!("../../../testdata/not-an-elf");

pub fn program_starts_with_elf_magic() -> Result<(), Failure> {
    let file = open(c"/bin/init", O_RDONLY).context("open /bin/init")?;
    let mut magic = [0u8; 4];
    rt::check_eq!(read(file.raw(), &mut magic), Ok(4));
    rt::check_eq!(&magic, b"\x7fELF");
    Ok(())
}

/// Reading in small pieces until 0 gives back exactly the file.
pub fn text_file_reads_back_whole() -> Result<(), Failure> {
    let file = open(TEXT_FILE, O_RDONLY).context("open /testdata/not-an-elf")?;
    let mut contents = [0u8; 256];
    let mut len = 0;
    loop {
        let end = (len + 7).min(contents.len());
        match read(file.raw(), &mut contents[len..end]).context("read")? {
            0 => break,
            got => len += got,
        }
    }
    rt::check_eq!(&contents[..len], TEXT_FILE_CONTENTS);
    Ok(())
}

pub fn missing_file_is_enoent() -> Result<(), Failure> {
    rt::check_eq!(
        open(c"/no/such/file", O_RDONLY).map(drop),
        Err(Errno::ENOENT)
    );
    rt::check_eq!(
        open(c"/bin/no-such-program", O_RDONLY).map(drop),
        Err(Errno::ENOENT)
    );
    rt::check_eq!(open(c"", O_RDONLY).map(drop), Err(Errno::ENOENT));
    Ok(())
}

pub fn path_through_a_file_is_enotdir() -> Result<(), Failure> {
    rt::check_eq!(
        open(c"/bin/init/x", O_RDONLY).map(drop),
        Err(Errno::ENOTDIR)
    );
    Ok(())
}

pub fn directory_opened_for_writing_is_eisdir() -> Result<(), Failure> {
    rt::check_eq!(open(c"/bin", O_WRONLY).map(drop), Err(Errno::EISDIR));
    Ok(())
}

pub fn reading_a_directory_is_eisdir() -> Result<(), Failure> {
    let dir = open(c"/bin", O_RDONLY).context("open /bin")?;
    let mut buffer = [0u8; 16];
    rt::check_eq!(read(dir.raw(), &mut buffer), Err(Errno::EISDIR));
    Ok(())
}

pub fn o_directory_accepts_only_directories() -> Result<(), Failure> {
    open(c"/bin", O_RDONLY | O_DIRECTORY).context("open /bin with O_DIRECTORY")?;
    rt::check_eq!(
        open(c"/bin/init", O_RDONLY | O_DIRECTORY).map(drop),
        Err(Errno::ENOTDIR)
    );
    Ok(())
}

pub fn read_on_write_only_descriptor_is_ebadf() -> Result<(), Failure> {
    let null = open(c"/dev/null", O_WRONLY).context("open /dev/null for writing")?;
    rt::check_eq!(read(null.raw(), &mut [0u8; 4]), Err(Errno::EBADF));
    Ok(())
}
