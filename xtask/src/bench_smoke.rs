//! The benchmarks' smoke test in `cargo xtask test`: one `ktest bench` boot of the test kernel on
//! virt cortex-a76, whose every expected measurement must be printed and parse. The numbers are
//! not judged, so the test does not depend on timing, but the benchmarks cannot rot.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::bench_boot;
use crate::bench_catalogue;
use crate::board::{Board, Cpu};
use crate::build::{self, Flavour, KernelBuild, Profile};
use crate::matrix::Scope;
use crate::qemu::{self, Console};
use crate::summary::{Outcome, Summary};

const BOARD: Board = Board::Virt;
const CPU: Cpu = Cpu::CortexA76;
/// Named as the test configuration of the same machine, so its row joins that one's.
const CONFIGURATION: &str = "virt/cortex-a76";
const SUITE: &str = "bench";
const NAME: &str = "smoke";
/// The debug kernel's microbenchmarks take about a second.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs the smoke test with the test run's `initramfs` (`None`: it was not made) unless the
/// selection (`scope`, test-name filter) leaves it out.
pub fn run(scope: Scope, filter: Option<&str>, initramfs: Option<&Path>, summary: &mut Summary) {
    let path = format!("{SUITE}::{NAME}");
    let selected = scope.includes(CONFIGURATION, BOARD, CPU)
        && filter.is_none_or(|pattern| path.contains(pattern));
    if !selected {
        return;
    }
    let outcome = match initramfs
        .context("its initramfs was not made")
        .and_then(boot)
    {
        Ok(()) => Outcome::Passed,
        Err(error) => {
            println!("[{CONFIGURATION}] {error:#}");
            Outcome::Failed(error.root_cause().to_string())
        }
    };
    println!("[{CONFIGURATION}] test {path} ... {outcome}");
    summary.record(CONFIGURATION, SUITE, NAME, &outcome);
}

fn boot(initramfs: &Path) -> Result<()> {
    let kernel = build::build_kernel(
        &KernelBuild {
            board: BOARD,
            profile: Profile::Debug,
            flavour: Flavour::Test,
        },
        initramfs,
    )?;
    let qemu = qemu::command(
        BOARD,
        CPU,
        &kernel.image,
        &Console::Test {
            cmdline: "ktest bench",
        },
    )?;
    let label = format!("{CONFIGURATION}/{SUITE}-{NAME}");
    bench_boot::run(&label, qemu, &bench_catalogue::kernel_keys(), TIMEOUT)?;
    Ok(())
}
