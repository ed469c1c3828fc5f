//! The QEMU configurations `cargo xtask test` runs the kernel's tests on, one row each.

use anyhow::{Result, bail};

use crate::board::{Board, Cpu};
use crate::qemu::QemuMachine;

#[derive(Debug)]
pub struct Configuration {
    /// `<board or machine>/<machine or cpu>`, unique; also names the log files.
    pub name: &'static str,
    pub board: Board,
    pub machine: QemuMachine,
    pub cpu: Cpu,
    /// Kernel command line words for this row only, e.g. to force software PAN.
    pub extra_cmdline: &'static [&'static str],
    /// How the kernel must say it enforces PAN, in its banner's `pan_mode=`.
    pub pan_mode: PanMode,
}

/// The ways of enforcing PAN a configuration can expect (ARCHITECTURE.md, section 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanMode {
    /// FEAT_PAN: PSTATE.PAN is set on every exception into EL1.
    Hardware,
    /// No FEAT_PAN: TTBR0 points at an empty table while the kernel runs.
    Software,
    /// Software PAN on a CPU with FEAT_PAN, asked for with `pan=software`.
    ForcedSoftware,
}

pub const MATRIX: &[Configuration] = &[
    Configuration {
        name: "rpi3/raspi3b",
        board: Board::Rpi3,
        machine: QemuMachine::Raspi3b,
        cpu: Cpu::CortexA53,
        extra_cmdline: &[],
        pan_mode: PanMode::Software,
    },
    Configuration {
        name: "virt/cortex-a53",
        board: Board::Virt,
        machine: QemuMachine::Virt,
        cpu: Cpu::CortexA53,
        extra_cmdline: &[],
        pan_mode: PanMode::Software,
    },
    Configuration {
        name: "virt/cortex-a76",
        board: Board::Virt,
        machine: QemuMachine::Virt,
        cpu: Cpu::CortexA76,
        extra_cmdline: &[],
        pan_mode: PanMode::Hardware,
    },
    Configuration {
        name: "virt/cortex-a76-forced-software-pan",
        board: Board::Virt,
        machine: QemuMachine::Virt,
        cpu: Cpu::CortexA76,
        extra_cmdline: &["pan=software"],
        pan_mode: PanMode::ForcedSoftware,
    },
    Configuration {
        name: "virt/max",
        board: Board::Virt,
        machine: QemuMachine::Virt,
        cpu: Cpu::Max,
        extra_cmdline: &[],
        pan_mode: PanMode::Hardware,
    },
];

impl PanMode {
    /// The value of the banner's `pan_mode=`.
    pub fn name(self) -> &'static str {
        match self {
            PanMode::Hardware => "hardware",
            PanMode::Software => "software",
            PanMode::ForcedSoftware => "forced-software",
        }
    }
}

impl Configuration {
    /// The name as a file name: `virt/max` -> `virt_max`.
    pub fn file_stem(&self) -> String {
        self.name.replace('/', "_")
    }
}

/// The rows whose board and CPU match the ones asked for (all rows when neither is given).
pub fn select(board: Option<Board>, cpu: Option<Cpu>) -> Result<Vec<&'static Configuration>> {
    if let Some(board) = board {
        board.cpu(cpu)?;
    }
    let selected: Vec<_> = MATRIX
        .iter()
        .filter(|row| board.is_none_or(|board| board == row.board))
        .filter(|row| cpu.is_none_or(|cpu| cpu == row.cpu))
        .collect();
    if selected.is_empty() {
        let names: Vec<_> = MATRIX.iter().map(|row| row.name).collect();
        bail!(
            "no test configuration has that board and CPU; the configurations are {}",
            names.join(", ")
        );
    }
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(rows: &[&Configuration]) -> Vec<&'static str> {
        rows.iter().map(|row| row.name).collect()
    }

    #[test]
    fn selects_everything_by_default() {
        assert_eq!(select(None, None).unwrap().len(), MATRIX.len());
    }

    #[test]
    fn selects_by_board_and_cpu() {
        assert_eq!(
            names(&select(Some(Board::Virt), None).unwrap()),
            [
                "virt/cortex-a53",
                "virt/cortex-a76",
                "virt/cortex-a76-forced-software-pan",
                "virt/max"
            ]
        );
        assert_eq!(
            names(&select(None, Some(Cpu::CortexA76)).unwrap()),
            ["virt/cortex-a76", "virt/cortex-a76-forced-software-pan"]
        );
        assert_eq!(
            names(&select(None, Some(Cpu::CortexA53)).unwrap()),
            ["rpi3/raspi3b", "virt/cortex-a53"]
        );
        assert_eq!(
            names(&select(Some(Board::Virt), Some(Cpu::Max)).unwrap()),
            ["virt/max"]
        );
    }

    #[test]
    fn rejects_impossible_and_missing_rows() {
        let impossible = select(Some(Board::Rpi3), Some(Cpu::CortexA76)).unwrap_err();
        assert!(
            impossible.to_string().contains("Cortex-A53"),
            "{impossible}"
        );
        let missing = select(Some(Board::Virt), Some(Cpu::CortexA72)).unwrap_err();
        assert!(missing.to_string().contains("virt/max"), "{missing}");
    }

    #[test]
    fn names_are_unique_and_match_their_rows() {
        for (index, row) in MATRIX.iter().enumerate() {
            assert!(
                MATRIX[..index]
                    .iter()
                    .all(|earlier| earlier.name != row.name)
            );
            let (board, variant) = row.name.split_once('/').unwrap();
            assert_eq!(board, row.board.name());
            assert!(
                variant.starts_with(row.cpu.name()) || variant.starts_with(row.machine.name()),
                "{}",
                row.name
            );
        }
        assert_eq!(MATRIX[4].file_stem(), "virt_max");
    }

    #[test]
    fn only_rows_forcing_software_pan_expect_it() {
        for row in MATRIX {
            let forces = row.extra_cmdline.contains(&"pan=software");
            assert_eq!(
                forces,
                row.pan_mode == PanMode::ForcedSoftware,
                "{}",
                row.name
            );
        }
    }
}
