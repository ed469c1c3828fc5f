//! The QEMU configurations `cargo xtask test` runs the kernel's tests on, one row each, and what
//! each row expects the kernel's boot banner to say.

use anyhow::{Result, bail};

use crate::banner_check::ExpectedWord;
use crate::board::{Board, Cpu};
use crate::qemu::QemuMachine;

/// One row. The QEMU machine follows from the board and the CPU's features from the CPU, so a row
/// names only what those cannot tell.
#[derive(Debug)]
pub struct Configuration {
    /// `<board>/<machine or cpu>[-<variant>]`, unique; also names the log files.
    pub name: &'static str,
    pub board: Board,
    pub cpu: Cpu,
    /// Boots with `pan=software`, so that a CPU with FEAT_PAN runs the emulated PAN too.
    pub force_software_pan: bool,
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
        cpu: Cpu::CortexA53,
        force_software_pan: false,
    },
    Configuration {
        name: "rpi4/raspi4b",
        board: Board::Rpi4,
        cpu: Cpu::CortexA72,
        force_software_pan: false,
    },
    Configuration {
        name: "virt/cortex-a53",
        board: Board::Virt,
        cpu: Cpu::CortexA53,
        force_software_pan: false,
    },
    Configuration {
        name: "virt/cortex-a76",
        board: Board::Virt,
        cpu: Cpu::CortexA76,
        force_software_pan: false,
    },
    Configuration {
        name: "virt/cortex-a76-forced-software-pan",
        board: Board::Virt,
        cpu: Cpu::CortexA76,
        force_software_pan: true,
    },
    Configuration {
        name: "virt/max",
        board: Board::Virt,
        cpu: Cpu::Max,
        force_software_pan: false,
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

    /// Kernel command line words for this row only.
    pub fn extra_cmdline(&self) -> Option<&'static str> {
        self.force_software_pan.then_some("pan=software")
    }

    pub fn pan_mode(&self) -> PanMode {
        if self.force_software_pan {
            PanMode::ForcedSoftware
        } else if self.cpu.has_pan() {
            PanMode::Hardware
        } else {
            PanMode::Software
        }
    }

    /// The banner words this row's kernel must print, each exactly.
    pub fn expected_banner(&self) -> [ExpectedWord; 6] {
        let present = |has: bool, yes, no| if has { yes } else { no };
        [
            ("board", self.board.name()),
            // boot.s leaves EL2 (and EL3) before the kernel says anything.
            ("el", "1"),
            ("cpu", self.cpu.banner_name()),
            // The CPU feature, whether or not the kernel uses it: forced rows differ in pan_mode.
            ("pan", present(self.cpu.has_pan(), "hardware", "software")),
            ("uao", present(self.cpu.has_uao(), "present", "absent")),
            ("pan_mode", self.pan_mode().name()),
        ]
    }
}

/// Every row.
pub fn all() -> Vec<&'static Configuration> {
    MATRIX.iter().collect()
}

/// The QEMU machines `rows` boot.
pub fn machines(rows: &[&Configuration]) -> Vec<QemuMachine> {
    let mut machines = Vec::new();
    for machine in rows.iter().filter_map(|row| row.board.qemu_machine().ok()) {
        if !machines.contains(&machine) {
            machines.push(machine);
        }
    }
    machines
}

/// The names of the rows that boot one of `machines`.
pub fn rows_booting(machines: &[QemuMachine]) -> Vec<&'static str> {
    MATRIX
        .iter()
        .filter(|row| {
            row.board
                .qemu_machine()
                .is_ok_and(|machine| machines.contains(&machine))
        })
        .map(|row| row.name)
        .collect()
}

