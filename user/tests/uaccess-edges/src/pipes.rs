//! Pipes and buffers that cross the edge: a pipe moves data a page at a time and commits
//! nothing of a page it could not fill, so a short read or write is EFAULT with the data
//! left where it was; only whole pages before the edge count.

use rt::errno::Errno;
use rt::fd::Fd;
use rt::sys::file::{IoVec, pipe2, read, write, writev};
use rt::syscall;
use rt::test::{Context, Failure};
use testkit::edge::{Beyond, PageEdge};
use testkit::pages::page_size;

/// Writes a marker and reads the pipe: what comes back shows what was in it before.
fn check_holds_nothing_before_marker(reader: Fd, writer: Fd) -> Result<(), Failure> {
    rt::check_eq!(write(writer, b"marker"), Ok(6));
    let mut contents = [0u8; 256];
    let got = read(reader, &mut contents).context("read")?;
    rt::check_eq!(
        &contents[..got],
        b"marker",
        "the pipe held more than the marker"
    );
    Ok(())
}

pub fn pipe_read_across_the_edge_is_efault_and_keeps_the_data() -> Result<(), Failure> {
    let (reader, writer) = pipe2(0).context("pipe2")?;
    let data: [u8; 128] = core::array::from_fn(|index| index as u8);
    rt::check_eq!(write(writer.raw(), &data), Ok(128));
    let edge = PageEdge::new(Beyond::Unmapped)?;
    // SAFETY: the kernel writes at most the 64 bytes before the edge, which are ours.
    let result = unsafe { syscall!(READ, reader.raw(), edge.before(64), 128) };
    rt::check_eq!(result, Err(Errno::EFAULT));
    let mut again = [0u8; 256];
    rt::check_eq!(
        read(reader.raw(), &mut again),
        Ok(128),
        "the data is still there"
    );
    rt::check_eq!(&again[..128], &data[..]);
    Ok(())
}

pub fn pipe_write_across_the_edge_is_efault_and_writes_nothing() -> Result<(), Failure> {
    let (reader, writer) = pipe2(0).context("pipe2")?;
    for beyond in Beyond::UNREADABLE {
        let edge = PageEdge::new(beyond)?;
        // SAFETY: writing only reads memory.
        let result = unsafe { syscall!(WRITE, writer.raw(), edge.before(64), 128) };
        rt::check_eq!(result, Err(Errno::EFAULT), "before a {beyond:?} page");
        check_holds_nothing_before_marker(reader.raw(), writer.raw())?;
    }
    Ok(())
}

pub fn pipe_writev_with_bad_second_vector_is_efault_and_writes_nothing() -> Result<(), Failure> {
    let (reader, writer) = pipe2(0).context("pipe2")?;
    let edge = PageEdge::new(Beyond::Unmapped)?;
    let vectors = [
        IoVec::of(b"0123456789"),
        IoVec {
            base: edge.boundary(),
            len: 10,
        },
    ];
    rt::check_eq!(writev(writer.raw(), &vectors), Err(Errno::EFAULT));
    check_holds_nothing_before_marker(reader.raw(), writer.raw())
}

/// A write that fills one page and faults in the next returns the one page.
pub fn pipe_write_counts_the_whole_pages_before_the_edge() -> Result<(), Failure> {
    let (reader, writer) = pipe2(0).context("pipe2")?;
    let page = page_size();
    let edge = PageEdge::with_writable_pages(2, Beyond::Unmapped)?;
    let buffer = edge.before(page + 100);
    edge.fill_from(buffer, 0x77);
    // SAFETY: writing only reads memory.
    let result = unsafe { syscall!(WRITE, writer.raw(), buffer, page + 200) };
    rt::check_eq!(result, Ok(page));
    let mut moved = 0;
    let mut chunk = [0u8; 512];
    while moved < page {
        let got = read(reader.raw(), &mut chunk).context("read")?;
        rt::check!(chunk[..got].iter().all(|&byte| byte == 0x77), "wrong data");
        moved += got;
    }
    rt::check_eq!(moved, page);
    check_holds_nothing_before_marker(reader.raw(), writer.raw())
}
