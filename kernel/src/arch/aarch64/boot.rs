//! The assembly entry point (boot.s), from firmware to `kernel_main` in the upper half.

core::arch::global_asm!(include_str!("boot.s"), options(raw));
