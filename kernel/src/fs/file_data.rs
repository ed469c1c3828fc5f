//! A regular file's bytes: the initramfs bytes it started with, shadowed page by page by
//! pages of its own once written, holes reading as zeroes. Pure logic, tested on the host.

use super::page::Page;
use crate::errno::{EFBIG, ENOSPC, Errno};
use crate::mm::page_table::PAGE_SIZE;
use alloc::borrow::Cow;
use alloc::vec;
use alloc::vec::Vec;

/// Largest file size (Linux's MAX_LFS_FILESIZE is far beyond what RAM could hold).
pub const MAX_FILE_SIZE: usize = 1 << 40;

pub struct FileData {
    /// The initramfs bytes, never longer than the file: truncation shortens them.
    initial: &'static [u8],
    /// Page `i` of the file, once written; before that the initial bytes or zeroes.
    pages: Vec<Option<Page>>,
    size: usize,
}

impl FileData {
    pub fn new(initial: &'static [u8]) -> Self {
        Self {
            initial,
            pages: Vec::new(),
            size: initial.len(),
        }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Pages of its own the file holds (st_blocks counts them).
    pub fn pages_held(&self) -> usize {
        self.pages.iter().flatten().count()
    }

    /// Up to `max` bytes from `offset` (fewer at the end of the file or of a page): the
    /// initramfs bytes themselves while the file is unwritten, otherwise a copy, so that no
    /// lock on the file need be held while they go to user memory.
    pub fn read(&self, offset: usize, max: usize) -> Cow<'static, [u8]> {
        if offset >= self.size {
            return Cow::Borrowed(&[]);
        }
        let count = max.min(self.size - offset);
        if self.pages.is_empty() && offset < self.initial.len() {
            let count = count.min(self.initial.len() - offset);
            return Cow::Borrowed(&self.initial[offset..offset + count]);
        }
        let within = offset % PAGE_SIZE;
        let count = count.min(PAGE_SIZE - within);
        let mut bytes = vec![0u8; count];
        match self.pages.get(offset / PAGE_SIZE) {
            Some(Some(page)) => bytes.copy_from_slice(&page.bytes()[within..within + count]),
            _ => {
                let initial = self.initial.get(offset..).unwrap_or_default();
                let from_initial = count.min(initial.len());
                bytes[..from_initial].copy_from_slice(&initial[..from_initial]);
            }
        }
        Cow::Owned(bytes)
    }

