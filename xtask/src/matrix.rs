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
}

pub const MATRIX: &[Configuration] = &[
    Configuration {
        name: "rpi3/raspi3b",
        board: Board::Rpi3,
        machine: QemuMachine::Raspi3b,
        cpu: Cpu::CortexA53,
        extra_cmdline: &[],
    },
    Configuration {
        name: "virt/cortex-a53",
        board: Board::Virt,
        machine: QemuMachine::Virt,
        cpu: Cpu::CortexA53,
        extra_cmdline: &[],
    },
    Configuration {
        name: "virt/cortex-a76",
        board: Board::Virt,
        machine: QemuMachine::Virt,
        cpu: Cpu::CortexA76,
        extra_cmdline: &[],
    },
    Configuration {
        name: "virt/max",
        board: Board::Virt,
        machine: QemuMachine::Virt,
        cpu: Cpu::Max,
        extra_cmdline: &[],
    },
];

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
            ["virt/cortex-a53", "virt/cortex-a76", "virt/max"]
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
            assert!(row.name.starts_with(row.board.name()), "{}", row.name);
            assert!(
                row.name.ends_with(row.cpu.name()) || row.name.ends_with(row.machine.name()),
                "{}",
                row.name
            );
        }
        assert_eq!(MATRIX[3].file_stem(), "virt_max");
    }
}
