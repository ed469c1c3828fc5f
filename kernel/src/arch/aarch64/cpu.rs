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
    }
}

pub fn exception_level() -> u64 {
    CurrentEL.read(CurrentEL::EL)
}
