//! Translation tables kept in RAM and reached through the linear map.

use super::frames;
use super::page_table::TableMemory;
use super::phys_to_virt;
use crate::arch::aarch64::mmu;

/// Tables in the linear map; new ones come from `allocate`, which yields zeroed frames.
pub struct LinearMapTables<F: FnMut() -> Option<usize>> {
    pub allocate: F,
}

// SAFETY: `allocate` yields zeroed frames nobody else uses, every table frame is RAM inside
// the linear map (or the boot pool inside the image), and callers serialise access to a
// tree (the kernel-table lock, an address space's lock, or boot).
unsafe impl<F: FnMut() -> Option<usize>> TableMemory for LinearMapTables<F> {
    fn allocate_table(&mut self) -> Option<usize> {
        (self.allocate)()
    }

    fn table(&mut self, pa: usize) -> &mut [u64; 512] {
        // SAFETY: per the impl's contract.
        unsafe { &mut *(phys_to_virt(pa) as *mut [u64; 512]) }
    }
}

/// Tables whose new frames come from the frame allocator.
pub fn runtime_tables() -> LinearMapTables<impl FnMut() -> Option<usize>> {
    LinearMapTables {
        allocate: || {
            let table = frames::allocate_zeroed().ok()?;
            // The walker must see the zeroes before the descriptor that links the table.
            mmu::publish_table_update();
            Some(table)
        },
    }
}
