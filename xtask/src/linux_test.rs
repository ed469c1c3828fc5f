//! The Linux test programs under Linux itself, for `cargo xtask test`: Debian's arm64 kernel boots
//! on the QEMU machine and CPU of the kernel's `virt/cortex-a76` row, with an initramfs of the
//! programs that use nothing but the Linux ABI (the C programs of user/linux, the Rust std program
//! and the busybox script, with the files they open or run) and user/linux/linux-test-init.sh as
//! /init, which runs them one after another as `init --test` does. Every test must pass there,
//! and the programs must report the same tests as they did under this kernel in the same run
//! (`compare::same_tests_as_the_kernel`). Recorded as configuration `linux/virt`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::board::{Board, Cpu};
use crate::capture::{self, Ending};
use crate::debian_kernel;
use crate::initramfs::{self, BUSYBOX, BUSYBOX_SCRIPTS, Initramfs, TEST_PROGRAM_PREFIX};
use crate::linux_framebuffer;
use crate::linux_programs;
use crate::matrix::Scope;
use crate::newc::{self, ArchiveFile, DeviceNode};
use crate::process;
use crate::protocol::TestLine;
use crate::qemu::{self, Console};
use crate::rust_std_program;
use crate::screendump;
use crate::summary::{Outcome, Summary};
use crate::symbolize::Symbolizer;
use crate::transcript::Transcript;
use crate::workspace;

pub const CONFIGURATION: &str = "linux/virt";
pub const BOARD: Board = Board::Virt;
pub const CPU: Cpu = Cpu::CortexA76;
/// The kernel's row on the same machine and CPU, whose run of the same programs the test names
/// are compared with.
pub const KERNEL_CONFIGURATION: &str = "virt/cortex-a76";
/// `quiet` keeps Linux's own messages (all but errors) off the console the tests print on;
/// `panic=-1` reboots at once on a panic (process 1 ending, say), which `-no-reboot` turns into
/// QEMU exiting, so that a failure ends the run instead of hanging it; `mem=` leaves the
/// framebuffer's RAM alone (linux_framebuffer.rs).
const CMDLINE: &str = "console=ttyAMA0 quiet panic=-1 mem=1008M";
/// Linux boots in seconds and the programs take less than a minute; a hang fails here.
const TIMEOUT: Duration = Duration::from_secs(300);
/// /init, in user/linux.
const INIT_SCRIPT: &str = "linux-test-init.sh";
/// The initramfs files the programs need besides themselves: test-glibc runs /bin/bss-only,
/// test-rust-std runs /bin/echo-args and reads /testdata, busybox runs test-busybox and /init.
const HELPERS: [&str; 2] = ["bin/bss-only", "bin/echo-args"];
const TEST_DATA: &str = "testdata/";
/// Synthetic tests for what went wrong with the boot as a whole, as for the kernel's rows.
const BOOT_SUITE: &str = "boot";
const COMPARE_SUITE: &str = "compare";
const COMPARE_TEST: &str = "same_tests_as_the_kernel";
/// Console lines shown when something failed.
const LOG_TAIL_LINES: usize = 25;

/// A test whose result may differ between Linux and this kernel, and why.
struct Difference {
    /// `<suite>::<name>`.
    test: &'static str,
    reason: &'static str,
}

/// The documented differences: a test listed here may be missing on either side, and a failure
/// under Linux is recorded as skipped with the reason. None so far: every test of these programs
/// passes under Linux, and they report the same tests under both kernels. (Process ids and times
/// never differ here: the tests check relations, such as a child's pid being new or a clock
/// having advanced, and print only their names and verdicts.)
const DOCUMENTED_DIFFERENCES: &[Difference] = &[];

/// Which tests `--filter` records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Selection<'a> {
    Everything,
    /// Those whose `<suite>::<name>` contains the pattern.
    Matching(&'a str),
}

impl Selection<'_> {
    fn selects(self, path: &str) -> bool {
        match self {
            Selection::Everything => true,
            Selection::Matching(pattern) => path.contains(pattern),
        }
    }
}

