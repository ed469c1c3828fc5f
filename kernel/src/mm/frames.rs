//! The kernel's frame allocator instance over the board's RAM.

use super::frame::{FrameAllocator, FrameError, bitmap_words};
use super::page_table::PAGE_SIZE;
use super::phys_to_virt;
use crate::sync::IrqMutex;
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

/// `count` frames in a row filled with zeroes, for a device; the lowest address.
pub fn allocate_contiguous_zeroed(count: usize) -> Result<usize, FrameError> {
    let pa = with_frames(|frames| frames.allocate_contiguous(count))?;
    // SAFETY: the frames were just handed to us and are mapped in the linear map.
    unsafe { core::ptr::write_bytes(phys_to_virt(pa) as *mut u8, 0, count * PAGE_SIZE) };
    Ok(pa)
}

pub fn deallocate(pa: usize) -> Result<(), FrameError> {
    with_frames(|frames| frames.deallocate(pa))
}

/// Uses at most `bytes` of RAM from its start on, as Linux's `mem=`: the free frames past
/// that are withheld. Once, at boot.
pub fn limit_to(bytes: usize) {
    let ram = &crate::board::INFO.ram;
    let end = ram.start.saturating_add(bytes).min(ram.end);
    with_frames(|frames| frames.withhold(end..ram.end));
}

pub fn free_frames() -> usize {
    with_frames(|frames| frames.free_frames())
}

/// Extra owners of each frame (copy-on-write after fork), one byte per frame of RAM: zero
/// for a frame with a single owner. Fixed-size, so sharing never needs the heap.
struct ExtraOwners {
    base: usize,
    counts: &'static mut [u8],
}

static EXTRA_OWNERS: IrqMutex<Option<ExtraOwners>> = IrqMutex::new(None);

/// Sets up the owner counts in `storage`, one byte per frame of `ram`.
///
/// # Safety
/// Once; `storage` is RAM nobody else uses, mapped in the linear map, `ram.len() / PAGE_SIZE`
/// bytes long.
pub unsafe fn init_sharing(ram: Range<usize>, storage: usize) {
    let frames = ram.len() / PAGE_SIZE;
    // SAFETY: per the caller.
    let counts =
        unsafe { core::slice::from_raw_parts_mut(phys_to_virt(storage) as *mut u8, frames) };
    counts.fill(0);
    *EXTRA_OWNERS.lock() = Some(ExtraOwners {
        base: ram.start,
        counts,
    });
}

fn with_owners<R>(pa: usize, f: impl FnOnce(&mut u8) -> R) -> R {
    let mut owners = EXTRA_OWNERS.lock();
    let owners = owners.as_mut().expect("sharing initialised at boot");
    f(&mut owners.counts[(pa - owners.base) / PAGE_SIZE])
}

/// Adds an owner to an allocated frame (a forked process, a shared mapping); at most 256
/// owners are counted.
pub fn share(pa: usize) -> Result<(), FrameError> {
    with_owners(pa, |extra| {
        *extra = extra.checked_add(1).ok_or(FrameError::TooManyOwners(pa))?;
        Ok(())
    })
}

/// Whether more than one owner holds the frame.
pub fn is_shared(pa: usize) -> bool {
    with_owners(pa, |extra| *extra > 0)
}

/// Drops one owner of the frame; the last one frees it.
pub fn release(pa: usize) -> Result<(), FrameError> {
    let was_shared = with_owners(pa, |extra| {
        let shared = *extra > 0;
        *extra = extra.saturating_sub(1);
        shared
    });
    if was_shared { Ok(()) } else { deallocate(pa) }
}

/// Frames of RAM the allocator manages.
pub fn total_frames() -> usize {
    with_frames(|frames| frames.total_frames())
}
