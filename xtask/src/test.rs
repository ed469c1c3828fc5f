//! `cargo xtask test`: the host unit tests, then per QEMU configuration one boot for the kernel's
//! and user space's tests and one per fault scenario, closed by a summary table.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, ensure};

use crate::bench_smoke;
use crate::board::{Board, Cpu};
use crate::build::{self, Flavour, KernelBuild, Profile};
use crate::capture::{self, Ending, Input};
use crate::chainboot_test;
use crate::cmdline;
use crate::host_tests;
use crate::initramfs::{self, HostFiles};
use crate::linux_test;
use crate::matrix::{self, Configuration, Scope};
use crate::parallel;
use crate::prereq;
use crate::process;
use crate::protocol::{self, FaultScenario, TestLine};
use crate::qemu::{self, Console};
use crate::screendump;
use crate::summary::{Counts, Outcome, Summary};
use crate::swap_disk;
use crate::swap_test;
use crate::symbolize::Symbolizer;
use crate::terminal_test;
use crate::transcript::{Echo, Transcript};
use crate::verdict;
use crate::workspace;

pub struct Options {
    /// `--board`, `--cpu` and `--quick`.
    pub scope: Scope,
    pub filter: Option<String>,
    /// How many rows of the matrix boot at once.
    pub jobs: usize,
}

/// The user test programs alone take half a minute on the emulated Raspberry Pi, longer on a busy
/// machine.
const TEST_RUN_TIMEOUT: Duration = Duration::from_secs(300);
const FAULT_RUN_TIMEOUT: Duration = Duration::from_secs(30);
/// Console lines shown when a boot went wrong in a way the echoed lines may not explain.
const LOG_TAIL_LINES: usize = 25;
/// Suite of the synthetic entries for a test run that went wrong as a whole.
const BOOT_SUITE: &str = "boot";
const FAULT_SUITE: &str = "fault";
/// After the kernel's tests, init runs every program in /tests.
const USER_TESTS_INIT: &str = "/bin/init";
const USER_TESTS_ARGUMENTS: &[&str] = &["--test"];

/// A built test kernel, ready to boot and to have its backtraces named.
struct TestKernel {
    image: PathBuf,
    symbolizer: Symbolizer,
}

/// One configuration's boots: its test kernel, the test filter and where the logs go.
struct Run<'a> {
    configuration: &'a Configuration,
    kernel: &'a TestKernel,
    filter: Option<&'a str>,
    logs: &'a Path,
}

