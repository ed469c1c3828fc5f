//! getdents64: what the initramfs directories hold, the record format, and its errors.

use core::ffi::CStr;

use rt::errno::Errno;
use rt::sys::dir::{DT_CHR, DT_DIR, DT_REG, DirEntries, for_each_entry, getdents64};
use rt::sys::file::{O_DIRECTORY, O_RDONLY, open};
use rt::test::{Context, Failure};

/// Checks that the directory at `path` lists each of `expected` with its entry type.
fn check_lists(path: &CStr, expected: &[(&CStr, u8)]) -> Result<(), Failure> {
    for &(name, kind) in expected {
        let mut found = None;
        for_each_entry(path, |entry| {
            if entry.name == name {
                found = Some(entry.kind);
            }
        })
        .context("getdents64")?;
        rt::check_eq!(found, Some(kind), "{name:?} in {path:?}");
    }
    Ok(())
}

pub fn root_lists_its_directories() -> Result<(), Failure> {
    let directories = [c".", c"..", c"bin", c"dev", c"tests", c"testdata"];
    check_lists(c"/", &directories.map(|name| (name, DT_DIR)))
}

pub fn dev_lists_its_devices() -> Result<(), Failure> {
    let devices = [c"console", c"null", c"zero"];
    check_lists(c"/dev", &devices.map(|name| (name, DT_CHR)))
}

pub fn bin_lists_its_programs() -> Result<(), Failure> {
    let programs = [c"init", c"sh", c"echo-args"];
    check_lists(c"/bin", &programs.map(|name| (name, DT_REG)))
}

/// Records are 8-byte aligned, hold their NUL-terminated name, fill exactly the count
/// returned, and the directory ends with a return of 0.
pub fn getdents64_records_are_well_formed() -> Result<(), Failure> {
    let dir = open(c"/", O_RDONLY | O_DIRECTORY).context("open /")?;
    let mut buffer = [0u8; 512];
    loop {
        let filled = getdents64(dir.raw(), &mut buffer).context("getdents64")?;
        if filled == 0 {
            return Ok(());
        }
        let mut consumed = 0;
        for entry in DirEntries::new(&buffer[..filled]) {
            let name_len = entry.name.to_bytes().len();
            rt::check_eq!(entry.record_len % 8, 0, "record of {:?}", entry.name);
            rt::check!(
                entry.record_len > 19 + name_len,
                "record of {:?}",
                entry.name
            );
            rt::check!(name_len > 0);
            consumed += entry.record_len;
        }
        rt::check_eq!(consumed, filled, "bytes in well-formed records");
    }
}

/// A buffer too small for even one record is EINVAL (not 0, which would mean the end).
pub fn getdents64_with_tiny_buffer_is_einval() -> Result<(), Failure> {
    let dir = open(c"/", O_RDONLY | O_DIRECTORY).context("open /")?;
    rt::check_eq!(getdents64(dir.raw(), &mut [0u8; 1]), Err(Errno::EINVAL));
    Ok(())
}

pub fn getdents64_on_file_is_enotdir() -> Result<(), Failure> {
    let file = open(c"/bin/init", O_RDONLY).context("open /bin/init")?;
    rt::check_eq!(getdents64(file.raw(), &mut [0u8; 256]), Err(Errno::ENOTDIR));
    Ok(())
}