/// Boots Linux with the programs unless the selection leaves this configuration out, and records
/// their results. `kernel_tests` are the user tests of the kernel's `virt/cortex-a76` run in this
/// invocation, `None` when that row did not run; then the names are only checked for
/// completeness (every program reported tests and none failed unexplained).
pub fn run(
    scope: Scope,
    filter: Option<&str>,
    initramfs: Option<&Initramfs>,
    kernel_tests: Option<&[TestLine]>,
    logs: &Path,
    summary: &mut Summary,
) {
    let programs = programs();
    let kernel_names = kernel_tests.map(|tests| linux_suite_names(tests, &programs));
    let Some(selection) = selection(scope, filter, kernel_names.as_ref(), &programs) else {
        return;
    };
    let Some(initramfs) = initramfs else {
        not_run(
            summary,
            "its programs were not built (the initramfs was not made)",
        );
        return;
    };
    let log = logs.join(format!("{}.log", CONFIGURATION.replace('/', "_")));
    let started = Instant::now();
    let (transcript, ending) = match boot(initramfs, &log, selection) {
        Ok(boot) => boot,
        Err(error) => {
            not_run(summary, &format!("{error:#}"));
            return;
        }
    };
    println!(
        "[{CONFIGURATION}] QEMU {ending} after {} s",
        started.elapsed().as_secs()
    );
    if kernel_names.is_none() {
        println!(
            "[{CONFIGURATION}] {KERNEL_CONFIGURATION} did not run: the test names are checked \
             for completeness only"
        );
    }
    let results = evaluate(&transcript, ending, kernel_names.as_ref(), &programs);
    let mut failed = false;
    for (index, (suite, name, outcome)) in results.iter().enumerate() {
        let path = format!("{suite}::{name}");
        if *suite != BOOT_SUITE && !selection.selects(&path) {
            continue;
        }
        if let Outcome::Failed(_) = outcome {
            failed = true;
        }
        // The test lines were echoed as they came: what the runner found or changed is echoed
        // here.
        let as_printed = transcript
            .tests
            .get(index)
            .is_some_and(|test| test.outcome == *outcome);
        if !as_printed {
            println!("[{CONFIGURATION}] test {path} ... {outcome}");
        }
        summary.record(CONFIGURATION, suite, name, outcome);
    }
    if failed {
        show_log_tail(&log, &transcript);
    }
}

fn not_run(summary: &mut Summary, reason: &str) {
    println!("[{CONFIGURATION}] NOT RUN: {reason}");
    summary.record_not_run(CONFIGURATION, reason);
}

/// The test programs that run under Linux, in the order /init runs them: the C programs of
/// user/linux, the Rust std program and the busybox scripts. The others in /tests (user/tests)
/// are this kernel's own, some of them about this kernel alone.
fn programs() -> Vec<String> {
    let mut names: Vec<String> = linux_programs::names()
        .chain([rust_std_program::NAME])
        .chain(BUSYBOX_SCRIPTS.iter().map(|(name, _)| *name))
        .filter(|name| name.starts_with(TEST_PROGRAM_PREFIX))
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

/// The suite a test program's lines name: `test-glibc-pie` prints `glibc_pie::...`.
fn suite_of(program: &str) -> String {
    program
        .strip_prefix(TEST_PROGRAM_PREFIX)
        .unwrap_or(program)
        .replace('-', "_")
}

/// The paths of the `tests` that belong to the suites of `programs`.
fn linux_suite_names(tests: &[TestLine], programs: &[String]) -> BTreeSet<String> {
    let suites: Vec<String> = programs.iter().map(|program| suite_of(program)).collect();
    tests
        .iter()
        .filter(|test| suites.contains(&test.suite))
        .map(TestLine::path)
        .collect()
}

/// Whether to boot, and what to record: nothing outside `scope` (off the virt board or the
/// cortex-a76, or with `--quick`); everything
/// when `filter` is part of the configuration's name (`--filter linux`); otherwise the tests it
/// matches, when it can match any: one of the kernel's names for these programs, a suite's
/// `<suite>::` or a name in a suite, or the comparison.
fn selection<'a>(
    scope: Scope,
    filter: Option<&'a str>,
    kernel_names: Option<&BTreeSet<String>>,
    programs: &[String],
) -> Option<Selection<'a>> {
    if !scope.includes(CONFIGURATION, BOARD, CPU) {
        return None;
    }
    let Some(pattern) = filter else {
        return Some(Selection::Everything);
    };
    if CONFIGURATION.contains(pattern) {
        return Some(Selection::Everything);
    }
    let suites = programs
        .iter()
        .map(|program| format!("{}::", suite_of(program)));
    let mut candidates = suites
        .chain([format!("{COMPARE_SUITE}::{COMPARE_TEST}")])
        .chain(kernel_names.into_iter().flatten().cloned());
    let matches = |candidate: &String| {
        candidate.contains(pattern) || (candidate.ends_with("::") && pattern.starts_with(candidate))
    };
    candidates
        .any(|candidate| matches(&candidate))
        .then_some(Selection::Matching(pattern))
}

