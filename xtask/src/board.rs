//! The boards the kernel builds for, described by their bsp crates, and the CPUs QEMU can
//! emulate for them with the features each CPU has.

use anyhow::{Result, bail};
use bsp_drivers::{Board as _, BoardInfo};
use clap::ValueEnum;

use crate::qemu::QemuMachine;

/// A board crate the kernel can be built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub enum Board {
    Rpi3,
    Rpi4,
    Rpi5,
    Virt,
}

/// A CPU model, named as QEMU's `-cpu` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Cpu {
    CortexA53,
    CortexA72,
    CortexA76,
    Max,
}

impl Board {
    /// The board crate's description, the one the kernel itself is built with.
    pub fn info(self) -> &'static BoardInfo {
        match self {
            Board::Rpi3 => &bsp_rpi3::Rpi3::INFO,
            Board::Rpi4 => &bsp_rpi4::Rpi4::INFO,
            Board::Rpi5 => &bsp_rpi5::Rpi5::INFO,
            Board::Virt => &bsp_virt::Virt::INFO,
        }
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Where the firmware, or QEMU's `-kernel` loader, puts the first byte of the raw image.
    pub fn load_address(self) -> u64 {
        // A host usize is at most 64 bits wide, so nothing is lost.
        self.info().load_address as u64
    }

    pub fn qemu_machine(self) -> Result<QemuMachine> {
        match self {
            Board::Rpi3 => Ok(QemuMachine::Raspi3b),
            Board::Rpi4 => Ok(QemuMachine::Raspi4b),
            Board::Virt => Ok(QemuMachine::Virt),
            Board::Rpi5 => bail!(
                "board rpi5 cannot boot in QEMU, which has no Raspberry Pi 5 machine: it can only \
                 be built (`cargo xtask build --board rpi5`) and put on an SD card \
                 (`cargo xtask image --board rpi5`)"
            ),
        }
    }

    /// Whether the kernel drives this board's disk, in QEMU or on an SD card: virt's
    /// virtio-blk, the SD card of the Pi 3 (EMMC) and the Pi 4 (EMMC2); the Pi 5's RP1 SD
    /// controller has no driver yet.
    pub fn has_disk_driver(self) -> bool {
        matches!(self, Board::Virt | Board::Rpi3 | Board::Rpi4)
    }

    /// The CPU soldered onto the board; None for virt, where QEMU emulates any.
    fn fixed_cpu(self) -> Option<Cpu> {
        match self {
            Board::Rpi3 => Some(Cpu::CortexA53),
            Board::Rpi4 => Some(Cpu::CortexA72),
            Board::Rpi5 => Some(Cpu::CortexA76),
            Board::Virt => None,
        }
    }

    /// The CPU a run emulates when the user asked for `requested`; an error for a board QEMU
    /// cannot run.
    pub fn cpu(self, requested: Option<Cpu>) -> Result<Cpu> {
        let machine = self.qemu_machine()?;
        match (self.fixed_cpu(), requested) {
            (None, requested) => Ok(requested.unwrap_or(Cpu::CortexA76)),
            (Some(fixed), None) => Ok(fixed),
            (Some(fixed), Some(cpu)) if cpu == fixed => Ok(fixed),
            // The raspi machines ignore -cpu without a word, so accepting another CPU would test
            // something else than asked.
            (Some(fixed), Some(cpu)) => bail!(
                "board {} runs on QEMU's {}, which always emulates a {}, so --cpu {} cannot \
                 apply; use --board virt to choose the CPU",
                self.name(),
                machine.name(),
                fixed.name(),
                cpu.name()
            ),
        }
    }
}

impl Cpu {
    pub fn name(self) -> &'static str {
        match self {
            Cpu::CortexA53 => "cortex-a53",
            Cpu::CortexA72 => "cortex-a72",
            Cpu::CortexA76 => "cortex-a76",
            Cpu::Max => "max",
        }
    }

    /// The name the kernel gives this CPU in its banner, read from its MIDR_EL1.
    pub fn banner_name(self) -> &'static str {
        match self {
            // QEMU's max CPU reports implementer 0 and part 'Q', which no real CPU does.
            Cpu::Max => "qemu-max",
            cpu => cpu.name(),
        }
    }

    /// FEAT_PAN (Armv8.1): Cortex-A53 and A72 implement Armv8.0 and lack it.
    pub fn has_pan(self) -> bool {
        matches!(self, Cpu::CortexA76 | Cpu::Max)
    }

    /// FEAT_UAO (Armv8.2).
    pub fn has_uao(self) -> bool {
        matches!(self, Cpu::CortexA76 | Cpu::Max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpi3_is_always_a_cortex_a53() {
        assert_eq!(Board::Rpi3.cpu(None).unwrap(), Cpu::CortexA53);
        assert_eq!(
            Board::Rpi3.cpu(Some(Cpu::CortexA53)).unwrap(),
            Cpu::CortexA53
        );
        let error = Board::Rpi3.cpu(Some(Cpu::Max)).unwrap_err().to_string();
        assert!(error.contains("--cpu max"), "{error}");
    }

    #[test]
    fn rpi4_is_always_a_cortex_a72() {
        assert_eq!(Board::Rpi4.cpu(None).unwrap(), Cpu::CortexA72);
        let error = Board::Rpi4
            .cpu(Some(Cpu::CortexA53))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("raspi4b") && error.contains("cortex-a72"),
            "{error}"
        );
    }

    #[test]
    fn rpi5_cannot_run_in_qemu() {
        for error in [
            Board::Rpi5.qemu_machine().unwrap_err(),
            Board::Rpi5.cpu(None).unwrap_err(),
            Board::Rpi5.cpu(Some(Cpu::CortexA76)).unwrap_err(),
        ] {
            let message = error.to_string();
            assert!(
                message.contains("no Raspberry Pi 5 machine")
                    && message.contains("cargo xtask image --board rpi5"),
                "{message}"
            );
        }
    }

    #[test]
    fn virt_defaults_to_cortex_a76_and_takes_any_cpu() {
        assert_eq!(Board::Virt.cpu(None).unwrap(), Cpu::CortexA76);
        assert_eq!(
            Board::Virt.cpu(Some(Cpu::CortexA53)).unwrap(),
            Cpu::CortexA53
        );
    }

    #[test]
    fn only_armv8_2_cpus_have_pan_and_uao() {
        let with_pan: Vec<Cpu> = Cpu::value_variants()
            .iter()
            .copied()
            .filter(|cpu| cpu.has_pan())
            .collect();
        assert_eq!(with_pan, [Cpu::CortexA76, Cpu::Max]);
        assert!(Cpu::CortexA76.has_uao() && !Cpu::CortexA53.has_uao());
        assert_eq!(Cpu::Max.banner_name(), "qemu-max");
        assert_eq!(Cpu::CortexA53.banner_name(), "cortex-a53");
    }

    #[test]
    fn cpu_names_match_the_command_line_values() {
        for cpu in Cpu::value_variants() {
            let value = cpu.to_possible_value().unwrap();
            assert_eq!(value.get_name(), cpu.name());
        }
        for board in Board::value_variants() {
            assert_eq!(board.to_possible_value().unwrap().get_name(), board.name());
        }
    }
}