/// The configurations `cargo xtask test --quick` runs, of every suite: one row per PAN mode, all on
/// virt (as fast as any row of their mode, rpi3/raspi3b's 25 s against virt/cortex-a53's 26 s, and
/// one test kernel serves the three), and one terminal boot.
/// The bench smoke test joins `virt/cortex-a76`; the chainloader test and the comparison with
/// Linux are left out.
pub const QUICK: [&str; 4] = [
    "virt/cortex-a76",
    "virt/cortex-a53",
    "virt/cortex-a76-forced-software-pan",
    "busybox/virt",
];

/// Which configurations a test run covers: `--board`, `--cpu` and `--quick`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Scope {
    pub board: Option<Board>,
    pub cpu: Option<Cpu>,
    pub quick: bool,
}

impl Scope {
    /// Whether the configuration `name`, which boots `board` with `cpu`, is in this scope.
    pub fn includes(&self, name: &str, board: Board, cpu: Cpu) -> bool {
        self.board.is_none_or(|wanted| wanted == board)
            && self.cpu.is_none_or(|wanted| wanted == cpu)
            && (!self.quick || QUICK.contains(&name))
    }

    /// The same selection of boards and CPUs without `--quick`.
    pub fn in_full(self) -> Scope {
        Scope {
            quick: false,
            ..self
        }
    }
}

