//! Typed wrappers of the Linux AArch64 system calls the programs use, grouped by area.
//!
//! They take Rust references where the kernel reads or writes memory, so they are safe to
//! call; tests that hand the kernel bad addresses on purpose use [`syscall!`](crate::syscall!).

pub mod dir;
pub mod file;
pub mod memory;
pub mod process;
pub mod signal;
pub mod stat;
pub mod system;
pub mod time;
