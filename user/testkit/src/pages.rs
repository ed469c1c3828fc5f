//! An anonymous private mapping of whole pages that a test owns, reshapes and reads or writes
//! by address, unmapped again when dropped.

use rt::errno::Errno;
use rt::sys::memory::{PROT_READ, PROT_WRITE, map_anonymous, mprotect, munmap};
use rt::test::{Context, Failure};

pub struct Pages {
    start: usize,
    count: usize,
}

impl Pages {
    /// `count` fresh zero-filled pages with `protection`.
    pub fn map(count: usize, protection: u32) -> Result<Pages, Failure> {
        let start = map_anonymous(count * page_size(), protection).context("mmap")?;
        Ok(Pages { start, count })
    }

    /// `count` fresh readable and writable pages.
    pub fn writable(count: usize) -> Result<Pages, Failure> {
        Pages::map(count, PROT_READ | PROT_WRITE)
    }

    pub fn start(&self) -> usize {
        self.start
    }

    /// Address of page `index`; `page(count)` is one past the end.
    pub fn page(&self, index: usize) -> usize {
        self.start + index * page_size()
    }

    /// The mapping's size in bytes.
    pub fn size(&self) -> usize {
        self.count * page_size()
    }

    /// Panics unless `len` bytes at `address` lie inside the mapping.
    fn assert_inside(&self, address: usize, len: usize) {
        assert!(address >= self.start && address + len <= self.start + self.size());
    }

    /// Gives `count` pages from `index` on a new protection.
    pub fn protect(&self, index: usize, count: usize, protection: u32) -> Result<(), Failure> {
        // SAFETY: the pages are this mapping's; tests touch them only as they allow, or on
        // purpose in a child.
        unsafe { mprotect(self.page(index), count * page_size(), protection) }.context("mprotect")
    }

    /// Unmaps `count` pages from `index`, leaving a hole no access may reach.
    pub fn unmap(&self, index: usize, count: usize) -> Result<(), Failure> {
        // SAFETY: the pages are this mapping's and nothing keeps references into them.
        unsafe { munmap(self.page(index), count * page_size()) }.context("munmap")
    }

    /// The bytes at `address`, which must lie in a readable part of this mapping.
    pub fn bytes(&self, address: usize, len: usize) -> &[u8] {
        self.assert_inside(address, len);
        // SAFETY: in bounds (checked) of a mapping this value keeps alive; the caller names a
        // readable part, and the kernel writes it only during calls this borrow excludes.
        unsafe { core::slice::from_raw_parts(address as *const u8, len) }
    }

    /// Fills `len` bytes at `address`, which must lie in a writable part of this mapping.
    pub fn fill(&self, address: usize, len: usize, byte: u8) {
        self.assert_inside(address, len);
        // SAFETY: in bounds (checked) of a live mapping the caller says is writable.
        unsafe { core::ptr::write_bytes(address as *mut u8, byte, len) }
    }

    /// Copies `bytes` to `address`, which must lie in a writable part of this mapping.
    pub fn write(&self, address: usize, bytes: &[u8]) {
        self.assert_inside(address, bytes.len());
        // SAFETY: in bounds (checked) of a live mapping the caller says is writable.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), address as *mut u8, bytes.len()) }
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        // Unmapping a range that is partly unmapped already is fine; a failure leaks pages.
        // SAFETY: the mapping is this value's, and it is going away.
        let _: Result<(), Errno> = unsafe { munmap(self.start, self.size()) };
    }
}

/// The page size, from the auxiliary vector.
pub fn page_size() -> usize {
    rt::args::page_size()
}