    /// The whole file, as execve loads it.
    pub fn contents(&self) -> Cow<'static, [u8]> {
        if self.pages.is_empty() && self.size == self.initial.len() {
            return Cow::Borrowed(self.initial);
        }
        let mut bytes = Vec::with_capacity(self.size);
        while bytes.len() < self.size {
            bytes.extend_from_slice(&self.read(bytes.len(), self.size - bytes.len()));
        }
        Cow::Owned(bytes)
    }

    /// Writes `bytes` at `offset`, growing the file; returns how many were written before the
    /// file system ran out of pages (ENOSPC if none were).
    pub fn write(&mut self, offset: usize, bytes: &[u8]) -> Result<usize, Errno> {
        if offset.saturating_add(bytes.len()) > MAX_FILE_SIZE {
            return Err(EFBIG);
        }
        let mut done = 0;
        while done < bytes.len() {
            let position = offset + done;
            let within = position % PAGE_SIZE;
            let count = (bytes.len() - done).min(PAGE_SIZE - within);
            let page = match self.page_mut(position / PAGE_SIZE) {
                Ok(page) => page,
                Err(error) if done == 0 => return Err(error),
                Err(_) => break,
            };
            page.bytes_mut()[within..within + count].copy_from_slice(&bytes[done..done + count]);
            done += count;
            self.size = self.size.max(offset + done);
        }
        Ok(done)
    }

    /// The file's own page holding `offset`, made if need be, for a shared mapping to map;
    /// None at or past the end of the file.
    pub fn page_at(&mut self, offset: usize) -> Result<Option<&Page>, Errno> {
        if offset >= self.size {
            return Ok(None);
        }
        self.page_mut(offset / PAGE_SIZE).map(|page| Some(&*page))
    }

    /// Page `index`, made the file's own: filled from the initial bytes it shadows.
    fn page_mut(&mut self, index: usize) -> Result<&mut Page, Errno> {
        if self.pages.len() <= index {
            self.pages
                .try_reserve(index + 1 - self.pages.len())
                .map_err(|_| ENOSPC)?;
            self.pages.resize_with(index + 1, || None);
        }
        if self.pages[index].is_none() {
            let mut page = Page::zeroed()?;
            let initial = self.initial.get(index * PAGE_SIZE..).unwrap_or_default();
            let count = initial.len().min(PAGE_SIZE);
            page.bytes_mut()[..count].copy_from_slice(&initial[..count]);
            self.pages[index] = Some(page);
        }
        Ok(self.pages[index].as_mut().expect("just filled"))
    }

    /// Sets the size: bytes beyond a shrunk end are gone (they read as zeroes if the file
    /// grows again), a grown file reads zeroes up to the new end.
    pub fn truncate(&mut self, size: usize) -> Result<(), Errno> {
        if size > MAX_FILE_SIZE {
            return Err(EFBIG);
        }
        if size < self.size {
            self.initial = &self.initial[..self.initial.len().min(size)];
            self.pages.truncate(size.div_ceil(PAGE_SIZE));
            let within = size % PAGE_SIZE;
            if within != 0
                && let Some(Some(page)) = self.pages.last_mut()
            {
                page.bytes_mut()[within..].fill(0);
            }
        }
        self.size = size;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(data: &FileData) -> Vec<u8> {
        let mut bytes = Vec::new();
        loop {
            let chunk = data.read(bytes.len(), usize::MAX);
            if chunk.is_empty() {
                return bytes;
            }
            bytes.extend_from_slice(&chunk);
        }
    }

    #[test]
    fn an_unwritten_file_lends_its_initial_bytes() {
        static INITIAL: [u8; 5000] = [7; 5000];
        let data = FileData::new(&INITIAL);
        assert!(matches!(data.read(10, 6000), Cow::Borrowed(bytes) if bytes.len() == 4990));
        assert!(matches!(data.contents(), Cow::Borrowed(bytes) if bytes.len() == 5000));
        assert_eq!(data.pages_held(), 0);
    }

    #[test]
    fn writes_shadow_the_initial_bytes_a_page_at_a_time() {
        let initial: &'static [u8] = Vec::leak((0..3 * PAGE_SIZE).map(|i| i as u8).collect());
        let mut data = FileData::new(initial);
        assert_eq!(data.write(PAGE_SIZE + 10, b"xyz"), Ok(3));
        assert_eq!(data.pages_held(), 1);
        let mut expected = initial.to_vec();
        expected[PAGE_SIZE + 10..PAGE_SIZE + 13].copy_from_slice(b"xyz");
        assert_eq!(read_all(&data), expected);
        assert_eq!(&*data.contents(), &expected[..]);
    }

    #[test]
    fn writing_past_the_end_leaves_a_hole_of_zeroes() {
        let mut data = FileData::new(b"ab");
        assert_eq!(data.write(2 * PAGE_SIZE + 1, b"z"), Ok(1));
        assert_eq!(data.size(), 2 * PAGE_SIZE + 2);
        let bytes = read_all(&data);
        assert_eq!(&bytes[..2], b"ab");
        assert!(bytes[2..2 * PAGE_SIZE + 1].iter().all(|&b| b == 0));
        assert_eq!(bytes[2 * PAGE_SIZE + 1], b'z');
        // Only the written page has memory: the first still lends its initial bytes, the
        // hole in the middle has none.
        assert_eq!(data.pages_held(), 1);
    }

    #[test]
    fn truncation_forgets_what_was_cut() {
        let mut data = FileData::new(b"initial bytes");
        assert_eq!(data.write(0, b"I"), Ok(1));
        data.truncate(3).unwrap();
        assert_eq!(read_all(&data), b"Ini");
        data.truncate(6).unwrap();
        assert_eq!(read_all(&data), b"Ini\0\0\0");
        data.truncate(0).unwrap();
        assert_eq!(data.pages_held(), 0);
        assert_eq!(read_all(&data), b"");
        let mut fresh = FileData::new(b"0123456789");
        fresh.truncate(4).unwrap();
        fresh.truncate(8).unwrap();
        assert_eq!(read_all(&fresh), b"0123\0\0\0\0");
    }

    #[test]
    fn sizes_beyond_the_limit_are_efbig() {
        let mut data = FileData::new(b"");
        assert_eq!(data.write(MAX_FILE_SIZE, b"x"), Err(EFBIG));
        assert_eq!(data.truncate(MAX_FILE_SIZE + 1), Err(EFBIG));
    }
}
