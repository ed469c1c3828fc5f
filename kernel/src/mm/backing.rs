//! What a region's pages hold when first touched: zeroes (anonymous memory, the heap, the
//! stack, bss), a private copy of a file's bytes (mmap of a file with MAP_PRIVATE), or the
//! file's own pages (MAP_SHARED; shared anonymous memory is a file with no name), or a
//! device's memory (a framebuffer a driver exports).

use super::address_space::FaultError;
use super::page_table::PAGE_SIZE;
use alloc::sync::Arc;

/// A file a region takes its pages from; the file system implements it, so memory
/// management needs to know nothing of files.
pub trait FileSource: Send + Sync {
    /// Fills `page` with the file's bytes from `offset`, zeroes past the file's end; false,
    /// touching nothing, if `offset` is at or past the end (a SIGBUS, as on Linux).
    fn read_page(&self, offset: usize, page: &mut [u8; PAGE_SIZE]) -> bool;

    /// The frame of the file's own page at `offset`, made if need be, with an owner added
    /// for the mapping about to map it (frames::share); BeyondFile at or past the end.
    fn shared_frame(&self, offset: usize) -> Result<usize, FaultError>;
}

#[derive(Clone)]
pub enum Backing {
    Zero,
    /// The file's bytes from `offset` on, starting at the region's first page.
    File {
        file: Arc<dyn FileSource>,
        offset: usize,
    },
    /// The file's own pages from `offset` on: writes reach the file and every other mapping.
    Shared {
        file: Arc<dyn FileSource>,
        offset: usize,
        /// Whether the descriptor it was mapped through allowed writing (mprotect may not
        /// add PROT_WRITE otherwise).
        writable: bool,
    },
    /// Device memory from physical address `phys` on, mapped uncached: no frames, so never
    /// counted, copied, swapped or freed. Shared by nature.
    Device {
        phys: usize,
        writable: bool,
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
            Backing::Shared {
                file,
                offset,
                writable,
            } => Backing::Shared {
                file: file.clone(),
                offset: offset + distance,
                writable: *writable,
            },
            Backing::Device { phys, writable } => Backing::Device {
                phys: phys + distance,
                writable: *writable,
            },
        }
    }

    /// Whether writes through the mapping reach every other mapping of the same pages.
    pub fn is_shared(&self) -> bool {
        matches!(self, Backing::Shared { .. } | Backing::Device { .. })
    }

    /// Whether mprotect may make the mapping writable: not if the descriptor it was mapped
    /// through was read-only.
    pub fn may_become_writable(&self) -> bool {
        match self {
            Backing::Shared { writable, .. } | Backing::Device { writable, .. } => *writable,
            Backing::Zero | Backing::File { .. } => true,
        }
    }
}
