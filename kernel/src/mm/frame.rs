//! Physical frame allocator: bitmaps over the 4 KiB frames of RAM, next-fit search.
//!
//! Pure bookkeeping (no memory is touched but the bitmap), tested on the host.

use super::page_table::PAGE_SIZE;
use core::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// Every frame is in use.
    OutOfFrames,
    /// The frame is not one this allocator manages (or is misaligned).
    NotManaged(usize),
    /// The frame was already free.
    DoubleFree(usize),
    /// The frame has as many owners as can be counted.
    TooManyOwners(usize),
}

/// Allocator over the frames of `[base, base + frames * PAGE_SIZE)`.
///
/// Two bitmaps: `used` (handed out or never available) and `managed` (released and not
/// reserved), so that freeing a frame that was never allocatable is caught too.
pub struct FrameAllocator<'a> {
    base: usize,
    frames: usize,
    used: &'a mut [u64],
    managed: &'a mut [u64],
    free: usize,
    next: usize,
    /// Free frames taken out of use by [`FrameAllocator::withhold`].
    withheld: usize,
}

/// Number of `u64` words of storage the allocator needs for `bytes` of RAM.
pub const fn bitmap_words(bytes: usize) -> usize {
    2 * (bytes / PAGE_SIZE).div_ceil(64)
}

impl<'a> FrameAllocator<'a> {
    /// Manages the RAM in `ram`, with every frame initially in use.
    ///
    /// `storage` needs at least [`bitmap_words`]`(ram.len())` words.
    pub fn new(ram: Range<usize>, storage: &'a mut [u64]) -> Self {
        let frames = ram.len() / PAGE_SIZE;
        let words = frames.div_ceil(64);
        let (used, rest) = storage.split_at_mut(words);
        let managed = &mut rest[..words];
        used.fill(u64::MAX);
        managed.fill(0);
        Self {
            base: ram.start,
            frames,
            used,
            managed,
            free: 0,
            next: 0,
            withheld: 0,
        }
    }

    /// Makes every whole frame inside `range` available (clipped to the managed RAM).
    pub fn release(&mut self, range: Range<usize>) {
        let first = range.start.saturating_sub(self.base).div_ceil(PAGE_SIZE);
        let end = (range.end.saturating_sub(self.base) / PAGE_SIZE).min(self.frames);
        for frame in first..end {
            set_bit(self.managed, frame, true);
            if set_bit(self.used, frame, false) {
                self.free += 1;
            }
        }
    }

    /// Marks every frame touching `range` as used again (for reserved holes).
    pub fn reserve(&mut self, range: Range<usize>) {
        let first = range.start.saturating_sub(self.base) / PAGE_SIZE;
        let end = (range.end.saturating_sub(self.base).div_ceil(PAGE_SIZE)).min(self.frames);
        for frame in first..end {
            set_bit(self.managed, frame, false);
            if !set_bit(self.used, frame, true) {
                self.free -= 1;
            }
        }
    }

    /// Hands out one frame's physical address.
    pub fn allocate(&mut self) -> Result<usize, FrameError> {
        if self.free == 0 {
            return Err(FrameError::OutOfFrames);
        }
        let words = self.used.len();
        for step in 0..=words {
            let word = (self.next / 64 + step) % words;
            let free_bits = !self.used[word];
            if free_bits == 0 {
                continue;
            }
            let frame = word * 64 + free_bits.trailing_zeros() as usize;
            if frame >= self.frames {
                continue;
            }
            set_bit(self.used, frame, true);
            self.free -= 1;
            self.next = frame + 1;
            return Ok(self.base + frame * PAGE_SIZE);
        }
        unreachable!("free count says a frame is free but the bitmap has none")
    }

    /// Hands out `count` frames in a row (the lowest such run), for devices that take one
    /// physical range; the frames are returned one by one.
    pub fn allocate_contiguous(&mut self, count: usize) -> Result<usize, FrameError> {
        let mut run = 0;
        for frame in 0..self.frames {
            run = if bit(self.used, frame) { 0 } else { run + 1 };
            if run > 0 && run == count {
                let first = frame + 1 - count;
                for taken in first..=frame {
                    set_bit(self.used, taken, true);
                }
                self.free -= count;
                return Ok(self.base + first * PAGE_SIZE);
            }
        }
        Err(FrameError::OutOfFrames)
    }

    /// Returns a frame obtained from [`allocate`](Self::allocate).
    pub fn deallocate(&mut self, pa: usize) -> Result<(), FrameError> {
        let offset = pa.wrapping_sub(self.base);
        let frame = offset / PAGE_SIZE;
        if !offset.is_multiple_of(PAGE_SIZE) || frame >= self.frames || !bit(self.managed, frame) {
            return Err(FrameError::NotManaged(pa));
        }
        if !set_bit(self.used, frame, false) {
            return Err(FrameError::DoubleFree(pa));
        }
        self.free += 1;
        Ok(())
    }

    /// Takes the free frames of `range` out of use for good (the kernel's `mem=`); frames
    /// in use there stay managed, to be freed as usual.
    pub fn withhold(&mut self, range: Range<usize>) {
        let first = range.start.saturating_sub(self.base).div_ceil(PAGE_SIZE);
        let end = (range.end.saturating_sub(self.base) / PAGE_SIZE).min(self.frames);
        for frame in first..end {
            if bit(self.managed, frame) && !bit(self.used, frame) {
                set_bit(self.managed, frame, false);
                set_bit(self.used, frame, true);
                self.free -= 1;
                self.withheld += 1;
            }
        }
    }

