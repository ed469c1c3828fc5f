//! The kernel's frame allocator instance over the board's RAM.

use super::frame::{FrameAllocator, FrameError, bitmap_words};
use super::page_table::PAGE_SIZE;
use super::phys_to_virt;
use crate::sync::IrqMutex;
use alloc::collections::BTreeMap;
use bsp_drivers::BoardInfo;
use core::ops::Range;

static FRAMES: IrqMutex<Option<FrameAllocator<'static>>> = IrqMutex::new(None);

/// Hands the board's RAM to the allocator, minus its reserved ranges and `in_use`.
///
/// # Safety
/// Once. `bitmap` is the physical address of RAM inside `in_use`, large enough for the
/// bitmap, that nothing else uses.
pub unsafe fn init(board: &BoardInfo, bitmap: usize, in_use: impl Iterator<Item = Range<usize>>) {
    let words = bitmap_words(board.ram.len());
    // SAFETY: per the caller, the bitmap's frames are ours and mapped in the linear map.
    let storage =
        unsafe { core::slice::from_raw_parts_mut(phys_to_virt(bitmap) as *mut u64, words) };
    let mut frames = FrameAllocator::new(board.ram.clone(), storage);
    frames.release(board.ram.clone());
    for reserved in board.reserved.iter().cloned().chain(in_use) {
        frames.reserve(reserved);
    }
    *FRAMES.lock() = Some(frames);
}

fn with_frames<R>(f: impl FnOnce(&mut FrameAllocator<'static>) -> R) -> R {
    f(FRAMES
        .lock()
        .as_mut()
        .expect("frame allocator initialised at boot"))
}

/// One frame, contents undefined.
pub fn allocate() -> Result<usize, FrameError> {
    with_frames(FrameAllocator::allocate)
}

/// One frame filled with zeroes.
pub fn allocate_zeroed() -> Result<usize, FrameError> {
    let pa = allocate()?;
    // SAFETY: the frame was just handed to us and is mapped in the linear map.
    unsafe { core::ptr::write_bytes(phys_to_virt(pa) as *mut u8, 0, PAGE_SIZE) };
    Ok(pa)
}

pub fn deallocate(pa: usize) -> Result<(), FrameError> {
    with_frames(|frames| frames.deallocate(pa))
}

pub fn free_frames() -> usize {
    with_frames(|frames| frames.free_frames())
}

/// Frames with more than one owner (copy-on-write after fork), and how many owners.
static SHARED: IrqMutex<BTreeMap<usize, u32>> = IrqMutex::new(BTreeMap::new());

/// Adds an owner to an allocated frame.
pub fn share(pa: usize) {
    *SHARED.lock().entry(pa).or_insert(1) += 1;
}

/// Whether more than one owner holds the frame.
pub fn is_shared(pa: usize) -> bool {
    SHARED.lock().contains_key(&pa)
}

/// Drops one owner of the frame; the last one frees it.
pub fn release(pa: usize) -> Result<(), FrameError> {
    {
        let mut shared = SHARED.lock();
        if let Some(owners) = shared.get_mut(&pa) {
            *owners -= 1;
            if *owners == 1 {
                shared.remove(&pa);
            }
            return Ok(());
        }
    }
    deallocate(pa)
}

/// Frames of RAM the allocator manages.
pub fn total_frames() -> usize {
    with_frames(|frames| frames.total_frames())
}