/// Boots Linux with the programs, echoing the test lines `selection` records, and saves the
/// console to `log`.
fn boot(initramfs: &Initramfs, log: &Path, selection: Selection) -> Result<(Transcript, Ending)> {
    let kernel = debian_kernel::cached_or_fetch()?;
    let archive = write_initramfs(&initramfs.files)?;
    let command = || {
        qemu::command(
            BOARD,
            CPU,
            &kernel.image,
            &Console::Test { cmdline: CMDLINE },
        )
    };
    let device_tree = log.with_extension("dtb");
    linux_framebuffer::device_tree(command()?, &device_tree)?;
    let mut qemu = command()?;
    qemu.arg("-dtb").arg(&device_tree);
    qemu.arg("-initrd").arg(&archive).arg("-no-reboot");
    println!("[{CONFIGURATION}] {}", process::describe(&qemu));
    // Linux's console has no backtraces of this kernel to name.
    let symbolizer = Symbolizer::new(Vec::new());
    let mut transcript = Transcript::default();
    let ending = capture::run_conversation(qemu, TIMEOUT, |line, input| {
        // Linux's framebuffer is no display QEMU shows: test-fb is answered without a look.
        if line == screendump::REQUEST {
            input.send(b"\n");
        }
        let echo = transcript.record(line, &symbolizer);
        for test in echo
            .tests
            .iter()
            .filter(|test| selection.selects(&test.path()))
        {
            println!("[{CONFIGURATION}] {test}");
        }
        if let Some(line) = echo.line {
            println!("[{CONFIGURATION}] {line}");
        }
    })?;
    let mut text = transcript.lines.join("\n");
    text.push('\n');
    fs::write(log, text).with_context(|| format!("cannot write {}", log.display()))?;
    Ok((transcript, ending))
}

