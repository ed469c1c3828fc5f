//! One benchmark boot: QEMU run to its end in deterministic mode, its benchmark lines collected
//! and checked against the measurements expected of it, its console kept in a log.

use std::collections::BTreeSet;
use std::fs;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::bench_lines::{self, BenchLine, Key, Measurement};
use crate::capture::{self, Ending};
use crate::icount;
use crate::process;
use crate::workspace;

/// Console lines shown when a boot went wrong.
const LOG_TAIL_LINES: usize = 20;

/// What one boot measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootResults {
    /// The kernel's `pan_mode` and `uao_scope`, which only the kernel's microbenchmarks print.
    pub kernel_modes: Option<(String, String)>,
    /// In the order printed.
    pub measurements: Vec<Measurement>,
}

/// Boots `qemu` in deterministic mode and returns its measurements, which must be exactly
/// `expected`; `label` names the boot in messages and its log file.
pub fn run(
    label: &str,
    mut qemu: Command,
    expected: &[Key],
    timeout: Duration,
) -> Result<BootResults> {
    icount::make_deterministic(&mut qemu);
    println!("[{label}] {}", process::describe(&qemu));
    let mut lines = Vec::new();
    let ending = capture::run_captured(qemu, timeout, |line| lines.push(line.to_owned()))?;
    let logs = workspace::target_dir().join("xtask").join("logs");
    fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    let log = logs.join(format!("bench__{}.log", label.replace('/', "_")));
    fs::write(&log, lines.join("\n") + "\n")
        .with_context(|| format!("cannot write {}", log.display()))?;
    results(&lines, ending, expected).with_context(|| {
        let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
        format!(
            "benchmark boot {label} failed; its log is {}, which ends:\n    {}",
            workspace::relative(&log),
            tail.join("\n    ")
        )
    })
}

/// The measurements of a boot that printed `lines` and ended with `ending`.
fn results(lines: &[String], ending: Ending, expected: &[Key]) -> Result<BootResults> {
    if ending != Ending::Exited(0) {
        bail!("QEMU {ending}");
    }
    let mut kernel_modes = None;
    let mut measurements = Vec::new();
    for parsed in lines.iter().filter_map(|line| bench_lines::parse(line)) {
        match parsed.map_err(anyhow::Error::msg)? {
            BenchLine::Measurement(measurement) => measurements.push(measurement),
            BenchLine::KernelModes {
                pan_mode,
                uao_scope,
            } => kernel_modes = Some((pan_mode, uao_scope)),
            BenchLine::Error(why) => bail!("a benchmark failed: {why}"),
        }
    }
    check_complete(&measurements, expected)?;
    Ok(BootResults {
        kernel_modes,
        measurements,
    })
}

/// Every expected measurement is there once, and nothing else is.
fn check_complete(measurements: &[Measurement], expected: &[Key]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for measurement in measurements {
        if !seen.insert(&measurement.key) {
            bail!("{} was measured twice", measurement.key);
        }
        if !expected.contains(&measurement.key) {
            bail!(
                "{} is not a measurement this benchmark has",
                measurement.key
            );
        }
    }
    let missing: Vec<String> = expected
        .iter()
        .filter(|key| !seen.contains(key))
        .map(Key::to_string)
        .collect();
    if !missing.is_empty() {
        bail!("missing measurements: {}", missing.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    fn expected() -> Vec<Key> {
        vec![Key::new("getpid", 0, None), Key::new("execve", 0, None)]
    }

    #[test]
    fn collects_the_measurements_of_a_complete_boot() {
        let console = lines(
            "boot: board=virt\nbench getpid size=0 instructions=289\n\
             bench execve size=0 instructions=181277\nbench: done, 0 failed",
        );
        let results = results(&console, Ending::Exited(0), &expected()).unwrap();
        assert_eq!(results.kernel_modes, None);
        assert_eq!(results.measurements.len(), 2);
        assert_eq!(results.measurements[1].instructions, 181_277);
    }

    #[test]
    fn a_missing_duplicate_or_unknown_measurement_fails() {
        let error = |console: &str| {
            results(&lines(console), Ending::Exited(0), &expected())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            error("bench getpid size=0 instructions=1"),
            "missing measurements: execve size=0"
        );
        assert!(
            error("bench getpid size=0 instructions=1\nbench getpid size=0 instructions=1")
                .contains("measured twice")
        );
        assert!(error("bench fork size=0 instructions=1").contains("not a measurement"));
    }

    #[test]
    fn errors_and_bad_endings_fail() {
        let console = lines("bench error: execve: ENOENT");
        let error = results(&console, Ending::Exited(0), &expected()).unwrap_err();
        assert_eq!(error.to_string(), "a benchmark failed: execve: ENOENT");
        let error = results(&[], Ending::Exited(1), &expected()).unwrap_err();
        assert_eq!(error.to_string(), "QEMU exited with status 1");
    }

    #[test]
    fn the_kernel_header_names_its_modes() {
        let console = lines(
            "bench: pan_mode=off uao_scope=software\nbench getpid size=0 instructions=1\n\
             bench execve size=0 instructions=2",
        );
        let results = results(&console, Ending::Exited(0), &expected()).unwrap();
        assert_eq!(
            results.kernel_modes,
            Some(("off".to_owned(), "software".to_owned()))
        );
    }
}
