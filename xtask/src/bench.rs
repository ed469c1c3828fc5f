//! `cargo xtask bench`: the kernel's microbenchmarks in every PAN mode the CPU allows and the
//! user-space benchmark, on QEMU in deterministic mode (instructions, exactly), checked to repeat
//! to the instruction; optionally the same user-space benchmark under Linux.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};

use crate::bench_baseline;
use crate::bench_boot::{self, BootResults};
use crate::bench_catalogue;
use crate::bench_lines::Measurement;
use crate::bench_linux;
use crate::bench_plot;
use crate::bench_report::{LinuxResults, MachineResults, PanModeResults, Report};
use crate::board::{Board, Cpu};
use crate::build::{self, Flavour, KernelBuild, Profile};
use crate::cmdline;
use crate::debian_kernel;
use crate::initramfs::{self, HostFiles};
use crate::matrix::PanMode;
use crate::prereq;
use crate::qemu::{self, Console, QemuMachine};
use crate::swap_disk::{self, PartitionSpec};
use crate::user_programs;
use crate::workspace;

pub struct Options {
    pub board: Option<Board>,
    pub cpu: Option<Cpu>,
    pub profile: Profile,
    pub json: Option<PathBuf>,
    pub plot: Option<PathBuf>,
    pub against_linux: bool,
}

/// The microbenchmarks take a fraction of a second; a boot that takes this long has hung.
const KERNEL_BENCH_TIMEOUT: Duration = Duration::from_secs(60);
/// The user-space benchmark takes under a second on an idle host; a busy one is many times
/// slower.
const USER_BENCH_TIMEOUT: Duration = Duration::from_secs(120);
/// The user-space benchmark as the first process; it powers off when done.
const USER_BENCH_INIT: &str = "/bin/bench";
const USER_BENCH_PROGRAM: &str = "bench";
/// The benchmark's swap partition: room for what it swaps out at once (64 pages).
const SWAP_PARTITION_BYTES: u64 = 4 << 20;
/// The machines benchmarked when none is named: the two the benchmarks are reported for.
const DEFAULT_BOARDS: [Board; 2] = [Board::Rpi3, Board::Virt];

/// A QEMU machine and CPU to benchmark on.
#[derive(Clone, Copy)]
struct Machine {
    board: Board,
    cpu: Cpu,
    qemu: QemuMachine,
}

/// How a microbenchmark boot asks the kernel to enforce PAN.
#[derive(Clone, Copy)]
enum PanChoice {
    /// As the CPU allows: hardware PAN with FEAT_PAN, software PAN without.
    CpuDefault,
    /// Software PAN on a CPU with FEAT_PAN.
    ForcedSoftware,
    /// No PAN, the baseline both kinds of PAN cost against.
    Off,
}

/// The two kernels of a machine: the test kernel runs the microbenchmarks, the QEMU kernel the
/// user-space benchmark (without the test kernel's extra code paths).
struct MachineKernels {
    microbenchmarks: PathBuf,
    user: PathBuf,
    /// The user kernel's image less the initramfs it carries (included byte for byte).
    user_image_bytes: u64,
}

