//! What a region's pages hold when first touched: zeroes (anonymous memory, the heap, the
//! stack, bss) or a private copy of a file's bytes (mmap of a file with MAP_PRIVATE).

use super::page_table::PAGE_SIZE;
use alloc::sync::Arc;

/// A file a region copies its pages from; the file system implements it, so memory
/// management needs to know nothing of files.
pub trait FileSource: Send + Sync {
    /// Fills `page` with the file's bytes from `offset`, zeroes past the file's end; false,
    /// touching nothing, if `offset` is at or past the end (a SIGBUS, as on Linux).
    fn read_page(&self, offset: usize, page: &mut [u8; PAGE_SIZE]) -> bool;
}

#[derive(Clone)]
pub enum Backing {
    Zero,
    /// The file's bytes from `offset` on, starting at the region's first page.
    File {
        file: Arc<dyn FileSource>,
        offset: usize,
    },
}

impl Backing {
    /// The backing of the part of a region that starts `distance` bytes into it.
    pub fn advanced(&self, distance: usize) -> Backing {
        match self {
            Backing::Zero => Backing::Zero,
            Backing::File { file, offset } => Backing::File {
                file: file.clone(),
                offset: offset + distance,
            },
        }
    }
}
