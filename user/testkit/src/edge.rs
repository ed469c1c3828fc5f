//! Writable memory that ends at a page boundary, with an inaccessible page beyond it: for
//! buffers that straddle the edge of what is mapped.

use rt::sys::memory::{PROT_NONE, PROT_READ};
use rt::test::Failure;

use crate::pages::Pages;

/// What lies past the boundary.
#[derive(Clone, Copy, Debug)]
pub enum Beyond {
    Unmapped,
    ProtNone,
    ReadOnly,
}

impl Beyond {
    /// Every kind: none can be written.
    pub const UNWRITABLE: [Beyond; 3] = [Beyond::Unmapped, Beyond::ProtNone, Beyond::ReadOnly];
    /// The kinds that cannot be read either.
    pub const UNREADABLE: [Beyond; 2] = [Beyond::Unmapped, Beyond::ProtNone];
}

pub struct PageEdge {
    pages: Pages,
    writable_pages: usize,
}

impl PageEdge {
    /// One writable page, then `beyond`.
    pub fn new(beyond: Beyond) -> Result<Self, Failure> {
        PageEdge::with_writable_pages(1, beyond)
    }

    /// `writable_pages` writable pages, then `beyond`.
    pub fn with_writable_pages(writable_pages: usize, beyond: Beyond) -> Result<Self, Failure> {
        let pages = Pages::writable(writable_pages + 1)?;
        match beyond {
            Beyond::Unmapped => pages.unmap(writable_pages, 1)?,
            Beyond::ProtNone => pages.protect(writable_pages, 1, PROT_NONE)?,
            Beyond::ReadOnly => pages.protect(writable_pages, 1, PROT_READ)?,
        }
        Ok(PageEdge {
            pages,
            writable_pages,
        })
    }

    /// The first address past the writable memory.
    pub fn boundary(&self) -> usize {
        self.pages.page(self.writable_pages)
    }

    /// The address `len` bytes before the boundary.
    pub fn before(&self, len: usize) -> usize {
        self.boundary() - len
    }

    /// The writable bytes from `address` to the boundary.
    pub fn bytes_from(&self, address: usize) -> &[u8] {
        self.pages.bytes(address, self.boundary() - address)
    }

    /// Fills the writable bytes from `address` to the boundary.
    pub fn fill_from(&self, address: usize, byte: u8) {
        self.pages.fill(address, self.boundary() - address, byte)
    }

    /// Puts `bytes` so that they end exactly at the boundary; returns where they start.
    pub fn place_at_end(&self, bytes: &[u8]) -> usize {
        let start = self.before(bytes.len());
        self.pages.write(start, bytes);
        start
    }
}