pub fn run(options: &Options) -> Result<ExitCode> {
    let machines = machines(options.board, options.cpu)?;
    // Linux runs on virt only: better said before anything is built.
    let linux_machine = options
        .against_linux
        .then(|| {
            machines
                .iter()
                .position(|machine| machine.board == Board::Virt)
                .context(
                    "--against-linux boots Linux on QEMU virt, so the selection must include \
                     --board virt",
                )
        })
        .transpose()?;
    prereq::ensure_rust_targets()?;
    let needed: Vec<QemuMachine> = machines.iter().map(|machine| machine.qemu).collect();
    let qemu_version = prereq::ensure_qemu(&needed)?;
    for machine in &machines {
        machine.qemu.check_available(qemu_version)?;
    }
    let linux_kernel = linux_machine.map(|_| debian_kernel::fetch()).transpose()?;

    let initramfs = initramfs::build(&HostFiles::default())?;
    let mut results = Vec::new();
    for (index, machine) in machines.iter().enumerate() {
        let kernels = build_kernels(machine.board, options.profile, &initramfs.path)?;
        let kernel = PanChoice::all(machine.cpu)
            .iter()
            .map(|&choice| kernel_boot(*machine, &kernels, choice))
            .collect::<Result<Vec<_>>>()?;
        let user = user_boot(*machine, &kernels)?;
        if index == 0 {
            // The CPU's default PAN mode comes first.
            check_repeats(*machine, &kernels, &kernel[0], &user)?;
        }
        results.push(MachineResults {
            name: machine.name(),
            kernel: kernel.into_iter().map(PanModeResults::from).collect(),
            user: user.measurements,
            linux: None,
            kernel_image_bytes: kernels.user_image_bytes,
        });
    }
    if let (Some(index), Some(kernel)) = (linux_machine, linux_kernel) {
        let linux = bench_linux::run(machines[index].cpu, &kernel, &bench_program()?)?;
        results[index].linux = Some(LinuxResults {
            kernel: format!("{} {}", kernel.package, kernel.version),
            measurements: linux.measurements,
        });
    }

    let report = Report {
        profile: profile_name(options.profile),
        machines: results,
    };
    print!("{}", report.render());
    let json = report.json();
    let regressed = compare_with_baseline(&json)?;
    if let Some(path) = &options.json {
        write_output(path, &(serde_json::to_string_pretty(&json)? + "\n"))?;
    }
    if let Some(path) = &options.plot {
        write_output(path, &bench_plot::svg(&report.machines)?)?;
    }
    Ok(if regressed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Compares the run with the committed baseline and says what moved; whether a number
/// regressed past the tolerance.
fn compare_with_baseline(current: &serde_json::Value) -> Result<bool> {
    let baseline_path = bench_baseline::path();
    let path = workspace::relative(&baseline_path);
    let Some(baseline) = bench_baseline::load()? else {
        println!("bench: no baseline at {path}; nothing compared");
        return Ok(false);
    };
    if baseline["profile"] != current["profile"] {
        println!(
            "bench: the baseline at {path} measured {} kernels, this run {}: not compared",
            baseline["profile"], current["profile"]
        );
        return Ok(false);
    }
    let verdict = bench_baseline::compare(&baseline, current);
    print!("{}", verdict.render());
    if verdict.regressions.is_empty() {
        println!("bench: no number is more than 5% above the baseline at {path}");
        Ok(false)
    } else {
        println!(
            "bench: FAILED: {} numbers are more than 5% above the baseline at {path}",
            verdict.regressions.len()
        );
        Ok(true)
    }
}

/// The named board (with `cpu`), or both default boards that can emulate `cpu`.
fn machines(board: Option<Board>, cpu: Option<Cpu>) -> Result<Vec<Machine>> {
    let machines: Vec<Machine> = match board {
        Some(board) => vec![Machine::new(board, cpu)?],
        None => DEFAULT_BOARDS
            .iter()
            .filter_map(|&board| Machine::new(board, cpu).ok())
            .collect(),
    };
    ensure!(
        !machines.is_empty(),
        "no board emulates that CPU; --board virt takes any --cpu"
    );
    Ok(machines)
}

impl Machine {
    /// `board` emulating `cpu`; an error if QEMU cannot run it so.
    fn new(board: Board, cpu: Option<Cpu>) -> Result<Self> {
        Ok(Machine {
            board,
            cpu: board.cpu(cpu)?,
            qemu: board.qemu_machine()?,
        })
    }

    /// `rpi3/raspi3b`, `virt/cortex-a76`: as the test configurations are named.
    fn name(self) -> String {
        let variant = match self.qemu {
            QemuMachine::Virt => self.cpu.name(),
            machine => machine.name(),
        };
        format!("{}/{variant}", self.board.name())
    }
}

impl PanChoice {
    /// The choices a CPU offers: forcing software PAN only means something with FEAT_PAN.
    fn all(cpu: Cpu) -> &'static [PanChoice] {
        if cpu.has_pan() {
            &[
                PanChoice::CpuDefault,
                PanChoice::ForcedSoftware,
                PanChoice::Off,
            ]
        } else {
            &[PanChoice::CpuDefault, PanChoice::Off]
        }
    }

    fn cmdline_word(self) -> Option<&'static str> {
        match self {
            PanChoice::CpuDefault => None,
            PanChoice::ForcedSoftware => Some("pan=software"),
            PanChoice::Off => Some("pan=off"),
        }
    }

    /// The `pan_mode` the kernel must report for this choice on `cpu`.
    fn expected_mode(self, cpu: Cpu) -> &'static str {
        match self {
            PanChoice::CpuDefault if cpu.has_pan() => PanMode::Hardware.name(),
            PanChoice::CpuDefault => PanMode::Software.name(),
            PanChoice::ForcedSoftware => PanMode::ForcedSoftware.name(),
            PanChoice::Off => "off",
        }
    }
}