/// Writes the archive: the programs and what they need, taken from the kernel's initramfs
/// `files`, /init, and /dev/console, which Linux opens for /init before anything could make it.
fn write_initramfs(files: &[ArchiveFile]) -> Result<PathBuf> {
    let mut chosen = linux_files(files, &programs())?;
    let script = workspace::root()
        .join("user")
        .join("linux")
        .join(INIT_SCRIPT);
    chosen.push(ArchiveFile {
        path: "init".to_owned(),
        executable: true,
        data: fs::read(&script).with_context(|| format!("cannot read {}", script.display()))?,
    });
    let console = DeviceNode {
        path: "dev/console".to_owned(),
        major: 5,
        minor: 1,
    };
    let archive = newc::archive_with_device_nodes(&chosen, &[console])?;
    let directory = workspace::target_dir().join("xtask");
    fs::create_dir_all(&directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    let path = directory.join("linux-test-initramfs.cpio");
    fs::write(&path, archive).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// The kernel's initramfs `files` that the Linux run takes: `programs` under /tests, the helpers,
/// busybox and the test data.
fn linux_files(files: &[ArchiveFile], programs: &[String]) -> Result<Vec<ArchiveFile>> {
    let mut wanted: Vec<String> = programs
        .iter()
        .map(|program| initramfs::program_path(program))
        .chain(HELPERS.map(str::to_owned))
        .chain([BUSYBOX.trim_start_matches('/').to_owned()])
        .collect();
    wanted.sort();
    let mut chosen = Vec::new();
    for path in &wanted {
        match files.iter().find(|file| file.path == *path) {
            Some(file) => chosen.push(file.clone()),
            None => bail!("the kernel's initramfs has no {path}"),
        }
    }
    chosen.extend(
        files
            .iter()
            .filter(|file| file.path.starts_with(TEST_DATA))
            .cloned(),
    );
    Ok(chosen)
}

/// Every result of the Linux run as (suite, name, outcome): its test lines (first, in their
/// order), what went wrong with the boot as a whole (suite `boot`), and the comparison with the
/// kernel's names (`None`: check only that every one of `programs` reported tests).
fn evaluate(
    transcript: &Transcript,
    ending: Ending,
    kernel_names: Option<&BTreeSet<String>>,
    programs: &[String],
) -> Vec<(String, String, Outcome)> {
    let mut results: Vec<(String, String, Outcome)> = transcript
        .tests
        .iter()
        .map(|test| {
            (
                test.suite.clone(),
                test.name.clone(),
                linux_outcome(&test.path(), &test.outcome),
            )
        })
        .collect();
    for (check, reason) in boot_failures(transcript, ending, programs.len()) {
        results.push((
            BOOT_SUITE.to_owned(),
            check.to_owned(),
            Outcome::Failed(reason),
        ));
    }
    let comparison = match kernel_names {
        Some(names) => compare_names(transcript, names, programs),
        None => check_completeness(transcript, programs),
    };
    results.push((
        COMPARE_SUITE.to_owned(),
        COMPARE_TEST.to_owned(),
        comparison.map_or_else(Outcome::Failed, |()| Outcome::Passed),
    ));
    results
}

/// A test line's outcome as recorded: every test must pass under Linux, so a skipped one fails,
/// unless the test is a documented difference, whose failure is recorded as skipped.
fn linux_outcome(path: &str, outcome: &Outcome) -> Outcome {
    if *outcome == Outcome::Passed {
        return Outcome::Passed;
    }
    if let Some(difference) = DOCUMENTED_DIFFERENCES
        .iter()
        .find(|difference| difference.test == path)
    {
        return Outcome::Skipped(format!(
            "documented difference: {}; under Linux: {outcome}",
            difference.reason
        ));
    }
    match outcome {
        Outcome::Skipped(reason) => Outcome::Failed(format!(
            "skipped under Linux ({reason}), where every test must pass"
        )),
        other => other.clone(),
    }
}

/// What went wrong with the boot as a whole, as (check, reason).
fn boot_failures(
    transcript: &Transcript,
    ending: Ending,
    program_count: usize,
) -> Vec<(&'static str, String)> {
    let mut failures = Vec::new();
    let last_line = || {
        transcript
            .last_line()
            .map(|line| format!("; the console ends `{line}`"))
            .unwrap_or_default()
    };
    match ending {
        // /init powers off; a panic reboots, which -no-reboot also turns into status 0.
        Ending::Exited(0) => {}
        Ending::TimedOut(after) => failures.push((
            "timeout",
            format!(
                "Linux did not power off within {} s{}{}",
                after.as_secs(),
                transcript
                    .unfinished_test()
                    .map(|test| format!(", in test {test}"))
                    .unwrap_or_default(),
                last_line()
            ),
        )),
        Ending::Exited(_) | Ending::Signalled(_) => {
            failures.push(("exit-status", format!("QEMU {ending}{}", last_line())));
        }
    }
    let timed_out = matches!(ending, Ending::TimedOut(_));
    if let Some(test) = transcript.unfinished_test()
        && !timed_out
    {
        failures.push((
            "unfinished-test",
            format!("QEMU {ending} before test {test} printed its verdict"),
        ));
    }
    match transcript.program_counts {
        None if !timed_out => failures.push((
            "user-space",
            format!(
                "/init never printed `init: N of M test programs passed`{}",
                last_line()
            ),
        )),
        Some(counts) if counts.total != program_count => failures.push((
            "programs",
            format!(
                "/init ran {} test programs, expected {program_count}",
                counts.total
            ),
        )),
        _ => {}
    }
    for report in &transcript.unexplained_init_reports {
        failures.push((
            "user-space",
            format!("/init reported `{report}`, but no test line before it says FAILED"),
        ));
    }
    for line in &transcript.malformed {
        failures.push(("protocol", format!("malformed protocol line `{line}`")));
    }
    failures
}

/// The same tests under Linux as under the kernel: the names on one side only, documented
/// differences aside.
fn compare_names(
    transcript: &Transcript,
    kernel_names: &BTreeSet<String>,
    programs: &[String],
) -> std::result::Result<(), String> {
    if kernel_names.is_empty() {
        return Err(format!(
            "{KERNEL_CONFIGURATION} reported no test of these programs (it did not get to \
             them): nothing to compare with"
        ));
    }
    let undocumented = |name: &&String| {
        !DOCUMENTED_DIFFERENCES
            .iter()
            .any(|difference| difference.test == name.as_str())
    };
    let linux_names = linux_suite_names(&transcript.tests, programs);
    let only_kernel: Vec<&String> = kernel_names
        .difference(&linux_names)
        .filter(undocumented)
        .collect();
    let only_linux: Vec<&String> = linux_names
        .difference(kernel_names)
        .filter(undocumented)
        .collect();
    let list = |names: &[&String]| {
        names
            .iter()
            .map(|name| name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut differences = Vec::new();
    if !only_kernel.is_empty() {
        differences.push(format!(
            "only under {KERNEL_CONFIGURATION}: {}",
            list(&only_kernel)
        ));
    }
    if !only_linux.is_empty() {
        differences.push(format!("only under Linux: {}", list(&only_linux)));
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(differences.join("; "))
    }
}

/// Without the kernel's run to compare with: every program reported tests, and every program
/// that failed has a FAILED line saying why (the boot checks also want /init's closing line).
fn check_completeness(
    transcript: &Transcript,
    programs: &[String],
) -> std::result::Result<(), String> {
    let silent: Vec<&str> = programs
        .iter()
        .filter(|program| {
            let suite = suite_of(program);
            !transcript.tests.iter().any(|test| test.suite == suite)
        })
        .map(String::as_str)
        .collect();
    let mut problems = Vec::new();
    if !silent.is_empty() {
        problems.push(format!("no test line from {}", silent.join(", ")));
    }
    if !transcript.unexplained_init_reports.is_empty() {
        problems.push(format!(
            "programs failed outside their tests: {}",
            transcript.unexplained_init_reports.join("; ")
        ));
    }
    if transcript.program_counts.is_none() {
        problems.push("/init did not finish".to_owned());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn show_log_tail(log: &Path, transcript: &Transcript) {
    println!(
        "[{CONFIGURATION}] log: {}; it ends:",
        workspace::relative(log)
    );
    let tail = transcript.lines.len().saturating_sub(LOG_TAIL_LINES);
    for line in &transcript.lines[tail..] {
        println!("[{CONFIGURATION}] | {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transcript(lines: &[&str]) -> Transcript {
        let symbolizer = Symbolizer::new(Vec::new());
        let mut transcript = Transcript::default();
        for line in lines {
            transcript.record(line, &symbolizer);
        }
        transcript
    }

    fn names(paths: &[&str]) -> BTreeSet<String> {
        paths.iter().map(|path| (*path).to_owned()).collect()
    }

    fn two_programs() -> Vec<String> {
        vec!["test-glibc-pie".to_owned(), "test-signals".to_owned()]
    }

    fn failed(results: &[(String, String, Outcome)]) -> Vec<(&str, &str)> {
        results
            .iter()
            .filter(|(_, _, outcome)| matches!(outcome, Outcome::Failed(_)))
            .map(|(suite, name, _)| (suite.as_str(), name.as_str()))
            .collect()
    }

    const GOOD_RUN: &[&str] = &[
        "Booting Linux on physical CPU 0x0000000000 [0x414fd0b0]",
        "test glibc_pie::malloc ... ok",
        "test signals::handler ... ok",
        "init: 2 of 2 test programs passed",
        "reboot: Power down",
    ];

    #[test]
    fn the_linux_programs_are_the_c_rust_and_busybox_test_programs() {
        assert_eq!(
            programs(),
            [
                "test-busybox",
                "test-fb",
                "test-glibc",
                "test-glibc-pie",
                "test-mmap",
                "test-mqueue",
                "test-proc",
                "test-rust-std",
                "test-signals",
                "test-sockets",
                "test-system",
                "test-threads",
                "test-tmpfs"
            ]
        );
        let suites: Vec<String> = programs().iter().map(|p| suite_of(p)).collect();
        assert!(suites.contains(&"glibc_pie".to_owned()), "{suites:?}");
        assert!(suites.contains(&"rust_std".to_owned()), "{suites:?}");
    }

    #[test]
    fn the_init_script_runs_under_busybox_and_says_what_it_is() {
        let script = workspace::root()
            .join("user")
            .join("linux")
            .join(INIT_SCRIPT);
        let text = fs::read_to_string(script).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(format!("#!{BUSYBOX} sh").as_str()));
        assert!(lines.next().unwrap().starts_with("# /init of"));
        assert!(text.contains("poweroff -f"), "{text}");
    }

    #[test]
    fn takes_the_programs_helpers_busybox_and_test_data_from_the_kernel_s_initramfs() {
        let file = |path: &str| ArchiveFile {
            path: path.to_owned(),
            executable: true,
            data: Vec::new(),
        };
        let files = [
            file("bin/init"),
            file("bin/bss-only"),
            file("bin/echo-args"),
            file("bin/busybox"),
            file("tests/test-glibc-pie"),
            file("tests/test-memory"),
            file("tests/test-signals"),
            file("testdata/not-an-elf"),
            file("corpus/empty"),
        ];
        let chosen: Vec<String> = linux_files(&files, &two_programs())
            .unwrap()
            .into_iter()
            .map(|file| file.path)
            .collect();
        assert_eq!(
            chosen,
            [
                "bin/bss-only",
                "bin/busybox",
                "bin/echo-args",
                "tests/test-glibc-pie",
                "tests/test-signals",
                "testdata/not-an-elf"
            ]
        );
        let error = linux_files(&files[1..], &["test-threads".to_owned()]).unwrap_err();
        assert!(error.to_string().contains("tests/test-threads"), "{error}");
    }

    #[test]
    fn the_filter_selects_the_configuration_its_suites_or_its_tests() {
        let programs = two_programs();
        let select = |filter| selection(Scope::default(), filter, None, &programs);
        assert_eq!(select(None), Some(Selection::Everything));
        assert_eq!(select(Some("linux")), Some(Selection::Everything));
        assert_eq!(select(Some("linux/virt")), Some(Selection::Everything));
        for pattern in ["signals", "glibc_pie::", "signals::handler", "compare"] {
            assert_eq!(
                select(Some(pattern)),
                Some(Selection::Matching(pattern)),
                "{pattern}"
            );
        }
        assert_eq!(select(Some("uaccess")), None);
        assert_eq!(select(Some("handler")), None);
        // The kernel's names tell which tests a pattern matches.
        let kernel = names(&["signals::handler", "memory::cow"]);
        assert_eq!(
            selection(Scope::default(), Some("handler"), Some(&kernel), &programs),
            Some(Selection::Matching("handler"))
        );
        let scope = |board, cpu, quick| Scope { board, cpu, quick };
        assert_eq!(
            selection(scope(Some(Board::Rpi3), None, false), None, None, &programs),
            None
        );
        assert_eq!(
            selection(
                scope(Some(Board::Virt), Some(Cpu::Max), false),
                None,
                None,
                &programs
            ),
            None
        );
        assert_eq!(
            selection(scope(None, None, true), None, None, &programs),
            None
        );
        assert_eq!(
            selection(
                scope(Some(Board::Virt), Some(Cpu::CortexA76), false),
                Some("linux"),
                None,
                &programs
            ),
            Some(Selection::Everything)
        );
    }

    #[test]
    fn a_run_with_the_kernel_s_names_passes() {
        let kernel = names(&["glibc_pie::malloc", "signals::handler"]);
        let results = evaluate(
            &transcript(GOOD_RUN),
            Ending::Exited(0),
            Some(&kernel),
            &two_programs(),
        );
        assert_eq!(failed(&results), []);
        assert_eq!(results.len(), 3);
        assert_eq!(
            results.last().unwrap(),
            &(
                "compare".to_owned(),
                "same_tests_as_the_kernel".to_owned(),
                Outcome::Passed
            )
        );
    }

    #[test]
    fn names_on_one_side_only_fail_the_comparison() {
        let kernel = names(&["glibc_pie::malloc", "signals::mask"]);
        let results = evaluate(
            &transcript(GOOD_RUN),
            Ending::Exited(0),
            Some(&kernel),
            &two_programs(),
        );
        let (_, _, outcome) = results.last().unwrap();
        assert_eq!(
            outcome,
            &Outcome::Failed(
                "only under virt/cortex-a76: signals::mask; only under Linux: signals::handler"
                    .to_owned()
            )
        );
        let nothing = evaluate(
            &transcript(GOOD_RUN),
            Ending::Exited(0),
            Some(&BTreeSet::new()),
            &two_programs(),
        );
        let (_, _, outcome) = nothing.last().unwrap();
        assert!(
            matches!(outcome, Outcome::Failed(reason) if reason.contains("nothing to compare")),
            "{outcome}"
        );
    }

    #[test]
    fn without_the_kernel_s_run_every_program_must_report_tests() {
        let complete = evaluate(
            &transcript(GOOD_RUN),
            Ending::Exited(0),
            None,
            &two_programs(),
        );
        assert_eq!(failed(&complete), []);
        let silent = transcript(&[
            "test glibc_pie::malloc ... ok",
            "init: /tests/test-signals ended with status 139",
            "init: 1 of 2 test programs passed",
        ]);
        let results = evaluate(&silent, Ending::Exited(0), None, &two_programs());
        assert_eq!(
            failed(&results),
            [
                ("boot", "user-space"),
                ("compare", "same_tests_as_the_kernel")
            ]
        );
        let (_, _, outcome) = results.last().unwrap();
        assert!(
            matches!(outcome, Outcome::Failed(reason) if reason.contains("no test line from test-signals")),
            "{outcome}"
        );
    }

    #[test]
    fn failed_and_skipped_tests_fail_under_linux() {
        let run = transcript(&[
            "test glibc_pie::malloc ... FAILED (ENOSYS)",
            "test signals::handler ... skipped (no reason)",
            "init: /tests/test-glibc-pie ended with status 1",
            "init: 1 of 2 test programs passed",
        ]);
        let results = evaluate(&run, Ending::Exited(0), None, &two_programs());
        assert_eq!(
            failed(&results),
            [("glibc_pie", "malloc"), ("signals", "handler")]
        );
        assert_eq!(
            results[1].2,
            Outcome::Failed("skipped under Linux (no reason), where every test must pass".into())
        );
    }

    #[test]
    fn a_timeout_or_a_panic_is_never_a_pass() {
        let hung = transcript(&["test glibc_pie::malloc ... ok", "test signals::handler ..."]);
        let results = evaluate(
            &hung,
            Ending::TimedOut(TIMEOUT),
            Some(&names(&["glibc_pie::malloc", "signals::handler"])),
            &two_programs(),
        );
        // The test it hung in has no line: the timeout names it, the comparison misses it.
        assert_eq!(
            failed(&results),
            [("boot", "timeout"), ("compare", "same_tests_as_the_kernel")]
        );
        let reason = &results
            .iter()
            .find(|(suite, name, _)| suite == "boot" && name == "timeout")
            .unwrap()
            .2;
        assert!(
            matches!(reason, Outcome::Failed(text)
                if text.contains("300 s, in test signals::handler")),
            "{reason}"
        );
        // Process 1 ending panics Linux, which reboots: QEMU exits with status 0.
        let panicked = transcript(&[
            "test glibc_pie::malloc ... ok",
            "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100",
        ]);
        let results = evaluate(&panicked, Ending::Exited(0), None, &two_programs());
        assert_eq!(
            failed(&results),
            [
                ("boot", "user-space"),
                ("compare", "same_tests_as_the_kernel")
            ]
        );
    }

    #[test]
    fn init_must_run_every_program() {
        let short = transcript(&[
            "test glibc_pie::malloc ... ok",
            "test signals::handler ... ok",
            "init: 1 of 1 test programs passed",
        ]);
        let results = evaluate(&short, Ending::Exited(0), None, &two_programs());
        assert_eq!(failed(&results), [("boot", "programs")]);
    }

    #[test]
    fn only_the_linux_programs_suites_are_compared() {
        let tests = [
            TestLine::at("memory::cow", Outcome::Passed).unwrap(),
            TestLine::at("glibc_pie::malloc", Outcome::Passed).unwrap(),
            TestLine::at("glibc::malloc", Outcome::Passed).unwrap(),
        ];
        assert_eq!(
            linux_suite_names(&tests, &two_programs()),
            names(&["glibc_pie::malloc"])
        );
    }

    #[test]
    fn documented_differences_name_real_suites_and_say_why() {
        let suites: Vec<String> = programs().iter().map(|p| suite_of(p)).collect();
        for difference in DOCUMENTED_DIFFERENCES {
            let (suite, _) = difference.test.split_once("::").unwrap();
            assert!(
                suites.iter().any(|known| known == suite),
                "{}",
                difference.test
            );
            assert!(!difference.reason.is_empty());
        }
    }
}
