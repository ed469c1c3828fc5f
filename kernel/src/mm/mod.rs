//! Memory management: physical frames, translation tables, the kernel's address space, the heap.
//!
//! Upper half (TTBR1, global): `LINEAR_BASE + physical` for all RAM and MMIO. The kernel
//! image lives inside this linear map with W^X section permissions. Lower half (TTBR0):
//! user address spaces; while none runs, an empty table.

mod asid;
pub mod frame;
pub mod page_table;
pub mod protection;
pub mod swap;

#[cfg(target_os = "none")]
pub mod address_space;
#[cfg(target_os = "none")]
pub mod backing;
#[cfg(target_os = "none")]
pub mod fault;
#[cfg(target_os = "none")]
pub mod frames;
#[cfg(target_os = "none")]
mod heap;
#[cfg(target_os = "none")]
pub mod image;
#[cfg(target_os = "none")]
pub mod kernel_space;
#[cfg(target_os = "none")]
pub mod kernel_stack;
#[cfg(target_os = "none")]
mod linear_tables;

/// Start of the linear map: physical address `pa` is at virtual `LINEAR_BASE + pa`.
pub const LINEAR_BASE: usize = 0xffff_0000_0000_0000;
/// One past the highest user address (48-bit lower half).
pub const USER_TOP: usize = 1 << 48;
/// Nothing is mapped for user space below this (Linux's default `vm.mmap_min_addr`).
pub const MIN_USER_ADDRESS: usize = 0x1_0000;

pub const fn phys_to_virt(pa: usize) -> usize {
    pa + LINEAR_BASE
}

pub const fn virt_to_phys(va: usize) -> usize {
    va - LINEAR_BASE
}

/// Kernel heap size, carved out of RAM right after the image.
#[cfg(target_os = "none")]
const HEAP_SIZE: usize = 16 << 20;

/// Builds the kernel's final address space from the early boot map.
///
/// # Safety
/// Once, first thing after the boot code jumped to the upper half.
#[cfg(target_os = "none")]
pub unsafe fn init_address_space() {
    // SAFETY: per the caller.
    unsafe { kernel_space::activate(&crate::board::INFO) }
}

/// Sets up the frame allocator and the heap over the board's RAM, less what the device
/// tree (if any, at `device_tree_address`) reserves or does not describe as memory.
///
/// # Safety
/// Once, after [`init_address_space`].
#[cfg(target_os = "none")]
pub unsafe fn init_allocators(
    tree: Option<&crate::devicetree::DeviceTree<'_>>,
    device_tree_address: usize,
) {
    let info = &crate::board::INFO;
    let kernel = image::physical();
    let bitmap = kernel.end;
    let bitmap_bytes = (frame::bitmap_words(info.ram.end - info.ram.start) * 8)
        .next_multiple_of(page_table::PAGE_SIZE);
    let owners = bitmap + bitmap_bytes;
    let owners_bytes = ((info.ram.end - info.ram.start) / page_table::PAGE_SIZE)
        .next_multiple_of(page_table::PAGE_SIZE);
    let heap = owners + owners_bytes;
    let firmware = tree.into_iter().flat_map(|tree| {
        let ram = info.ram.start as u64..info.ram.end as u64;
        core::iter::once(device_tree_address..device_tree_address + tree.total_size)
            .chain(tree.reserved.iter().map(to_usize))
            .chain(tree.memory.gaps_within(ram).into_ranges().map(to_usize))
    });
    // SAFETY: [kernel end, heap end) is RAM nobody else uses: the frame allocator is
    // told to keep its hands off it below.
    unsafe {
        frames::init(
            info,
            bitmap,
            core::iter::once(kernel.start..heap + HEAP_SIZE).chain(firmware),
        );
        frames::init_sharing(info.ram.clone(), owners);
        heap::init(phys_to_virt(heap), HEAP_SIZE);
    }
    kernel_stack::init();
}

#[cfg(target_os = "none")]
fn to_usize(range: core::ops::Range<u64>) -> core::ops::Range<usize> {
    range.start as usize..range.end as usize
}
