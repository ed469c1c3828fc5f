//! Reads this CPU's identification registers and current exception level.

use super::cpu_id::CpuId;
use aarch64_cpu::registers::{
    CurrentEL, ID_AA64MMFR0_EL1, ID_AA64MMFR1_EL1, ID_AA64MMFR2_EL1, MIDR_EL1,
};
use tock_registers::interfaces::Readable;

pub fn id() -> CpuId {
    CpuId {
        midr: MIDR_EL1.get(),
        mmfr0: ID_AA64MMFR0_EL1.get(),
        mmfr1: ID_AA64MMFR1_EL1.get(),
        mmfr2: ID_AA64MMFR2_EL1.get(),
        isar2: read_isar2(),
    }
}

/// ID_AA64ISAR2_EL1, by its encoding: the register crate does not name it. On CPUs older
/// than the register it reads as zero, as every unallocated ID register does.
fn read_isar2() -> u64 {
    let value: u64;
    // SAFETY: reading an ID register has no side effect.
    unsafe {
        core::arch::asm!("mrs {}, S3_0_C0_C6_2", out(reg) value, options(nomem, nostack, preserves_flags));
    }
    value
}

pub fn exception_level() -> u64 {
    CurrentEL.read(CurrentEL::EL)
}
