//! The kernel image's sections, from the linker script's symbols.

use super::virt_to_phys;
use core::ops::Range;

unsafe extern "C" {
    static __kernel_start: u8;
    static __text_end: u8;
    static __rodata_end: u8;
    static __boot_stack_guard: u8;
    static __boot_stack_bottom: u8;
    static __boot_stack_top: u8;
    static __kernel_end: u8;
}

fn address(symbol: *const u8) -> usize {
    symbol as usize
}

/// Executable code: mapped read-only, executable.
pub fn text() -> Range<usize> {
    address(&raw const __kernel_start)..address(&raw const __text_end)
}

/// Constants: read-only, never executable.
pub fn rodata() -> Range<usize> {
    address(&raw const __text_end)..address(&raw const __rodata_end)
}

/// .data and .bss: read-write, never executable.
pub fn data() -> Range<usize> {
    address(&raw const __rodata_end)..address(&raw const __boot_stack_guard)
}

#[cfg(feature = "ktest")]
/// The unmapped area below the boot stack.
pub fn boot_stack_guard() -> Range<usize> {
    address(&raw const __boot_stack_guard)..address(&raw const __boot_stack_bottom)
}

/// The boot stack, which the kernel runs on.
pub fn boot_stack() -> Range<usize> {
    address(&raw const __boot_stack_bottom)..address(&raw const __boot_stack_top)
}

/// The whole image in physical memory.
pub fn physical() -> Range<usize> {
    virt_to_phys(address(&raw const __kernel_start))..virt_to_phys(address(&raw const __kernel_end))
}
