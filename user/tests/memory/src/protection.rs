//! mprotect: read-only and PROT_NONE pages keep their data but refuse the access they forbid.

use rt::errno::Errno;
use rt::signal::SIGSEGV;
use rt::sys::memory::{PROT_NONE, PROT_READ, PROT_WRITE, mprotect};
use rt::test::Failure;
use rt::wait::Termination;
use testkit::child::in_child;
use testkit::pages::{Pages, page_size};

use crate::mappings::{check_read_kills, peek};

pub fn mprotect_read_only_keeps_data_and_forbids_writes() -> Result<(), Failure> {
    let pages = Pages::writable(1)?;
    pages.fill(pages.start(), pages.size(), 0x33);
    pages.protect(0, 1, PROT_READ)?;
    rt::check_eq!(peek(pages.start() + 5), 0x33);
    let termination = in_child(|| {
        pages.fill(pages.start(), 1, 0);
        0
    })?;
    rt::check_eq!(
        termination,
        Termination::Killed(SIGSEGV),
        "writing a read-only page"
    );
    pages.protect(0, 1, PROT_READ | PROT_WRITE)?;
    pages.fill(pages.start(), 1, 0x44);
    rt::check_eq!(peek(pages.start()), 0x44);
    rt::check_eq!(peek(pages.start() + 1), 0x33);
    Ok(())
}

pub fn mprotect_none_forbids_reads() -> Result<(), Failure> {
    let pages = Pages::writable(1)?;
    pages.fill(pages.start(), pages.size(), 0x55);
    pages.protect(0, 1, PROT_NONE)?;
    check_read_kills(pages.start())?;
    pages.protect(0, 1, PROT_READ)?;
    rt::check_eq!(peek(pages.start()), 0x55, "data survives PROT_NONE");
    Ok(())
}

pub fn mprotect_rejects_unaligned_and_unmapped_ranges() -> Result<(), Failure> {
    let pages = Pages::writable(1)?;
    // SAFETY: both requests are refused.
    unsafe {
        rt::check_eq!(
            mprotect(pages.start() + 1, page_size(), PROT_READ),
            Err(Errno::EINVAL)
        );
        pages.unmap(0, 1)?;
        rt::check_eq!(
            mprotect(pages.start(), page_size(), PROT_READ),
            Err(Errno::ENOMEM)
        );
    }
    Ok(())
}
