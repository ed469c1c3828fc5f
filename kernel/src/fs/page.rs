//! A page of file data: a frame of RAM in the kernel (a heap box in host tests), counted
//! against the file system's share of memory.

use crate::errno::{ENOSPC, Errno};
use crate::mm::page_table::PAGE_SIZE;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Pages file data may use (tmpfs's `size=`); set at boot to half of RAM, as Linux's default.
static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
static IN_USE: AtomicUsize = AtomicUsize::new(0);

pub fn set_limit(pages: usize) {
    LIMIT.store(pages, Ordering::Relaxed);
}

/// (pages in use, page limit), for statfs.
pub fn usage() -> (usize, usize) {
    (
        IN_USE.load(Ordering::Relaxed),
        LIMIT.load(Ordering::Relaxed),
    )
}

pub struct Page {
    storage: Storage,
}

impl Page {
    /// A zeroed page, or ENOSPC when file data has used its share or RAM is full.
    pub fn zeroed() -> Result<Self, Errno> {
        IN_USE
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                (used < LIMIT.load(Ordering::Relaxed)).then_some(used + 1)
            })
            .map_err(|_| ENOSPC)?;
        match Storage::zeroed() {
            Some(storage) => Ok(Self { storage }),
            None => {
                IN_USE.fetch_sub(1, Ordering::Relaxed);
                Err(ENOSPC)
            }
        }
    }

    pub fn bytes(&self) -> &[u8; PAGE_SIZE] {
        self.storage.bytes()
    }

    pub fn bytes_mut(&mut self) -> &mut [u8; PAGE_SIZE] {
        self.storage.bytes_mut()
    }

    /// The physical frame, which shared mappings of the file map.
    #[cfg(target_os = "none")]
    pub fn frame(&self) -> usize {
        self.storage.physical
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        IN_USE.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A frame from the frame allocator, reached through the linear map.
#[cfg(target_os = "none")]
struct Storage {
    physical: usize,
}

#[cfg(target_os = "none")]
impl Storage {
    fn zeroed() -> Option<Self> {
        crate::mm::frames::allocate_zeroed()
            .ok()
            .map(|physical| Self { physical })
    }

    fn bytes(&self) -> &[u8; PAGE_SIZE] {
        // SAFETY: the frame is ours for as long as `self` lives, mapped in the linear map.
        unsafe { &*(crate::mm::phys_to_virt(self.physical) as *const [u8; PAGE_SIZE]) }
    }

    fn bytes_mut(&mut self) -> &mut [u8; PAGE_SIZE] {
        // SAFETY: as in `bytes`, and `&mut self` makes the access exclusive.
        unsafe { &mut *(crate::mm::phys_to_virt(self.physical) as *mut [u8; PAGE_SIZE]) }
    }
}

#[cfg(target_os = "none")]
impl Drop for Storage {
    /// The file lets go of the frame; shared mappings that still map it keep it until they go.
    fn drop(&mut self) {
        crate::mm::frames::release(self.physical).expect("a file page's frame is allocated");
    }
}

#[cfg(not(target_os = "none"))]
struct Storage(alloc::boxed::Box<[u8; PAGE_SIZE]>);

#[cfg(not(target_os = "none"))]
impl Storage {
    fn zeroed() -> Option<Self> {
        Some(Self(alloc::boxed::Box::new([0; PAGE_SIZE])))
    }

    fn bytes(&self) -> &[u8; PAGE_SIZE] {
        &self.0
    }

    fn bytes_mut(&mut self) -> &mut [u8; PAGE_SIZE] {
        &mut self.0
    }
}