/// The rows in `scope` (all rows when it names no board, CPU or `--quick`).
pub fn select(scope: Scope) -> Result<Vec<&'static Configuration>> {
    if let Some(board) = scope.board {
        board.cpu(scope.cpu)?;
    }
    let selected: Vec<_> = MATRIX
        .iter()
        .filter(|row| scope.includes(row.name, row.board, row.cpu))
        .collect();
    if selected.is_empty() {
        let names: Vec<_> = MATRIX
            .iter()
            .filter(|row| !scope.quick || QUICK.contains(&row.name))
            .map(|row| row.name)
            .collect();
        bail!(
            "no {}test configuration has that board and CPU; the configurations are {}",
            if scope.quick { "quick " } else { "" },
            names.join(", ")
        );
    }
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(board: Option<Board>, cpu: Option<Cpu>) -> Scope {
        Scope {
            board,
            cpu,
            quick: false,
        }
    }

    fn names(rows: &[&Configuration]) -> Vec<&'static str> {
        rows.iter().map(|row| row.name).collect()
    }

    #[test]
    fn selects_everything_by_default() {
        assert_eq!(select(scope(None, None)).unwrap().len(), MATRIX.len());
    }

    #[test]
    fn selects_by_board_and_cpu() {
        assert_eq!(
            names(&select(scope(Some(Board::Virt), None)).unwrap()),
            [
                "virt/cortex-a53",
                "virt/cortex-a76",
                "virt/cortex-a76-forced-software-pan",
                "virt/max"
            ]
        );
        assert_eq!(
            names(&select(scope(None, Some(Cpu::CortexA76))).unwrap()),
            ["virt/cortex-a76", "virt/cortex-a76-forced-software-pan"]
        );
        assert_eq!(
            names(&select(scope(None, Some(Cpu::CortexA53))).unwrap()),
            ["rpi3/raspi3b", "virt/cortex-a53"]
        );
        assert_eq!(
            names(&select(scope(Some(Board::Virt), Some(Cpu::Max))).unwrap()),
            ["virt/max"]
        );
        assert_eq!(
            names(&select(scope(None, Some(Cpu::CortexA72))).unwrap()),
            ["rpi4/raspi4b"]
        );
    }

    #[test]
    fn names_the_machines_rows_boot_and_the_rows_a_machine_boots() {
        assert_eq!(
            machines(&all()),
            [
                QemuMachine::Raspi3b,
                QemuMachine::Raspi4b,
                QemuMachine::Virt
            ]
        );
        assert_eq!(
            machines(&select(scope(Some(Board::Virt), None)).unwrap()),
            [QemuMachine::Virt]
        );
        assert_eq!(rows_booting(&[QemuMachine::Raspi4b]), ["rpi4/raspi4b"]);
    }

    #[test]
    fn quick_runs_one_row_per_pan_mode() {
        let quick = Scope {
            quick: true,
            ..Scope::default()
        };
        let rows = select(quick).unwrap();
        let mut modes: Vec<&str> = rows.iter().map(|row| row.pan_mode().name()).collect();
        modes.sort();
        assert_eq!(modes, ["forced-software", "hardware", "software"]);
        let a53 = Scope {
            cpu: Some(Cpu::CortexA53),
            ..quick
        };
        assert_eq!(names(&select(a53).unwrap()), ["virt/cortex-a53"]);
        let error = select(Scope {
            board: Some(Board::Rpi4),
            ..quick
        })
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with("no quick test configuration has that board and CPU"),
            "{error}"
        );
        assert!(quick.includes("busybox/virt", Board::Virt, Cpu::CortexA76));
        assert!(!quick.includes("linux/virt", Board::Virt, Cpu::CortexA76));
        assert!(
            quick
                .in_full()
                .includes("linux/virt", Board::Virt, Cpu::CortexA76)
        );
    }

    #[test]
    fn rejects_impossible_and_missing_rows() {
        let impossible = select(scope(Some(Board::Rpi3), Some(Cpu::CortexA76))).unwrap_err();
        assert!(
            impossible.to_string().contains("cortex-a53"),
            "{impossible}"
        );
        let missing = select(scope(Some(Board::Virt), Some(Cpu::CortexA72))).unwrap_err();
        assert!(missing.to_string().contains("virt/max"), "{missing}");
        let unemulated = select(scope(Some(Board::Rpi5), None)).unwrap_err();
        assert!(
            unemulated.to_string().contains("no Raspberry Pi 5 machine"),
            "{unemulated}"
        );
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
                variant.starts_with(row.cpu.name())
                    || variant.starts_with(row.board.qemu_machine().unwrap().name()),
                "{}",
                row.name
            );
        }
        assert_eq!(row("virt/max").file_stem(), "virt_max");
    }

    fn row(name: &str) -> &'static Configuration {
        MATRIX.iter().find(|row| row.name == name).unwrap()
    }

    #[test]
    fn pan_mode_follows_the_cpu_unless_forced() {
        let modes: Vec<PanMode> = MATRIX.iter().map(Configuration::pan_mode).collect();
        assert_eq!(
            modes,
            [
                PanMode::Software,
                PanMode::Software,
                PanMode::Software,
                PanMode::Hardware,
                PanMode::ForcedSoftware,
                PanMode::Hardware
            ]
        );
        let forced = row("virt/cortex-a76-forced-software-pan");
        assert_eq!(forced.extra_cmdline(), Some("pan=software"));
        assert_eq!(row("virt/cortex-a76").extra_cmdline(), None);
    }

    #[test]
    fn expected_banners_name_the_board_cpu_and_its_features() {
        assert_eq!(
            row("rpi3/raspi3b").expected_banner(),
            [
                ("board", "rpi3"),
                ("el", "1"),
                ("cpu", "cortex-a53"),
                ("pan", "software"),
                ("uao", "absent"),
                ("pan_mode", "software")
            ]
        );
        assert_eq!(
            row("rpi4/raspi4b").expected_banner(),
            [
                ("board", "rpi4"),
                ("el", "1"),
                ("cpu", "cortex-a72"),
                ("pan", "software"),
                ("uao", "absent"),
                ("pan_mode", "software")
            ]
        );
        assert_eq!(
            row("virt/cortex-a76-forced-software-pan").expected_banner(),
            [
                ("board", "virt"),
                ("el", "1"),
                ("cpu", "cortex-a76"),
                ("pan", "hardware"),
                ("uao", "present"),
                ("pan_mode", "forced-software")
            ]
        );
        let max = row("virt/max").expected_banner();
        assert!(max.contains(&("cpu", "qemu-max")) && max.contains(&("uao", "present")));
    }
}
