//! mmap and munmap of anonymous private memory: zero fill, page rounding, MAP_FIXED, holes,
//! and the arguments Linux refuses.

use rt::errno::Errno;
use rt::signal::SIGSEGV;
use rt::sys::memory::{
    MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE, map_anonymous, mmap, munmap,
};
use rt::test::{Context, Failure};
use rt::wait::Termination;
use testkit::child::in_child;
use testkit::pages::{Pages, page_size};

const READ_WRITE: u32 = PROT_READ | PROT_WRITE;

/// Reads the byte at `address` (in a child, a bad address kills it).
pub fn peek(address: usize) -> u8 {
    // SAFETY: callers name mapped bytes, or are a child meant to die of the read.
    unsafe { core::ptr::read_volatile(address as *const u8) }
}

/// A child that reads `address` must be killed by SIGSEGV.
pub fn check_read_kills(address: usize) -> Result<(), Failure> {
    let termination = in_child(|| i32::from(peek(address)))?;
    rt::check_eq!(
        termination,
        Termination::Killed(SIGSEGV),
        "reading {address:#x}"
    );
    Ok(())
}

pub fn mmap_gives_zeroed_writable_pages() -> Result<(), Failure> {
    let pages = Pages::writable(3)?;
    rt::check_eq!(
        pages.start() % page_size(),
        0,
        "mmap returned {:#x}",
        pages.start()
    );
    rt::check!(
        pages
            .bytes(pages.start(), pages.size())
            .iter()
            .all(|&byte| byte == 0)
    );
    pages.fill(pages.start(), pages.size(), 0xc3);
    rt::check!(
        pages
            .bytes(pages.start(), pages.size())
            .iter()
            .all(|&byte| byte == 0xc3)
    );
    Ok(())
}

pub fn mmap_rounds_length_up_to_pages() -> Result<(), Failure> {
    let start = map_anonymous(100, READ_WRITE).context("mmap 100 bytes")?;
    // SAFETY: the mapping covers a whole page; the last byte of it is ours.
    unsafe { core::ptr::write_volatile((start + page_size() - 1) as *mut u8, 7) };
    rt::check_eq!(peek(start + page_size() - 1), 7);
    // SAFETY: the page is ours and no longer used.
    unsafe { munmap(start, 100) }.context("munmap")
}

pub fn mmap_fixed_replaces_pages() -> Result<(), Failure> {
    let pages = Pages::writable(3)?;
    pages.fill(pages.start(), pages.size(), 0x11);
    let middle = pages.page(1);
    let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
    // SAFETY: the replaced page belongs to `pages`, and nothing refers into it.
    let placed = unsafe { mmap(middle, page_size(), READ_WRITE, flags, -1, 0) };
    rt::check_eq!(placed, Ok(middle));
    rt::check!(
        pages
            .bytes(middle, page_size())
            .iter()
            .all(|&byte| byte == 0)
    );
    rt::check!(
        pages
            .bytes(pages.start(), page_size())
            .iter()
            .all(|&byte| byte == 0x11)
    );
    rt::check!(
        pages
            .bytes(pages.page(2), page_size())
            .iter()
            .all(|&byte| byte == 0x11)
    );
    Ok(())
}

pub fn mmap_rejects_bad_arguments() -> Result<(), Failure> {
    let anonymous = MAP_PRIVATE | MAP_ANONYMOUS;
    let page = page_size();
    // SAFETY: each request is refused (or, wrongly granted, only adds pages or replaces the
    // pages at 0x10000, where this program has none).
    unsafe {
        rt::check_eq!(
            mmap(0, 0, READ_WRITE, anonymous, -1, 0),
            Err(Errno::EINVAL),
            "length 0"
        );
        rt::check_eq!(
            mmap(0x10001, page, READ_WRITE, anonymous | MAP_FIXED, -1, 0),
            Err(Errno::EINVAL),
            "MAP_FIXED at an unaligned address"
        );
        rt::check_eq!(
            mmap(0, page, READ_WRITE, MAP_ANONYMOUS, -1, 0),
            Err(Errno::EINVAL),
            "neither MAP_PRIVATE nor MAP_SHARED"
        );
        rt::check_eq!(
            mmap(0, page, READ_WRITE, anonymous, -1, 100),
            Err(Errno::EINVAL),
            "unaligned offset"
        );
        rt::check_eq!(
            mmap(0, page, READ_WRITE, MAP_PRIVATE, -1, 0),
            Err(Errno::EBADF),
            "a file mapping of descriptor -1"
        );
    }
    Ok(())
}

pub fn mmap_of_absurd_length_is_enomem() -> Result<(), Failure> {
    rt::check_eq!(map_anonymous(1 << 60, READ_WRITE), Err(Errno::ENOMEM));
    rt::check_eq!(
        map_anonymous(usize::MAX - 100, READ_WRITE),
        Err(Errno::ENOMEM),
        "wraps"
    );
    Ok(())
}

pub fn munmap_then_access_kills_with_sigsegv() -> Result<(), Failure> {
    let pages = Pages::writable(1)?;
    pages.fill(pages.start(), 1, 1);
    pages.unmap(0, 1)?;
    check_read_kills(pages.start())
}

pub fn munmap_of_middle_page_keeps_neighbours() -> Result<(), Failure> {
    let pages = Pages::writable(3)?;
    pages.fill(pages.start(), pages.size(), 0x22);
    pages.unmap(1, 1)?;
    rt::check_eq!(peek(pages.start()), 0x22);
    rt::check_eq!(peek(pages.page(2)), 0x22);
    check_read_kills(pages.page(1))
}

pub fn munmap_rejects_unaligned_and_empty_ranges() -> Result<(), Failure> {
    let pages = Pages::writable(1)?;
    // SAFETY: the requests are refused; the last one names a hole with nothing in it.
    unsafe {
        rt::check_eq!(munmap(pages.start() + 1, page_size()), Err(Errno::EINVAL));
        rt::check_eq!(munmap(pages.start(), 0), Err(Errno::EINVAL));
        pages.unmap(0, 1)?;
        rt::check_eq!(
            munmap(pages.start(), page_size()),
            Ok(()),
            "unmapping a hole again"
        );
    }
    Ok(())
}
