//! Decoding of the CPU identification registers: the CPU's name and the features the kernel uses.

/// ID register fields the kernel cares about, read once at boot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuId {
    pub midr: u64,
    pub mmfr0: u64,
    pub mmfr1: u64,
    pub mmfr2: u64,
    pub isar2: u64,
}

fn field(register: u64, shift: u32) -> u64 {
    (register >> shift) & 0xf
}

impl CpuId {
    /// The core's marketing name, from MIDR_EL1 implementer and part number.
    pub fn name(&self) -> &'static str {
        let implementer = (self.midr >> 24) & 0xff;
        let part = (self.midr >> 4) & 0xfff;
        match (implementer, part) {
            (0x41, 0xd03) => "cortex-a53",
            (0x41, 0xd04) => "cortex-a35",
            (0x41, 0xd05) => "cortex-a55",
            (0x41, 0xd07) => "cortex-a57",
            (0x41, 0xd08) => "cortex-a72",
            (0x41, 0xd09) => "cortex-a73",
            (0x41, 0xd0a) => "cortex-a75",
            (0x41, 0xd0b) => "cortex-a76",
            (0x41, 0xd0c) => "neoverse-n1",
            (0x41, 0xd0d) => "cortex-a77",
            (0x41, 0xd41) => "cortex-a78",
            // QEMU's "max" CPU reports implementer 0 and part number 'Q'.
            (0x00, 0x051) => "qemu-max",
            _ => "unknown",
        }
    }

    /// FEAT_PAN: ID_AA64MMFR1_EL1.PAN >= 1.
    pub fn has_pan(&self) -> bool {
        field(self.mmfr1, 20) >= 1
    }

    /// FEAT_UAO: ID_AA64MMFR2_EL1.UAO >= 1.
    pub fn has_uao(&self) -> bool {
        field(self.mmfr2, 4) >= 1
    }

    /// FEAT_MOPS (memory copy and set instructions): ID_AA64ISAR2_EL1.MOPS >= 1.
    pub fn has_mops(&self) -> bool {
        field(self.isar2, 16) >= 1
    }

    /// ASID width: 16 bits when ID_AA64MMFR0_EL1.ASIDBits is 0b0010, else 8.
    pub fn asid_bits(&self) -> u32 {
        if field(self.mmfr0, 4) == 0b0010 {
            16
        } else {
            8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Register values read from QEMU's raspi3b (Cortex-A53).
    const A53: CpuId = CpuId {
        midr: 0x410f_d034,
        mmfr0: 0x0000_0000_0000_1122,
        mmfr1: 0,
        mmfr2: 0,
        isar2: 0,
    };

    #[test]
    fn cortex_a53_has_no_pan_and_no_uao() {
        assert_eq!(A53.name(), "cortex-a53");
        assert!(!A53.has_pan());
        assert!(!A53.has_uao());
        assert_eq!(A53.asid_bits(), 16);
    }

    #[test]
    fn cortex_a76_has_pan_and_uao() {
        let a76 = CpuId {
            midr: 0x414f_d0b1,
            mmfr0: 0x1122,
            mmfr1: 0x0020_0000, // PAN = 2 (PAN2)
            mmfr2: 0x0000_0010, // UAO = 1
            isar2: 0,
        };
        assert_eq!(a76.name(), "cortex-a76");
        assert!(a76.has_pan());
        assert!(a76.has_uao());
        assert!(!a76.has_mops());
    }

    #[test]
    fn qemu_max_has_mops() {
        let max = CpuId {
            isar2: 0x0000_0000_0001_0000, // MOPS = 1
            ..CpuId::default()
        };
        assert!(max.has_mops());
    }

    #[test]
    fn eight_bit_asids_and_unknown_cpus() {
        let odd = CpuId {
            midr: 0x4e0f_0000,
            mmfr0: 0x0005,
            ..CpuId::default()
        };
        assert_eq!(odd.asid_bits(), 8);
        assert_eq!(odd.name(), "unknown");
    }
}
