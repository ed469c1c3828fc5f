//! The kernel's address space (TTBR1): built once at boot, then changed page by page.

use super::linear_tables::{LinearMapTables, runtime_tables};
use super::page_table::{Attributes, Granularity, MapError, PAGE_SIZE, PageTable};
use super::{LINEAR_BASE, image, phys_to_virt, virt_to_phys};
use crate::arch::aarch64::mmu;
use crate::sync::IrqMutex;
use bsp_drivers::BoardInfo;
use core::cell::UnsafeCell;
use core::ops::Range;

#[repr(C, align(4096))]
struct Table([u64; 512]);

/// Frames for the boot-time tables, inside the image so they exist before the frame allocator.
const BOOT_TABLES: usize = 32;

struct BootTablePool(UnsafeCell<[Table; BOOT_TABLES]>);
// SAFETY: used once, by `activate`, before interrupts are enabled.
unsafe impl Sync for BootTablePool {}
static BOOT_TABLE_POOL: BootTablePool =
    BootTablePool(UnsafeCell::new([const { Table([0; 512]) }; BOOT_TABLES]));

/// TTBR0 while no user address space is installed: every entry invalid.
static EMPTY_TABLE: Table = Table([0; 512]);

/// Root of the kernel tables; the lock serialises changes to them.
static KERNEL_TABLES: IrqMutex<usize> = IrqMutex::new(0);

fn linear(pa: Range<usize>) -> Range<usize> {
    phys_to_virt(pa.start)..phys_to_virt(pa.end)
}

/// Builds the final kernel tables and switches to them.
///
/// # Safety
/// Once, at boot, from the early map, with interrupts masked.
pub unsafe fn activate(board: &BoardInfo) {
    let pool = BOOT_TABLE_POOL.0.get() as usize;
    let mut used = 0;
    let mut memory = LinearMapTables {
        allocate: || {
            (used < BOOT_TABLES).then(|| {
                used += 1;
                virt_to_phys(pool + (used - 1) * PAGE_SIZE)
            })
        },
    };
    let mut table = PageTable::new(&mut memory).expect("boot table pool");
    let kernel = image::physical();
    let sections = [
        (image::text(), Attributes::KERNEL_TEXT),
        (image::rodata(), Attributes::KERNEL_RODATA),
        (image::data(), Attributes::KERNEL_DATA),
        (image::boot_stack(), Attributes::KERNEL_DATA),
    ];
    let ram_around_image = [board.ram.start..kernel.start, kernel.end..board.ram.end];
    let mappings = ram_around_image
        .into_iter()
        .map(|pa| (linear(pa), Attributes::KERNEL_DATA, Granularity::Blocks))
        .chain(
            sections
                .into_iter()
                .map(|(va, attributes)| (va, attributes, Granularity::Pages)),
        )
        .chain(
            board
                .mmio
                .iter()
                .map(|pa| (linear(pa.clone()), Attributes::DEVICE, Granularity::Blocks)),
        );
    for (va, attributes, granularity) in mappings {
        table
            .map(
                va.start,
                virt_to_phys(va.start),
                va.len(),
                attributes,
                granularity,
            )
            .expect("kernel address space");
    }
    let root = table.root();
    *KERNEL_TABLES.lock() = root;
    // SAFETY: the new tables map the image, stack and linear map exactly where the early
    // map had them; the early identity map is still in TTBR0.
    unsafe {
        mmu::switch_kernel_tables(
            root,
            virt_to_phys(&raw const EMPTY_TABLE as usize),
            LINEAR_BASE,
        )
    };
}

/// Physical address of the empty table TTBR0 holds while the kernel runs alone.
pub fn empty_table() -> usize {
    virt_to_phys(&raw const EMPTY_TABLE as usize)
}

/// Creates the tables for `range` now, so mapping pages there later needs no frames.
pub fn prepare_tables(range: Range<usize>) -> Result<(), MapError> {
    let root = KERNEL_TABLES.lock();
    let mut memory = runtime_tables();
    PageTable::at(*root, &mut memory).prepare_tables(range)?;
    mmu::publish_table_update();
    Ok(())
}

/// Maps one kernel page. The range must not be mapped yet.
pub fn map_page(va: usize, pa: usize, attributes: Attributes) -> Result<(), MapError> {
    let root = KERNEL_TABLES.lock();
    let mut memory = runtime_tables();
    PageTable::at(*root, &mut memory).map(va, pa, PAGE_SIZE, attributes, Granularity::Pages)?;
    mmu::publish_table_update();
    Ok(())
}

/// Unmaps one kernel page and flushes it from the TLB; returns the frame it mapped.
pub fn unmap_page(va: usize) -> Result<Option<usize>, MapError> {
    let root = KERNEL_TABLES.lock();
    let mut memory = runtime_tables();
    let pa = PageTable::at(*root, &mut memory).unmap_page(va)?;
    mmu::flush_tlb_page(va);
    Ok(pa)
}

#[cfg(feature = "ktest")]
/// Where the kernel tables send `va`, by walking them in software.
pub fn translate(va: usize) -> Option<(usize, Attributes)> {
    let root = KERNEL_TABLES.lock();
    let mut memory = runtime_tables();
    PageTable::at(*root, &mut memory).translate(va)
}
