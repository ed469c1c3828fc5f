//! getdents64 into a buffer that ends at the edge: the entries written whole before the
//! fault are returned, and the directory position stays at the first entry not returned.

use rt::errno::Errno;
use rt::sys::dir::{DirEntries, getdents64};
use rt::sys::file::{O_DIRECTORY, O_RDONLY, open};
use rt::syscall;
use rt::test::{Context, Failure};
use testkit::edge::{Beyond, PageEdge};

/// The first two entries of "/" as a fresh descriptor lists them: (record length, name).
fn first_two_entries(names: &mut [[u8; 64]; 2]) -> Result<[usize; 2], Failure> {
    let dir = open(c"/", O_RDONLY | O_DIRECTORY).context("open /")?;
    let mut buffer = [0u8; 1024];
    let filled = getdents64(dir.raw(), &mut buffer).context("getdents64")?;
    let mut lengths = [0; 2];
    for (index, entry) in DirEntries::new(&buffer[..filled]).take(2).enumerate() {
        let name = entry.name.to_bytes();
        names[index][..name.len()].copy_from_slice(name);
        lengths[index] = entry.record_len;
    }
    rt::check!(lengths[1] != 0, "/ has fewer than two entries");
    Ok(lengths)
}

fn first_name(filled: &[u8]) -> [u8; 64] {
    let mut name = [0u8; 64];
    if let Some(entry) = DirEntries::new(filled).next() {
        let bytes = entry.name.to_bytes();
        name[..bytes.len()].copy_from_slice(bytes);
    }
    name
}

pub fn getdents64_returns_the_entries_that_fit() -> Result<(), Failure> {
    let mut names = [[0u8; 64]; 2];
    let [first_len, _] = first_two_entries(&mut names)?;
    let dir = open(c"/", O_RDONLY | O_DIRECTORY).context("open /")?;
    let edge = PageEdge::new(Beyond::Unmapped)?;
    let buffer = edge.before(first_len);
    // SAFETY: the kernel writes at most the bytes before the edge, which are ours.
    let result = unsafe { syscall!(GETDENTS64, dir.raw(), buffer, 4096) };
    rt::check_eq!(result, Ok(first_len), "only the first entry fits");
    rt::check_eq!(first_name(edge.bytes_from(buffer)), names[0]);
    let mut rest = [0u8; 1024];
    let filled = getdents64(dir.raw(), &mut rest).context("getdents64 after the edge")?;
    rt::check_eq!(
        first_name(&rest[..filled]),
        names[1],
        "the listing goes on at the second"
    );
    Ok(())
}

pub fn getdents64_with_no_entry_fitting_is_efault() -> Result<(), Failure> {
    let dir = open(c"/", O_RDONLY | O_DIRECTORY).context("open /")?;
    let edge = PageEdge::new(Beyond::Unmapped)?;
    // Not even a record's fixed fields fit in 16 bytes.
    // SAFETY: the kernel writes at most the 16 bytes before the edge, which are ours.
    let result = unsafe { syscall!(GETDENTS64, dir.raw(), edge.before(16), 4096) };
    rt::check_eq!(result, Err(Errno::EFAULT));
    Ok(())
}