impl From<BootResults> for PanModeResults {
    fn from(boot: BootResults) -> Self {
        let (pan_mode, uao_scope) = boot.kernel_modes.unwrap_or_default();
        PanModeResults {
            pan_mode,
            uao_scope,
            measurements: boot.measurements,
        }
    }
}

fn build_kernels(board: Board, profile: Profile, initramfs: &Path) -> Result<MachineKernels> {
    let build = |flavour| {
        build::build_kernel(
            &KernelBuild {
                board,
                profile,
                flavour,
            },
            initramfs,
        )
        .map(|artifacts| artifacts.image)
    };
    let user = build(Flavour::Qemu)?;
    let size = |path: &Path| -> Result<u64> {
        Ok(fs::metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len())
    };
    Ok(MachineKernels {
        microbenchmarks: build(Flavour::Test)?,
        user_image_bytes: size(&user)?.saturating_sub(size(initramfs)?),
        user,
    })
}

/// The microbenchmarks with PAN as `choice` asks, checked to run in the mode asked for.
fn kernel_boot(
    machine: Machine,
    kernels: &MachineKernels,
    choice: PanChoice,
) -> Result<BootResults> {
    let mut words = vec!["ktest", "bench"];
    words.extend(choice.cmdline_word());
    let cmdline = cmdline::compose(&words, None, &[])?;
    let expected_mode = choice.expected_mode(machine.cpu);
    let label = format!("{}/kernel/{expected_mode}", machine.name());
    let qemu = qemu::command(
        machine.board,
        machine.cpu,
        &kernels.microbenchmarks,
        &Console::Test { cmdline: &cmdline },
    )?;
    let boot = bench_boot::run(
        &label,
        qemu,
        &bench_catalogue::kernel_keys(),
        KERNEL_BENCH_TIMEOUT,
    )?;
    let reported = boot
        .kernel_modes
        .as_ref()
        .map(|(pan_mode, _)| pan_mode.as_str());
    ensure!(
        reported == Some(expected_mode),
        "{label}: the kernel ran its benchmarks with pan_mode {reported:?}, not {expected_mode}"
    );
    Ok(boot)
}

/// The swap partition the user-space benchmark swaps to on `board`, where it measures
/// swapping: the raspi machines' SD card, whose every word the CPU moves and QEMU serves
/// within the instruction, so that the count repeats. virt's virtio-blk completes in the
/// host's time, which icount cannot make repeat (and a CPU waiting for it sleeps until the
/// next timer tick, virtual time jumping there).
fn swap_partition(board: Board) -> Option<&'static str> {
    match board {
        Board::Rpi3 => Some("/dev/mmcblk0p1"),
        _ => None,
    }
}

/// The user-space benchmark as the first process, with a disk of one swap partition where
/// [`swap_partition`] says.
fn user_boot(machine: Machine, kernels: &MachineKernels) -> Result<BootResults> {
    let swap = swap_partition(machine.board);
    let arguments: Vec<&str> = swap.iter().flat_map(|device| ["--swap", device]).collect();
    let cmdline = cmdline::compose(&[], Some(USER_BENCH_INIT), &arguments)?;
    let mut qemu = qemu::command(
        machine.board,
        machine.cpu,
        &kernels.user,
        &Console::Test { cmdline: &cmdline },
    )?;
    let disk = workspace::target_dir()
        .join("xtask")
        .join(format!("bench-swap-{}.img", machine.board.name()));
    if swap.is_some() {
        swap_disk::make(
            &disk,
            &[PartitionSpec {
                bytes: SWAP_PARTITION_BYTES,
                swap: true,
            }],
        )?;
        qemu.args(swap_disk::qemu_arguments(machine.qemu, &disk, None)?);
    }
    let results = bench_boot::run(
        &format!("{}/user", machine.name()),
        qemu,
        &bench_catalogue::user_keys(swap.is_some()),
        USER_BENCH_TIMEOUT,
    );
    let _ = fs::remove_file(&disk);
    results
}

