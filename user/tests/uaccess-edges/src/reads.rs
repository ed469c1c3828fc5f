//! Reads into a buffer that runs past the edge of writable memory return the bytes that
//! fit: from /dev/zero, from a file (whose position moves by as much), and from getrandom.

use rt::sys::file::{O_RDONLY, SEEK_CUR, lseek, open, read};
use rt::syscall;
use rt::test::{Context, Failure};
use testkit::edge::{Beyond, PageEdge};
use testkit::pages::page_size;

pub fn dev_zero_read_stops_at_the_edge() -> Result<(), Failure> {
    let zero = open(c"/dev/zero", O_RDONLY).context("open /dev/zero")?;
    for beyond in Beyond::UNWRITABLE {
        let edge = PageEdge::new(beyond)?;
        let buffer = edge.before(64);
        edge.fill_from(buffer, 0xaa);
        // SAFETY: the kernel writes at most the 64 bytes before the edge, which are ours.
        let result = unsafe { syscall!(READ, zero.raw(), buffer, 128) };
        rt::check_eq!(result, Ok(64), "before a {beyond:?} page");
        rt::check!(
            edge.bytes_from(buffer).iter().all(|&byte| byte == 0),
            "not cleared"
        );
    }
    Ok(())
}

pub fn dev_zero_read_of_whole_pages_stops_at_the_edge() -> Result<(), Failure> {
    let zero = open(c"/dev/zero", O_RDONLY).context("open /dev/zero")?;
    let edge = PageEdge::with_writable_pages(2, Beyond::Unmapped)?;
    let buffer = edge.before(2 * page_size());
    // SAFETY: the kernel writes at most the two pages before the edge, which are ours.
    let result = unsafe { syscall!(READ, zero.raw(), buffer, 2 * page_size() + 100) };
    rt::check_eq!(result, Ok(2 * page_size()));
    Ok(())
}

pub fn file_read_stops_at_the_edge_and_advances_by_what_it_copied() -> Result<(), Failure> {
    let mut start_of_file = [0u8; 64];
    let file = open(c"/bin/init", O_RDONLY).context("open /bin/init")?;
    rt::check_eq!(read(file.raw(), &mut start_of_file), Ok(64));
    let file = open(c"/bin/init", O_RDONLY).context("open /bin/init again")?;
    let edge = PageEdge::new(Beyond::Unmapped)?;
    let buffer = edge.before(64);
    // SAFETY: the kernel writes at most the 64 bytes before the edge, which are ours.
    let result = unsafe { syscall!(READ, file.raw(), buffer, 128) };
    rt::check_eq!(result, Ok(64));
    rt::check_eq!(edge.bytes_from(buffer), &start_of_file[..]);
    rt::check_eq!(lseek(file.raw(), 0, SEEK_CUR), Ok(64), "the file position");
    Ok(())
}

/// getrandom hands out 64-byte blocks and returns what it copied (since Linux 5.18; older
/// kernels returned EFAULT here).
pub fn getrandom_stops_at_the_edge() -> Result<(), Failure> {
    for beyond in Beyond::UNWRITABLE {
        let edge = PageEdge::new(beyond)?;
        // SAFETY: the kernel writes at most the 64 bytes before the edge, which are ours.
        let result = unsafe { syscall!(GETRANDOM, edge.before(64), 128, 0) };
        rt::check_eq!(result, Ok(64), "before a {beyond:?} page");
    }
    Ok(())
}
