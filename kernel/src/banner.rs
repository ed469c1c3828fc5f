//! The one-line boot banner: `boot:` followed by `key=value` pairs the test harness reads.

use crate::arch::aarch64::cpu_id::CpuId;
use core::fmt::{self, Display};

/// Everything the banner reports.
pub struct Banner<'a> {
    pub board: &'a str,
    pub cpu: CpuId,
    pub exception_level: u64,
    /// How PAN is enforced: `hardware`, `software`, `forced-software` or `off`.
    pub pan_mode: &'a str,
    pub kernel_va: usize,
    pub ram_bytes: usize,
    /// The device tree's model, `None` without a device tree.
    pub model: Option<&'a str>,
    /// Whether the firmware passed a valid device tree.
    pub device_tree: bool,
}

fn present(feature: bool) -> &'static str {
    if feature { "present" } else { "absent" }
}

impl Display for Banner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "boot: board={} cpu={} el={} pan={} uao={} mops={} pan_mode={} asid_bits={} kernel_va={:#x} ram={}",
            self.board,
            self.cpu.name(),
            self.exception_level,
            if self.cpu.has_pan() {
                "hardware"
            } else {
                "software"
            },
            present(self.cpu.has_uao()),
            present(self.cpu.has_mops()),
            self.pan_mode,
            self.cpu.asid_bits(),
            self.kernel_va,
            self.ram_bytes,
        )?;
        match (self.device_tree, self.model) {
            (false, _) => f.write_str(" dtb=none"),
            (true, Some(model)) => write!(f, " model=\"{model}\""),
            (true, None) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raspi3b_banner() {
        let banner = Banner {
            board: "rpi3",
            cpu: CpuId {
                midr: 0x410f_d034,
                mmfr0: 0x1122,
                mmfr1: 0,
                mmfr2: 0,
                isar2: 0,
            },
            exception_level: 1,
            pan_mode: "software",
            kernel_va: 0xffff_0000_0008_0000,
            ram_bytes: 0x3c00_0000,
            model: None,
            device_tree: false,
        };
        assert_eq!(
            banner.to_string(),
            "boot: board=rpi3 cpu=cortex-a53 el=1 pan=software uao=absent mops=absent pan_mode=software asid_bits=16 \
             kernel_va=0xffff000000080000 ram=1006632960 dtb=none"
        );
    }

    #[test]
    fn pan_and_uao_follow_the_id_registers() {
        let banner = Banner {
            board: "virt",
            cpu: CpuId {
                midr: 0x414f_d0b1,
                mmfr0: 0x1125,
                mmfr1: 0x0020_0000,
                mmfr2: 0x10,
                isar2: 0x1_0000,
            },
            exception_level: 1,
            pan_mode: "forced-software",
            kernel_va: 0xffff_0000_4008_0000,
            ram_bytes: 1 << 30,
            model: Some("linux,dummy-virt"),
            device_tree: true,
        }
        .to_string();
        assert!(banner.contains(" cpu=cortex-a76 "));
        assert!(
            banner.contains(" pan=hardware uao=present mops=present pan_mode=forced-software ")
        );
        assert!(banner.ends_with(" model=\"linux,dummy-virt\""));
    }
}