pub fn run(options: &Options) -> Result<ExitCode> {
    if let Some(pattern) = &options.filter {
        ensure!(
            !pattern.is_empty() && !pattern.contains(char::is_whitespace),
            "--filter takes a single word: the kernel command line separates options by spaces"
        );
    }
    let scope = options.scope;
    let configurations = matrix::select(scope)?;
    prereq::ensure_rust_targets()?;
    let qemu_version = prereq::ensure_qemu(&matrix::machines(&configurations))?;
    prereq::FSCK_VFAT.ensure();
    let logs = workspace::target_dir().join("xtask").join("logs");
    fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;

    let mut summary = Summary::default();
    host_tests::run(options.filter.as_deref(), &mut summary)?;
    let initramfs = initramfs::build(&HostFiles::default());
    let kernels = TestKernels::default();
    // The chainloader test sends the rpi3 test kernel, so it runs with the rpi3 rows.
    let rpi3_selected = configurations.iter().any(|row| row.board == Board::Rpi3)
        && scope.includes(chainboot_test::CONFIGURATION, Board::Rpi3, Cpu::CortexA53);
    // The Linux run compares its test names with this row's user tests.
    let mut kernel_user_tests = None;
    // Each row boots its own QEMU, one vCPU thread busy, so rows go in parallel, `jobs` at a time,
    // and are recorded in the matrix's order once all are done.
    let rows = parallel::map(&configurations, options.jobs, |configuration| {
        let mut row_summary = Summary::default();
        let ran = configuration
            .board
            .qemu_machine()
            .and_then(|machine| machine.check_available(qemu_version))
            .and_then(|()| {
                let initramfs = initramfs
                    .as_ref()
                    .map_err(|error| anyhow!("its initramfs was not made: {error:#}"))?;
                kernels.with(configuration.board, &initramfs.path, |kernel| {
                    let kernel = kernel
                        .as_ref()
                        .map_err(|error| anyhow!("its test kernel did not build: {error:#}"))?;
                    Run {
                        configuration,
                        kernel,
                        filter: options.filter.as_deref(),
                        logs: &logs,
                    }
                    .start(&mut row_summary)
                })
            });
        (row_summary, ran)
    });
    for (configuration, (row_summary, ran)) in configurations.iter().zip(rows) {
        summary.append(row_summary);
        match ran {
            Ok(user_tests) if configuration.name == linux_test::KERNEL_CONFIGURATION => {
                kernel_user_tests = Some(user_tests);
            }
            Ok(_) => {}
            Err(error) => {
                let reason = format!("{error:#}");
                println!("[{}] NOT RUN: {reason}", configuration.name);
                summary.record_not_run(configuration.name, &reason);
            }
        }
    }

    if rpi3_selected {
        let kernel = build::build_bare_test_kernel(Board::Rpi3)
            .inspect_err(|error| println!("[{}] {error:#}", chainboot_test::CONFIGURATION));
        chainboot_test::run(
            kernel.as_ref().ok().map(|kernel| kernel.image.as_path()),
            options.filter.as_deref(),
            &logs,
            &mut summary,
        );
    }
    let initramfs_path = initramfs
        .as_ref()
        .ok()
        .map(|initramfs| initramfs.path.as_path());
    terminal_test::run(
        scope,
        options.filter.as_deref(),
        initramfs_path,
        &logs,
        &mut summary,
    );
    bench_smoke::run(
        scope,
        options.filter.as_deref(),
        initramfs_path,
        &mut summary,
    );
    linux_test::run(
        scope,
        options.filter.as_deref(),
        initramfs.as_ref().ok(),
        kernel_user_tests.as_deref(),
        &logs,
        &mut summary,
    );
    if scope.quick {
        summary.note(quick_run_note(scope));
    }
    print!("\n{}", summary.render());
    check_filter_selected_something(options.filter.as_deref(), summary.totals())?;
    Ok(if summary.totals().failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Every configuration a test run may record, with the board and CPU it boots: the matrix's rows,
/// then those of the suites that boot something else.
fn all_configurations() -> Vec<(&'static str, Board, Cpu)> {
    let rows = matrix::MATRIX
        .iter()
        .map(|row| (row.name, row.board, row.cpu));
    rows.chain([(chainboot_test::CONFIGURATION, Board::Rpi3, Cpu::CortexA53)])
        .chain(terminal_test::configurations())
        .chain([(
            linux_test::CONFIGURATION,
            linux_test::BOARD,
            linux_test::CPU,
        )])
        .collect()
}

/// What the summary of a `--quick` run says: that it was one, and which configurations the same
/// run without `--quick` would have added.
fn quick_run_note(scope: Scope) -> String {
    let left_out: Vec<&str> = all_configurations()
        .into_iter()
        .filter(|&(name, board, cpu)| {
            scope.in_full().includes(name, board, cpu) && !scope.includes(name, board, cpu)
        })
        .map(|(name, _, _)| name)
        .collect();
    format!(
        "QUICK RUN (--quick): one configuration per PAN mode; left out {}; run without --quick \
         before committing",
        left_out.join(", ")
    )
}

/// A filter that selected nothing anywhere is a typo, not a passing run.
fn check_filter_selected_something(filter: Option<&str>, totals: Counts) -> Result<()> {
    if let Some(pattern) = filter {
        ensure!(
            totals != Counts::default(),
            "--filter {pattern} selected nothing: no host test, kernel test, user test or fault \
             scenario has a name containing `{pattern}`"
        );
    }
    Ok(())
}

/// The boards' test kernels, each built once by the first row that needs it, while rows of other
/// boards go on booting theirs.
#[derive(Default)]
struct TestKernels {
    boards: Mutex<HashMap<Board, Arc<OnceLock<Result<TestKernel>>>>>,
    /// Held through each build: cargo writes every board's kernel to the same path, from which
    /// the build copies it to the board's own directory.
    one_build_at_a_time: Mutex<()>,
}

impl TestKernels {
    /// `use_kernel` given `board`'s test kernel with `initramfs`, built on first use (other rows
    /// of the board wait for it; the list is not held meanwhile).
    fn with<R>(
        &self,
        board: Board,
        initramfs: &Path,
        use_kernel: impl FnOnce(&Result<TestKernel>) -> R,
    ) -> R {
        let kernel = Arc::clone(
            self.boards
                .lock()
                .expect("no row panics holding the list")
                .entry(board)
                .or_default(),
        );
        use_kernel(kernel.get_or_init(|| {
            let _building = self
                .one_build_at_a_time
                .lock()
                .expect("no row panics while building");
            build_test_kernel(board, initramfs)
        }))
    }
}

fn build_test_kernel(board: Board, initramfs: &Path) -> Result<TestKernel> {
    println!("building the {} test kernel", board.name());
    let kernel = KernelBuild {
        board,
        profile: Profile::Debug,
        flavour: Flavour::Test,
    };
    let artifacts = build::build_kernel(&kernel, initramfs)?;
    Ok(TestKernel {
        symbolizer: Symbolizer::load(&artifacts.elf)?,
        image: artifacts.image,
    })
}

impl Run<'_> {
    /// The test run, then one boot per fault scenario it listed; returns the user test
    /// programs' results.
    fn start(&self, summary: &mut Summary) -> Result<Vec<TestLine>> {
        let name = self.configuration.name;
        let filter_option = self.filter.map(|pattern| format!("ktest.filter={pattern}"));
        let words = kernel_words(self.configuration, filter_option.as_deref());
        let cmdline = cmdline::compose(&words, Some(USER_TESTS_INIT), USER_TESTS_ARGUMENTS)?;
        let mut qemu = self.qemu(&cmdline)?;
        let stem = self.configuration.file_stem();
        let socket = self.logs.join(format!("{stem}.qmp"));
        let _ = fs::remove_file(&socket);
        qemu.args(screendump::qemu_arguments(&socket));
        println!("[{name}] {}", process::describe(&qemu));
        let log = self.logs.join(format!("{stem}.log"));
        let picture = self.logs.join(format!("{stem}.ppm"));
        let mut display = None;
        let (transcript, ending) = self.boot(
            qemu,
            TEST_RUN_TIMEOUT,
            &log,
            |echo| {
                let tests = echo.tests.iter().filter(|test| self.selects(test));
                for line in tests
                    .map(TestLine::to_string)
                    .chain(echo.line.map(str::to_owned))
                {
                    println!("[{name}] {line}");
                }
            },
            |line, input| {
                if line == screendump::REQUEST {
                    display = Some(screendump::check(&socket, &picture));
                    input.send(b"\n");
                }
            },
        )?;
        let _ = fs::remove_file(&socket);
        println!("[{name}] QEMU {ending}");
        self.report_display(summary, display);

        for test in transcript.tests.iter().filter(|test| self.selects(test)) {
            summary.record(name, &test.suite, &test.name, &test.outcome);
        }
        let failures = verdict::test_run_failures(
            &transcript,
            ending,
            self.filter,
            &self.configuration.expected_banner(),
        );
        for failure in &failures {
            let outcome = Outcome::Failed(failure.reason.clone());
            self.report(summary, BOOT_SUITE, failure.check, &outcome);
        }
        if !failures.is_empty() {
            self.show_log(&log, &transcript);
        } else if protocol::any_failed(&transcript.tests) {
            println!("[{name}] log: {}", workspace::relative(&log));
        }

        let scenarios = transcript.fault_scenarios.iter().filter(|scenario| {
            self.filter
                .is_none_or(|pattern| scenario.path().contains(pattern))
        });
        for scenario in scenarios {
            self.run_fault_scenario(scenario, summary)?;
        }
        if self.configuration.board.has_disk_driver() {
            self.run_swap_boot(summary)?;
        }
        Ok(transcript.user_tests().to_vec())
    }

    /// Boots with little RAM and a disk of swap partitions (swap_test.rs).
    fn run_swap_boot(&self, summary: &mut Summary) -> Result<()> {
        let stem = format!("{}__swap", self.configuration.file_stem());
        let disk = self.logs.join(format!("{stem}.img"));
        let starts = swap_disk::make(&disk, &swap_test::DISK)?;
        let rules = self.logs.join(format!("{stem}.blkdebug"));
        let failing = (swap_test::failing_sector(&starts), rules.as_path());
        let mut words = kernel_words(self.configuration, Some(swap_test::KTEST_FILTER));
        words.push(swap_test::MEMORY);
        let arguments = swap_test::arguments(self.configuration.board);
        let cmdline = cmdline::compose(&words, Some(swap_test::PROGRAM), arguments)?;
        let mut qemu = self.qemu(&cmdline)?;
        let machine = self.configuration.board.qemu_machine()?;
        qemu.args(swap_disk::qemu_arguments(machine, &disk, Some(failing))?);
        let log = self.logs.join(format!("{stem}.log"));
        let (transcript, ending) = self.boot(qemu, TEST_RUN_TIMEOUT, &log, |_| {}, |_, _| {})?;
        let _ = fs::remove_file(&disk);
        for test in transcript.tests.iter().filter(|test| self.selects(test)) {
            self.report(summary, &test.suite, &test.name, &test.outcome);
        }
        let failures = swap_test::failures(&transcript, ending);
        for reason in &failures {
            self.report(
                summary,
                BOOT_SUITE,
                "swap",
                &Outcome::Failed(reason.clone()),
            );
        }
        if !failures.is_empty() || protocol::any_failed(&transcript.tests) {
            self.show_log(&log, &transcript);
        }
        Ok(())
    }

    /// Boots the kernel into one scenario, which passes when it oopses as expected and is
    /// skipped when the kernel says it does not apply.
    fn run_fault_scenario(&self, scenario: &FaultScenario, summary: &mut Summary) -> Result<()> {
        let log = self.logs.join(format!(
            "{}__fault__{}.log",
            self.configuration.file_stem(),
            scenario.name.replace('/', "_")
        ));
        let fault_option = format!("ktest.fault={}", scenario.path());
        let words = kernel_words(self.configuration, Some(&fault_option));
        let qemu = self.qemu(&cmdline::compose(&words, None, &[])?)?;
        let (transcript, ending) = self.boot(qemu, FAULT_RUN_TIMEOUT, &log, |_| {}, |_, _| {})?;
        let outcome = verdict::fault_scenario_outcome(scenario, &transcript, ending);
        self.report(summary, FAULT_SUITE, &scenario.path(), &outcome);
        if let Outcome::Failed(_) = outcome {
            self.show_log(&log, &transcript);
        }
        Ok(())
    }

    /// Reports the screendump check (screendump.rs) of the test run: every row has a display,
    /// so test-fb must have asked for one.
    fn report_display(&self, summary: &mut Summary, display: Option<Result<()>>) {
        let path = format!("{}::{}", screendump::SUITE, screendump::TEST);
        if self.filter.is_some_and(|pattern| !path.contains(pattern)) {
            return;
        }
        let outcome = match display {
            Some(Ok(())) => Outcome::Passed,
            Some(Err(error)) => Outcome::Failed(format!("{error:#}")),
            None => Outcome::Failed(format!("test-fb never said `{}`", screendump::REQUEST)),
        };
        self.report(summary, screendump::SUITE, screendump::TEST, &outcome);
    }

    /// Records a result the runner found itself, echoed like the kernel's own test lines.
    fn report(&self, summary: &mut Summary, suite: &str, test: &str, outcome: &Outcome) {
        let name = self.configuration.name;
        println!("[{name}] test {suite}::{test} ... {outcome}");
        summary.record(name, suite, test, outcome);
    }

    /// Whether `--filter` selects `test`. The kernel runs only the tests it selects, but init
    /// runs every test program, so their results are picked here.
    fn selects(&self, test: &TestLine) -> bool {
        self.filter
            .is_none_or(|pattern| test.path().contains(pattern))
    }

    /// QEMU booting the test kernel with `cmdline`.
    fn qemu(&self, cmdline: &str) -> Result<Command> {
        qemu::command(
            self.configuration.board,
            self.configuration.cpu,
            &self.kernel.image,
            &Console::Test { cmdline },
        )
    }

    /// Runs `qemu` to its end, handing what each console line adds to `echo` as it arrives and
    /// the line itself to `answer`, which may answer on the console, and saves the symbolized
    /// console to `log`.
    fn boot(
        &self,
        qemu: Command,
        timeout: Duration,
        log: &Path,
        mut echo: impl FnMut(Echo),
        mut answer: impl FnMut(&str, &mut Input),
    ) -> Result<(Transcript, Ending)> {
        let mut transcript = Transcript::default();
        let ending = capture::run_conversation(qemu, timeout, |line, input| {
            echo(transcript.record(line, &self.kernel.symbolizer));
            answer(line, input);
        })?;
        let mut text = transcript.lines.join("\n");
        text.push('\n');
        fs::write(log, text).with_context(|| format!("cannot write {}", log.display()))?;
        Ok((transcript, ending))
    }

    fn show_log(&self, log: &Path, transcript: &Transcript) {
        let name = self.configuration.name;
        println!("[{name}] log: {}; it ends:", workspace::relative(log));
        let tail = transcript.lines.len().saturating_sub(LOG_TAIL_LINES);
        for line in &transcript.lines[tail..] {
            println!("[{name}] | {line}");
        }
    }
}

/// The test kernel's own words: `ktest`, this row's extra words and `ktest_option`.
fn kernel_words<'a>(configuration: &Configuration, ktest_option: Option<&'a str>) -> Vec<&'a str> {
    let mut words = vec!["ktest"];
    words.extend(configuration.extra_cmdline());
    words.extend(ktest_option);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_words_are_ktest_row_words_and_option() {
        let forced_software_pan = matrix::MATRIX
            .iter()
            .find(|row| row.name == "virt/cortex-a76-forced-software-pan")
            .unwrap();
        assert_eq!(
            kernel_words(forced_software_pan, None),
            ["ktest", "pan=software"]
        );
        // Fault-scenario boots keep the row's words, or they would test another PAN mode.
        assert_eq!(
            kernel_words(forced_software_pan, Some("ktest.fault=pan::read")),
            ["ktest", "pan=software", "ktest.fault=pan::read"]
        );
        assert_eq!(kernel_words(&matrix::MATRIX[0], None), ["ktest"]);
    }

    #[test]
    fn a_test_run_goes_on_to_the_user_test_programs() {
        let words = kernel_words(&matrix::MATRIX[0], Some("ktest.filter=mm"));
        assert_eq!(
            cmdline::compose(&words, Some(USER_TESTS_INIT), USER_TESTS_ARGUMENTS).unwrap(),
            "ktest ktest.filter=mm init=/bin/init -- --test"
        );
    }

    #[test]
    fn a_quick_run_names_what_it_left_out() {
        let quick = Scope {
            quick: true,
            ..Scope::default()
        };
        assert_eq!(
            quick_run_note(quick),
            "QUICK RUN (--quick): one configuration per PAN mode; left out rpi3/raspi3b, \
             rpi4/raspi4b, virt/max, chainloader/raspi3b, busybox/raspi3b, linux/virt; run \
             without --quick before committing"
        );
        let a76 = Scope {
            cpu: Some(Cpu::CortexA76),
            ..quick
        };
        assert!(quick_run_note(a76).contains("left out linux/virt;"));
    }

    #[test]
    fn a_filter_must_select_something() {
        let error = check_filter_selected_something(Some("nomatch"), Counts::default())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("--filter nomatch selected nothing"),
            "{error}"
        );
        let one_skipped = Counts {
            skipped: 1,
            ..Counts::default()
        };
        assert!(check_filter_selected_something(Some("mm"), one_skipped).is_ok());
        assert!(check_filter_selected_something(None, Counts::default()).is_ok());
    }
}