/// Boots the microbenchmarks (in the CPU's default PAN mode) and the user-space benchmark of
/// `machine` again: under icount every number must come out as in `kernel` and `user`, or the
/// numbers mean nothing.
fn check_repeats(
    machine: Machine,
    kernels: &MachineKernels,
    kernel: &BootResults,
    user: &BootResults,
) -> Result<()> {
    println!("determinism check: booting {} again", machine.name());
    let kernel_again = kernel_boot(machine, kernels, PanChoice::CpuDefault)?;
    let user_again = user_boot(machine, kernels)?;
    let mut found = differences(&kernel.measurements, &kernel_again.measurements);
    found.extend(differences(&user.measurements, &user_again.measurements));
    if !found.is_empty() {
        bail!(
            "NOT DETERMINISTIC: a second run on {} gave other numbers:\n    {}",
            machine.name(),
            found.join("\n    ")
        );
    }
    println!(
        "determinism check: all {} numbers of {} repeated exactly",
        kernel.measurements.len() + user.measurements.len(),
        machine.name()
    );
    Ok(())
}

/// `<key>: <first> then <second>` for every measurement that differs.
fn differences(first: &[Measurement], second: &[Measurement]) -> Vec<String> {
    first
        .iter()
        .zip(second)
        .filter(|(one, other)| one != other)
        .map(|(one, other)| {
            format!(
                "{}: {} then {}",
                one.key, one.instructions, other.instructions
            )
        })
        .collect()
}

/// The bench program as built, for Linux's initramfs.
fn bench_program() -> Result<PathBuf> {
    user_programs::build()?
        .into_iter()
        .find(|program| program.name == USER_BENCH_PROGRAM)
        .map(|program| program.path)
        .with_context(|| format!("the user workspace built no `{USER_BENCH_PROGRAM}` program"))
}

fn profile_name(profile: Profile) -> &'static str {
    match profile {
        Profile::Debug => "debug",
        Profile::Release => "release",
    }
}

fn write_output(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    println!("wrote {}", workspace::relative(path));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_lines::Key;

    fn names(machines: &[Machine]) -> Vec<String> {
        machines.iter().map(|machine| machine.name()).collect()
    }

    #[test]
    fn benchmarks_rpi3_and_virt_unless_told_otherwise() {
        assert_eq!(
            names(&machines(None, None).unwrap()),
            ["rpi3/raspi3b", "virt/cortex-a76"]
        );
        assert_eq!(
            names(&machines(None, Some(Cpu::CortexA53)).unwrap()),
            ["rpi3/raspi3b", "virt/cortex-a53"]
        );
        assert_eq!(
            names(&machines(Some(Board::Virt), Some(Cpu::Max)).unwrap()),
            ["virt/max"]
        );
        assert!(machines(Some(Board::Rpi3), Some(Cpu::CortexA76)).is_err());
    }

    #[test]
    fn pan_choices_follow_the_cpu() {
        let modes = |cpu| -> Vec<&str> {
            PanChoice::all(cpu)
                .iter()
                .map(|choice| choice.expected_mode(cpu))
                .collect()
        };
        assert_eq!(
            modes(Cpu::CortexA76),
            ["hardware", "forced-software", "off"]
        );
        assert_eq!(modes(Cpu::CortexA53), ["software", "off"]);
        assert_eq!(PanChoice::CpuDefault.cmdline_word(), None);
        assert_eq!(PanChoice::Off.cmdline_word(), Some("pan=off"));
    }

    #[test]
    fn names_every_number_that_changed() {
        let measured = |instructions| Measurement {
            key: Key::new("getpid", 0, None),
            instructions,
        };
        assert!(differences(&[measured(289)], &[measured(289)]).is_empty());
        assert_eq!(
            differences(&[measured(289)], &[measured(290)]),
            ["getpid size=0: 289 then 290"]
        );
    }
}
