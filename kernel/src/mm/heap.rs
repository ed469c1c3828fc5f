//! The kernel heap: `embedded-alloc`'s linked-list allocator over a fixed RAM region.

use embedded_alloc::LlffHeap;

#[global_allocator]
static HEAP: LlffHeap = LlffHeap::empty();

/// # Safety
/// Once; `[start, start + size)` is mapped RAM that nothing else uses.
pub unsafe fn init(start: usize, size: usize) {
    // SAFETY: per the caller.
    unsafe { HEAP.init(start, size) }
}
