//! Tests of the kernel's translation tables: map/unmap/translate, W^X, guard page, TTBR0.

use super::{OrFail, check, check_eq, ktest};
use crate::arch::aarch64::mmu::{self, Access};
use crate::mm::page_table::{Attributes, PAGE_SIZE};
use crate::mm::{frames, image, kernel_space, phys_to_virt, virt_to_phys};

/// A kernel address outside the linear map, free for tests to map pages at.
const SCRATCH_VA: usize = 0xffff_8000_0000_0000;

ktest!(
    "paging",
    fn map_translate_unmap() {
        let pa = frames::allocate_zeroed().or_fail("allocate")?;
        kernel_space::map_page(SCRATCH_VA, pa, Attributes::KERNEL_DATA).or_fail("map")?;
        check_eq!(
            kernel_space::translate(SCRATCH_VA + 8),
            Some((pa + 8, Attributes::KERNEL_DATA))
        );
        check_eq!(
            mmu::hardware_translate(SCRATCH_VA + 8, Access::Write),
            Some(pa + 8)
        );
        // SAFETY: the page was just mapped, and it is the same frame as the linear alias.
        unsafe {
            (SCRATCH_VA as *mut u64).write_volatile(0x5a5b_5c5d);
            check_eq!(
                (phys_to_virt(pa) as *const u64).read_volatile(),
                0x5a5b_5c5d
            );
        }
        check_eq!(
            kernel_space::unmap_page(SCRATCH_VA).or_fail("unmap")?,
            Some(pa)
        );
        check_eq!(kernel_space::translate(SCRATCH_VA), None);
        check_eq!(mmu::hardware_translate(SCRATCH_VA, Access::Read), None);
        frames::deallocate(pa).or_fail("deallocate")?;
        Ok(())
    }
);

ktest!(
    "paging",
    fn kernel_sections_are_write_xor_execute() {
        let sections = [
            ("text", image::text(), Attributes::KERNEL_TEXT),
            ("rodata", image::rodata(), Attributes::KERNEL_RODATA),
            ("data", image::data(), Attributes::KERNEL_DATA),
            ("boot stack", image::boot_stack(), Attributes::KERNEL_DATA),
        ];
        for (name, range, expected) in sections {
            check!(!range.is_empty(), "{name} is empty");
            for va in range.step_by(PAGE_SIZE) {
                let Some((pa, attributes)) = kernel_space::translate(va) else {
                    return Err(super::TestError::Failed(alloc::format!(
                        "{name} page {va:#x} unmapped"
                    )));
                };
                check_eq!(attributes, expected);
                check!(
                    !(attributes.writable && attributes.kernel_exec),
                    "{name} page {va:#x} is W+X"
                );
                check_eq!(pa, virt_to_phys(va));
                check_eq!(mmu::hardware_translate(va, Access::Read), Some(pa));
                check_eq!(
                    mmu::hardware_translate(va, Access::Write).is_some(),
                    expected.writable
                );
            }
        }
        Ok(())
    }
);

ktest!(
    "paging",
    fn boot_stack_has_an_unmapped_guard_below_it() {
        let guard = image::boot_stack_guard();
        let stack = image::boot_stack();
        check_eq!(guard.end, stack.start);
        // The vectors' overflow check relies on this geometry (vectors.s, link.ld).
        check_eq!(stack.len(), 32 * 1024);
        check_eq!(stack.start % (2 * stack.len()), 0);
        check!(guard.len() >= stack.len(), "guard of {} bytes", guard.len());
        for page in guard.step_by(PAGE_SIZE) {
            check_eq!(kernel_space::translate(page), None);
            check_eq!(mmu::hardware_translate(page, Access::Read), None);
        }
        Ok(())
    }
);

ktest!(
    "paging",
    fn linear_map_of_ram_is_never_executable() {
        let ram = crate::board::INFO.ram.clone();
        let kernel = image::physical();
        for pa in [
            ram.start,
            kernel.end,
            ram.end - PAGE_SIZE,
            ((ram.start + ram.end) / 2) & !(PAGE_SIZE - 1),
        ] {
            let translated = kernel_space::translate(phys_to_virt(pa));
            check_eq!(translated, Some((pa, Attributes::KERNEL_DATA)));
        }
        Ok(())
    }
);

ktest!(
    "paging",
    fn ttbr0_holds_the_empty_table() {
        check_eq!(
            mmu::ttbr0() as usize & 0x0000_ffff_ffff_fffe,
            kernel_space::empty_table()
        );
        for va in [
            0usize,
            0x8_0000,
            0x4000_0000,
            crate::mm::USER_TOP - PAGE_SIZE,
        ] {
            check_eq!(mmu::hardware_translate(va, Access::Read), None);
        }
        Ok(())
    }
);
