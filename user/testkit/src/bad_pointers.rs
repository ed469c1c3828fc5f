//! Addresses no system call may read from or write to, each with a label for messages.

use rt::sys::memory::{PROT_NONE, PROT_READ};
use rt::test::Failure;

use crate::pages::Pages;

/// An address in the kernel's half (TTBR1).
pub const KERNEL_ADDRESS: usize = 0xffff_0000_0000_1000;

/// The first address above a 48-bit user address space: not canonical for TTBR0.
pub const ABOVE_USER_SPACE: usize = 0x0001_0000_0000_0000;

/// Holds a PROT_NONE page, a read-only page and a hole where a page was unmapped.
pub struct BadPointers {
    pages: Pages,
}

const PROT_NONE_PAGE: usize = 0;
const READ_ONLY_PAGE: usize = 1;
const UNMAPPED_PAGE: usize = 2;

impl BadPointers {
    pub fn new() -> Result<Self, Failure> {
        let pages = Pages::map(3, PROT_NONE)?;
        pages.protect(READ_ONLY_PAGE, 1, PROT_READ)?;
        pages.unmap(UNMAPPED_PAGE, 1)?;
        Ok(BadPointers { pages })
    }

    /// Addresses that cannot be read: for buffers the kernel reads.
    pub fn unreadable(&self) -> [(&'static str, usize); 5] {
        [
            ("NULL", 0),
            ("unmapped", self.pages.page(UNMAPPED_PAGE)),
            ("PROT_NONE", self.pages.page(PROT_NONE_PAGE)),
            ("kernel", KERNEL_ADDRESS),
            ("above user space", ABOVE_USER_SPACE),
        ]
    }

    /// Addresses that cannot be written: for buffers the kernel writes.
    pub fn unwritable(&self) -> [(&'static str, usize); 6] {
        let [null, unmapped, prot_none, kernel, above] = self.unreadable();
        [
            null,
            unmapped,
            prot_none,
            kernel,
            above,
            ("read-only", self.read_only_page()),
        ]
    }

    /// A zero-filled page that can be read but not written.
    pub fn read_only_page(&self) -> usize {
        self.pages.page(READ_ONLY_PAGE)
    }
}
