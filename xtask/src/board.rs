//! The boards the kernel builds for, the CPUs QEMU can emulate for them, and where their images load.

use anyhow::{Result, bail};
use clap::ValueEnum;

use crate::qemu::QemuMachine;

/// A board crate the kernel can be built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub enum Board {
    Rpi3,
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
    pub fn name(self) -> &'static str {
        match self {
            Board::Rpi3 => "rpi3",
            Board::Virt => "virt",
        }
    }

    /// Where the firmware, or QEMU's `-kernel` loader, puts the first byte of the raw image.
    pub fn load_address(self) -> u64 {
        match self {
            Board::Rpi3 => 0x8_0000,
            Board::Virt => 0x4008_0000,
        }
    }

    pub fn qemu_machine(self) -> QemuMachine {
        match self {
            Board::Rpi3 => QemuMachine::Raspi3b,
            Board::Virt => QemuMachine::Virt,
        }
    }

    /// The CPU a run emulates when the user asked for `requested`.
    pub fn cpu(self, requested: Option<Cpu>) -> Result<Cpu> {
        match (self, requested) {
            (Board::Rpi3, None | Some(Cpu::CortexA53)) => Ok(Cpu::CortexA53),
            // raspi3b ignores -cpu without a word, so accepting another CPU would test something else than asked.
            (Board::Rpi3, Some(cpu)) => bail!(
                "board rpi3 runs on QEMU's raspi3b, which always emulates a Cortex-A53, \
                 so --cpu {} cannot apply; use --board virt to choose the CPU",
                cpu.name()
            ),
            (Board::Virt, requested) => Ok(requested.unwrap_or(Cpu::CortexA76)),
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
    fn virt_defaults_to_cortex_a76_and_takes_any_cpu() {
        assert_eq!(Board::Virt.cpu(None).unwrap(), Cpu::CortexA76);
        assert_eq!(
            Board::Virt.cpu(Some(Cpu::CortexA53)).unwrap(),
            Cpu::CortexA53
        );
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