    pub fn free_frames(&self) -> usize {
        self.free
    }

    /// Frames of RAM, less those withheld.
    pub fn total_frames(&self) -> usize {
        self.frames - self.withheld
    }
}

fn bit(bitmap: &[u64], index: usize) -> bool {
    bitmap[index / 64] & (1 << (index % 64)) != 0
}

/// Sets bit `index` to `value` and returns its previous value.
fn set_bit(bitmap: &mut [u64], index: usize, value: bool) -> bool {
    let previous = bit(bitmap, index);
    let mask = 1 << (index % 64);
    if value {
        bitmap[index / 64] |= mask;
    } else {
        bitmap[index / 64] &= !mask;
    }
    previous
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAM: Range<usize> = 0x4000_0000..0x4000_0000 + 200 * PAGE_SIZE;

    fn with_allocator(test: impl FnOnce(&mut FrameAllocator<'_>)) {
        let mut storage = vec![0u64; bitmap_words(RAM.len())];
        let mut frames = FrameAllocator::new(RAM, &mut storage);
        frames.release(RAM);
        test(&mut frames);
    }

    #[test]
    fn allocates_every_frame_once_then_reports_exhaustion() {
        with_allocator(|frames| {
            let mut seen: Vec<usize> = (0..200).map(|_| frames.allocate().unwrap()).collect();
            assert_eq!(frames.allocate(), Err(FrameError::OutOfFrames));
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), 200);
            assert!(
                seen.iter()
                    .all(|pa| RAM.contains(pa) && pa % PAGE_SIZE == 0)
            );
        });
    }

    #[test]
    fn contiguous_runs_skip_frames_in_use_and_fail_when_none_is_long_enough() {
        with_allocator(|frames| {
            frames.reserve(RAM.start + 3 * PAGE_SIZE..RAM.start + 4 * PAGE_SIZE);
            let run = frames.allocate_contiguous(5).unwrap();
            assert_eq!(run, RAM.start + 4 * PAGE_SIZE);
            assert_eq!(frames.free_frames(), 200 - 1 - 5);
            assert_eq!(frames.allocate_contiguous(3), Ok(RAM.start));
            assert_eq!(
                frames.allocate_contiguous(200),
                Err(FrameError::OutOfFrames)
            );
            for frame in 0..5 {
                frames.deallocate(run + frame * PAGE_SIZE).unwrap();
            }
            assert_eq!(frames.free_frames(), 200 - 1 - 3);
        });
    }

    #[test]
    fn withheld_frames_leave_the_total_and_frames_in_use_stay_freeable() {
        with_allocator(|frames| {
            let first = frames.allocate().unwrap();
            frames.withhold(RAM.start..RAM.start + 100 * PAGE_SIZE);
            assert_eq!(frames.total_frames(), 101);
            assert_eq!(frames.free_frames(), 100);
            assert!((0..100).all(|_| frames.allocate().unwrap() >= RAM.start + 100 * PAGE_SIZE));
            assert_eq!(frames.allocate(), Err(FrameError::OutOfFrames));
            frames.deallocate(first).unwrap();
            assert_eq!(frames.allocate(), Ok(first));
        });
    }

    #[test]
    fn freed_frames_come_back_and_double_free_is_caught() {
        with_allocator(|frames| {
            let a = frames.allocate().unwrap();
            assert_eq!(frames.free_frames(), 199);
            frames.deallocate(a).unwrap();
            assert_eq!(frames.free_frames(), 200);
            assert_eq!(frames.deallocate(a), Err(FrameError::DoubleFree(a)));
            assert_eq!(frames.free_frames(), 200);
        });
    }

    #[test]
    fn foreign_and_misaligned_frames_are_rejected() {
        with_allocator(|frames| {
            assert_eq!(
                frames.deallocate(0x1000),
                Err(FrameError::NotManaged(0x1000))
            );
            assert_eq!(
                frames.deallocate(RAM.end),
                Err(FrameError::NotManaged(RAM.end))
            );
            let odd = RAM.start + 8;
            assert_eq!(frames.deallocate(odd), Err(FrameError::NotManaged(odd)));
        });
    }

    #[test]
    fn reserved_ranges_are_never_handed_out() {
        let mut storage = vec![0u64; bitmap_words(RAM.len())];
        let mut frames = FrameAllocator::new(RAM, &mut storage);
        frames.release(RAM);
        // A partial page at each end still reserves the whole frame.
        let hole = RAM.start + 10 * PAGE_SIZE + 1..RAM.start + 20 * PAGE_SIZE - 1;
        frames.reserve(hole.clone());
        assert_eq!(frames.free_frames(), 190);
        while let Ok(pa) = frames.allocate() {
            assert!(!(RAM.start + 10 * PAGE_SIZE..RAM.start + 20 * PAGE_SIZE).contains(&pa));
        }
        let reserved = RAM.start + 15 * PAGE_SIZE;
        assert_eq!(
            frames.deallocate(reserved),
            Err(FrameError::NotManaged(reserved))
        );
    }

    #[test]
    fn release_rounds_inward_and_clips_to_ram() {
        let mut storage = vec![0u64; bitmap_words(RAM.len())];
        let mut frames = FrameAllocator::new(RAM, &mut storage);
        frames.release(RAM.start + 1..RAM.start + 3 * PAGE_SIZE);
        assert_eq!(frames.free_frames(), 2);
        frames.release(RAM.end - PAGE_SIZE..RAM.end + 100 * PAGE_SIZE);
        assert_eq!(frames.free_frames(), 3);
    }
}
