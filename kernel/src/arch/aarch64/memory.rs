//! The kernel's memcpy and memset (memory.s), which take the place of compiler-builtins'
//! generic ones.

core::arch::global_asm!(include_str!("memory.s"), options(raw));
