//! The working directory: chdir, getcwd, and paths relative to it.

use rt::errno::Errno;
use rt::sys::dir::{chdir, getcwd};
use rt::sys::file::{O_RDONLY, open};
use rt::test::{Context, Failure};

/// Runs `body`, then returns to the working directory the test started in.
fn keeping_cwd(body: impl FnOnce() -> Result<(), Failure>) -> Result<(), Failure> {
    let mut buffer = [0u8; 256];
    let start = getcwd(&mut buffer).context("getcwd")?;
    let result = body();
    chdir(start).context("chdir back")?;
    result
}

pub fn chdir_moves_getcwd_and_relative_paths() -> Result<(), Failure> {
    keeping_cwd(|| {
        let mut buffer = [0u8; 256];
        chdir(c"/bin").context("chdir /bin")?;
        rt::check_eq!(getcwd(&mut buffer), Ok(c"/bin"));
        open(c"init", O_RDONLY).context("open init relative to /bin")?;
        chdir(c"..").context("chdir ..")?;
        rt::check_eq!(getcwd(&mut buffer), Ok(c"/"));
        chdir(c"dev").context("chdir dev")?;
        rt::check_eq!(getcwd(&mut buffer), Ok(c"/dev"));
        open(c"./null", O_RDONLY).context("open ./null relative to /dev")?;
        Ok(())
    })
}

pub fn chdir_rejects_files_and_missing_paths() -> Result<(), Failure> {
    keeping_cwd(|| {
        rt::check_eq!(chdir(c"/bin/init"), Err(Errno::ENOTDIR));
        rt::check_eq!(chdir(c"/no/such/dir"), Err(Errno::ENOENT));
        rt::check_eq!(chdir(c""), Err(Errno::ENOENT));
        Ok(())
    })
}

/// getcwd needs room for the path and its NUL: "/bin" takes 5 bytes.
pub fn getcwd_with_small_buffer_is_erange() -> Result<(), Failure> {
    keeping_cwd(|| {
        chdir(c"/bin").context("chdir /bin")?;
        rt::check_eq!(getcwd(&mut [0u8; 4]), Err(Errno::ERANGE));
        rt::check_eq!(getcwd(&mut [0u8; 5]), Ok(c"/bin"));
        Ok(())
    })
}
