//! AArch64: the only place with assembly and system registers.

pub mod cpu_id;
pub mod esr;
pub mod pan_mode;
pub mod report;
pub mod trap_frame;

#[cfg(target_os = "none")]
pub mod backtrace;
#[cfg(target_os = "none")]
mod boot;
#[cfg(target_os = "none")]
pub mod context;
#[cfg(target_os = "none")]
pub mod cpu;
#[cfg(target_os = "none")]
pub mod exception;
#[cfg(target_os = "none")]
pub mod irq;
#[cfg(target_os = "none")]
mod memory;
#[cfg(target_os = "none")]
pub mod mmu;
#[cfg(target_os = "none")]
pub mod pan;
#[cfg(all(target_os = "none", feature = "ktest"))]
pub mod pmu;
#[cfg(all(target_os = "none", feature = "qemu"))]
pub mod semihosting;
#[cfg(target_os = "none")]
pub mod timer;
#[cfg(target_os = "none")]
pub mod uaccess;
#[cfg(target_os = "none")]
pub mod uao;
