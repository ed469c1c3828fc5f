//! Whether a kernel boot passed: the checks on a test run (the kernel's tests, then the user test
//! programs) and on a fault-scenario run.

use crate::banner_check::{ExpectedWord, banner_mismatches};
use crate::capture::Ending;
use crate::protocol::{self, FaultScenario};
use crate::summary::Outcome;
use crate::transcript::Transcript;

/// Exit statuses the kernel gives QEMU through semihosting.
pub const EXIT_ALL_PASSED: i32 = 0;
pub const EXIT_SOME_FAILED: i32 = 1;
pub const EXIT_OOPS: i32 = 3;
/// The fault scenario does not apply to this configuration.
pub const EXIT_SKIPPED: i32 = 4;

/// The minimum the kernel must list in an unfiltered run, not all it may list: the W^X and PAN/PXN
/// violations the kernel exists to catch, so a run that lost them cannot pass.
pub const REQUIRED_FAULT_SCENARIOS: &[&str] = &[
    "wx::write_kernel_text",
    "wx::execute_kernel_data",
    "pan::kernel_reads_user_memory",
    "pan::kernel_writes_user_memory",
    "pan::kernel_executes_user_memory",
];

/// A failed check on a whole test run, reported as test `boot::<check>`.
#[derive(Debug, PartialEq, Eq)]
pub struct BootFailure {
    pub check: &'static str,
    pub reason: String,
}

/// What is wrong with a test run beyond its FAILED test lines, for a configuration whose banner
/// must have the words `expected_banner`.
pub fn test_run_failures(
    transcript: &Transcript,
    ending: Ending,
    filter: Option<&str>,
    expected_banner: &[ExpectedWord],
) -> Vec<BootFailure> {
    let mut failures = Vec::new();
    let mut fail = |check, reason: String| failures.push(BootFailure { check, reason });
    match &transcript.banner {
        None => fail(
            "banner",
            "no `boot:` banner: the kernel did not boot".to_owned(),
        ),
        Some(banner) => {
            let mismatches = banner_mismatches(banner, expected_banner);
            if !mismatches.is_empty() {
                fail(
                    "banner",
                    format!("the banner has {}", mismatches.join("; ")),
                );
            }
            // A filter may match nothing; a whole run without a test has lost its test registry.
            if filter.is_none()
                && transcript.kernel_tests().is_empty()
                && transcript.fault_scenarios.is_empty()
            {
                fail("no-tests", "the kernel booted but ran no test".to_owned());
            }
        }
    }
    // The listing comes just before the totals: a run that never got there has failed already.
    if filter.is_none() && transcript.totals.is_some() {
        let missing = unlisted_required_scenarios(transcript);
        if !missing.is_empty() {
            fail(
                "fault-scenarios",
                format!("the kernel did not list {}", missing.join(", ")),
            );
        }
    }
    // Other endings are failures of their own, which say more.
    let ended_normally = matches!(ending, Ending::Exited(EXIT_ALL_PASSED | EXIT_SOME_FAILED));
    for failure in user_space_failures(transcript, ended_normally) {
        fail(failure.check, failure.reason);
    }
    if let Some(test) = transcript.unfinished_test()
        && ended_normally
    {
        fail(
            "unfinished-test",
            format!("QEMU {ending} before test {test} printed its verdict"),
        );
    }
    let failures_explained =
        protocol::any_failed(&transcript.tests) || !transcript.unexplained_init_reports.is_empty();
    match ending {
        Ending::Exited(EXIT_ALL_PASSED) if transcript.totals.is_none() => fail(
            "totals",
            "the kernel exited with status 0 without printing its `ktest:` totals".to_owned(),
        ),
        Ending::Exited(EXIT_SOME_FAILED) if !failures_explained => fail(
            "exit-status",
            format!(
                "QEMU exited with status 1 (tests failed) but no test line says FAILED{}",
                last_line_note(transcript)
            ),
        ),
        Ending::Exited(EXIT_ALL_PASSED | EXIT_SOME_FAILED) => {}
        Ending::Exited(EXIT_OOPS) => fail(
            "oops",
            format!(
                "the kernel oopsed outside a fault scenario{}",
                last_line_note(transcript)
            ),
        ),
        Ending::TimedOut(_) => fail("timeout", unexpected_ending(ending, transcript)),
        Ending::Exited(_) | Ending::Signalled(_) => {
            fail("exit-status", unexpected_ending(ending, transcript));
        }
    }
    if let Some(totals) = transcript.totals
        && totals != transcript.kernel_tests_counted()
    {
        fail(
            "totals",
            format!(
                "the kernel counted {totals}, but its test lines say {}",
                transcript.kernel_tests_counted()
            ),
        );
    }
    for line in &transcript.malformed {
        fail("protocol", format!("malformed protocol line `{line}`"));
    }
    failures
}

/// What is wrong with the part of a test run after the kernel's tests, where init runs the test
/// programs: its reports of failures no test line explains, or its silence.
fn user_space_failures(transcript: &Transcript, ended_normally: bool) -> Vec<BootFailure> {
    let mut failures: Vec<BootFailure> = transcript
        .unexplained_init_reports
        .iter()
        .map(|report| BootFailure {
            check: "user-space",
            reason: format!("init reported `{report}`, but no test line before it says FAILED"),
        })
        .collect();
    // The kernel goes on to init only when all its own tests passed.
    let kernel_tests_passed = transcript.totals.is_some_and(|totals| totals.failed == 0);
    if kernel_tests_passed && ended_normally && transcript.program_counts.is_none() {
        failures.push(BootFailure {
            check: "user-space",
            reason: format!(
                "the kernel's tests passed, but init never printed `init: N of M test programs \
                 passed`{}",
                last_line_note(transcript)
            ),
        });
    }
    failures
}

fn unlisted_required_scenarios(transcript: &Transcript) -> Vec<&'static str> {
    let listed: Vec<String> = transcript
        .fault_scenarios
        .iter()
        .map(FaultScenario::path)
        .collect();
    REQUIRED_FAULT_SCENARIOS
        .iter()
        .copied()
        .filter(|required| !listed.iter().any(|path| path == required))
        .collect()
}

/// The result of a fault-scenario run. It passes when it oopses with the expected message and a
/// backtrace through the scenario's function, and is skipped only when the kernel both said why
/// and exited with the status that means so.
pub fn fault_scenario_outcome(
    scenario: &FaultScenario,
    transcript: &Transcript,
    ending: Ending,
) -> Outcome {
    if ending == Ending::Exited(EXIT_SKIPPED) {
        return match &transcript.skipped_because {
            Some(reason) => Outcome::Skipped(reason.clone()),
            None => Outcome::Failed(format!(
                "the kernel exited with status {EXIT_SKIPPED} (scenario skipped) without a \
                 `ktest: skipped (<reason>)` line{}",
                last_line_note(transcript)
            )),
        };
    }
    let mut failures = Vec::new();
    if ending != Ending::Exited(EXIT_OOPS) {
        failures.push(format!(
            "expected an oops (exit status {EXIT_OOPS}), but {}",
            unexpected_ending(ending, transcript)
        ));
    }
    if !transcript.mentions(&scenario.expect) {
        failures.push(format!("the console never shows \"{}\"", scenario.expect));
    }
    let function = scenario.function_name();
    if !transcript
        .frame_symbols
        .iter()
        .any(|symbol| symbol.contains(function))
    {
        failures.push(format!(
            "no backtrace frame is in a function named like `{function}`"
        ));
    }
    if failures.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed(failures.join("; "))
    }
}

/// How QEMU ended, and where the console stopped: in which test, for a hang in one.
fn unexpected_ending(ending: Ending, transcript: &Transcript) -> String {
    match transcript.unfinished_test() {
        Some(test) if matches!(ending, Ending::TimedOut(_)) => {
            format!("QEMU {ending}: hung in test {test}")
        }
        _ => format!("QEMU {ending}{}", last_line_note(transcript)),
    }
}

/// Where the console stopped, so a hang or crash shows what came last.
fn last_line_note(transcript: &Transcript) -> String {
    match transcript.last_line() {
        Some(line) => format!("; last console line: `{line}`"),
        None => "; the console stayed silent".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::matrix::MATRIX;
    use crate::protocol::FAULT_SCENARIO_PREFIX;
    use crate::symbolize::{FunctionSymbol, Symbolizer};

    /// What the kernel prints on `virt/cortex-a76`.
    const BANNER: &str = "boot: board=virt cpu=cortex-a76 el=1 pan=hardware uao=present \
                          pan_mode=hardware asid_bits=16 kernel_va=0xffff000040080000 ram=1073741824";

    fn expected_banner(row_name: &str) -> [ExpectedWord; 6] {
        MATRIX
            .iter()
            .find(|row| row.name == row_name)
            .unwrap()
            .expected_banner()
    }

    fn transcript(lines: &[&str]) -> Transcript {
        let symbolizer = Symbolizer::new(vec![FunctionSymbol {
            start: 0x1000,
            size: 0x100,
            name: "kernel::ktest::pan::kernel_reads_user".to_owned(),
        }]);
        let mut transcript = Transcript::default();
        for line in lines {
            transcript.record(line, &symbolizer);
        }
        transcript
    }

    /// init's closing line when every test program passed.
    const USER_SPACE_PASSED: &str = "init: 7 of 7 test programs passed";

    /// `lines`, then the kernel's listing of the required fault scenarios and init's closing
    /// line, which a run whose kernel tests passed goes on to print.
    fn completed(lines: &[&str]) -> Transcript {
        let listing: Vec<String> = REQUIRED_FAULT_SCENARIOS
            .iter()
            .map(|path| format!("{FAULT_SCENARIO_PREFIX}{path} expect=\"violation\""))
            .collect();
        let mut all = lines.to_vec();
        all.extend(listing.iter().map(String::as_str));
        all.push(USER_SPACE_PASSED);
        transcript(&all)
    }

    /// The failures of an unfiltered run on `virt/cortex-a76`.
    fn failures(run: &Transcript, ending: Ending) -> Vec<BootFailure> {
        test_run_failures(run, ending, None, &expected_banner("virt/cortex-a76"))
    }

    fn checks(run: &Transcript, ending: Ending) -> Vec<&'static str> {
        failures(run, ending)
            .iter()
            .map(|failure| failure.check)
            .collect()
    }

    fn scenario() -> FaultScenario {
        FaultScenario {
            suite: "pan".to_owned(),
            name: "kernel_reads_user".to_owned(),
            expect: "PAN violation".to_owned(),
        }
    }

    #[test]
    fn runs_whose_test_lines_explain_their_status_pass() {
        let clean = completed(&[
            BANNER,
            "test mm::map ... ok",
            "ktest: 1 passed, 0 failed, 0 skipped",
        ]);
        assert_eq!(failures(&clean, Ending::Exited(0)), []);
        // A FAILED line is its own summary entry: status 1 then needs no boot entry.
        let failed = completed(&[
            BANNER,
            "test mm::map ... FAILED (x)",
            "ktest: 0 passed, 1 failed, 0 skipped",
        ]);
        assert_eq!(failures(&failed, Ending::Exited(1)), []);
    }

    #[test]
    fn unfiltered_run_without_tests_fails() {
        let run = transcript(&[BANNER, "ktest: 0 passed, 0 failed", USER_SPACE_PASSED]);
        assert_eq!(
            checks(&run, Ending::Exited(0)),
            ["no-tests", "fault-scenarios"]
        );
        let expected = expected_banner("virt/cortex-a76");
        assert_eq!(
            test_run_failures(&run, Ending::Exited(0), Some("nomatch"), &expected),
            []
        );
    }

    #[test]
    fn missing_banner_fails() {
        let run = completed(&["ktest: 0 passed, 0 failed, 0 skipped"]);
        assert_eq!(checks(&run, Ending::Exited(0)), ["banner"]);
    }

    #[test]
    fn banner_must_say_what_the_configuration_expects() {
        let run = completed(&[BANNER, "test mm::map ... ok", "ktest: 1 passed, 0 failed"]);
        let forced = expected_banner("virt/cortex-a76-forced-software-pan");
        assert_eq!(
            test_run_failures(&run, Ending::Exited(0), None, &forced),
            [BootFailure {
                check: "banner",
                reason: "the banner has pan_mode=hardware, expected forced-software".to_owned()
            }]
        );
        let rpi3 = expected_banner("rpi3/raspi3b");
        let failures = test_run_failures(&run, Ending::Exited(0), None, &rpi3);
        assert_eq!(failures.len(), 1, "{failures:?}");
        for mismatch in [
            "board=virt, expected rpi3",
            "cpu=cortex-a76, expected cortex-a53",
            "pan=hardware, expected software",
            "uao=present, expected absent",
            "pan_mode=hardware, expected software",
        ] {
            assert!(failures[0].reason.contains(mismatch), "{failures:?}");
        }
    }

    #[test]
    fn an_unfiltered_run_must_list_the_required_fault_scenarios() {
        let mut lines = vec![
            BANNER,
            "test mm::map ... ok",
            "ktest: 1 passed, 0 failed",
            USER_SPACE_PASSED,
        ];
        let listed = format!(
            "{FAULT_SCENARIO_PREFIX}{} expect=\"W^X violation\"",
            REQUIRED_FAULT_SCENARIOS[0]
        );
        lines.push(&listed);
        let run = transcript(&lines);
        let failures = failures(&run, Ending::Exited(0));
        assert_eq!(
            failures,
            [BootFailure {
                check: "fault-scenarios",
                reason: format!(
                    "the kernel did not list {}",
                    REQUIRED_FAULT_SCENARIOS[1..].join(", ")
                )
            }]
        );
        let expected = expected_banner("virt/cortex-a76");
        assert_eq!(
            test_run_failures(&run, Ending::Exited(0), Some("mm"), &expected),
            []
        );
    }

    #[test]
    fn user_test_lines_join_the_run_but_not_the_kernel_s_totals() {
        let run = completed(&[
            BANNER,
            "test mm::map ... ok",
            "ktest: 1 passed, 0 failed, 0 skipped",
            "test files::open ... ok",
            "test files::pipe ... FAILED (EPIPE)",
            "init: /tests/test-files exited with status 1",
        ]);
        assert_eq!(run.tests.len(), 3);
        assert_eq!(failures(&run, Ending::Exited(1)), []);
    }

    #[test]
    fn init_must_report_on_the_test_programs_once_the_kernel_s_tests_passed() {
        let lines = [
            BANNER,
            "test mm::map ... ok",
            "ktest: 1 passed, 0 failed",
            "kernel: cannot start /bin/init: NotFound; only the kernel is running",
        ];
        let silent = transcript(&lines);
        let failures = failures(&silent, Ending::Exited(0));
        let user_space: Vec<_> = failures
            .iter()
            .filter(|failure| failure.check == "user-space")
            .collect();
        assert_eq!(user_space.len(), 1, "{failures:?}");
        assert!(
            user_space[0].reason.ends_with(
                "last console line: `kernel: cannot start /bin/init: NotFound; only \
                            the kernel is running`"
            ),
            "{failures:?}"
        );
        // A hang is reported as one, not also as a silent user space.
        assert!(
            !checks(&silent, Ending::TimedOut(Duration::from_secs(300))).contains(&"user-space")
        );
        // The kernel does not start init when one of its own tests failed.
        let kernel_failed = transcript(&[
            BANNER,
            "test mm::map ... FAILED (x)",
            "ktest: 0 passed, 1 failed",
        ]);
        assert!(!checks(&kernel_failed, Ending::Exited(1)).contains(&"user-space"));
    }

    #[test]
    fn a_program_that_failed_outside_its_tests_fails_by_init_s_report() {
        let run = completed(&[
            BANNER,
            "test mm::map ... ok",
            "ktest: 1 passed, 0 failed",
            "test memory::brk ... ok",
            "init: /tests/test-memory was killed by signal 11",
        ]);
        assert_eq!(
            failures(&run, Ending::Exited(1)),
            [BootFailure {
                check: "user-space",
                reason: "init reported `init: /tests/test-memory was killed by signal 11`, but \
                         no test line before it says FAILED"
                    .to_owned()
            }]
        );
    }

    #[test]
    fn a_run_that_ends_while_a_test_waits_for_its_verdict_fails() {
        let run = transcript(&[
            BANNER,
            "ktest: 0 passed, 0 failed",
            "test processes::reboot ...",
            "kernel: power off (status 0)",
        ]);
        let expected = expected_banner("virt/cortex-a76");
        let failures = test_run_failures(&run, Ending::Exited(0), Some("reboot"), &expected);
        let found: Vec<_> = failures.iter().map(|failure| failure.check).collect();
        assert_eq!(found, ["user-space", "unfinished-test"]);
        assert_eq!(
            failures[1].reason,
            "QEMU exited with status 0 before test processes::reboot printed its verdict"
        );
    }

    #[test]
    fn status_1_without_failed_line_fails() {
        let run = transcript(&[BANNER, "test mm::map ... ok"]);
        assert_eq!(checks(&run, Ending::Exited(1)), ["exit-status"]);
    }

    #[test]
    fn oops_and_odd_statuses_fail_with_the_last_line() {
        let run = transcript(&[BANNER, "test mm::map ... ok", "oops: data abort"]);
        let oops = failures(&run, Ending::Exited(3));
        assert_eq!(oops.len(), 1);
        assert_eq!(oops[0].check, "oops");
        assert!(oops[0].reason.contains("`oops: data abort`"), "{oops:?}");
        assert_eq!(checks(&run, Ending::Exited(2)), ["exit-status"]);
        assert_eq!(checks(&run, Ending::Signalled(6)), ["exit-status"]);
    }

    #[test]
    fn timeout_names_the_last_line() {
        let run = transcript(&[BANNER, "test mm::map ... ok"]);
        assert_eq!(
            failures(&run, Ending::TimedOut(Duration::from_secs(120))),
            [BootFailure {
                check: "timeout",
                reason: "QEMU timed out after 120 s; last console line: `test mm::map ... ok`"
                    .to_owned()
            }]
        );
    }

    #[test]
    fn timeout_in_a_test_names_the_test() {
        let run = transcript(&[BANNER, "test mm::map ... ok", "test mm::unmap ..."]);
        assert_eq!(
            failures(&run, Ending::TimedOut(Duration::from_secs(120))),
            [BootFailure {
                check: "timeout",
                reason: "QEMU timed out after 120 s: hung in test mm::unmap".to_owned()
            }]
        );
        // Only a hang is one: an exit with a test unfinished is a crash in it.
        assert!(
            failures(&run, Ending::Exited(2))[0]
                .reason
                .ends_with("last console line: `test mm::unmap ...`")
        );
    }

    #[test]
    fn totals_must_be_printed_and_agree_with_the_test_lines() {
        let without_totals = completed(&[BANNER, "test mm::map ... ok"]);
        assert_eq!(checks(&without_totals, Ending::Exited(0)), ["totals"]);
        let disagreeing = completed(&[
            BANNER,
            "test mm::map ... ok",
            "ktest: 2 passed, 0 failed, 0 skipped",
        ]);
        let failures = failures(&disagreeing, Ending::Exited(0));
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].check, "totals");
        assert!(failures[0].reason.contains("2 passed"), "{failures:?}");
    }

    #[test]
    fn malformed_lines_fail() {
        let run = completed(&[
            BANNER,
            "test mm::map ... maybe",
            "test mm::unmap ... ok",
            "ktest: 1 passed, 0 failed, 0 skipped",
        ]);
        assert_eq!(checks(&run, Ending::Exited(0)), ["protocol"]);
    }

    #[test]
    fn fault_scenario_passes_with_oops_message_and_frame() {
        let run = transcript(&[
            BANNER,
            "oops: PAN violation at pc=0x1010",
            "  #0 0x0000000000001010",
            "  #1 0x0000000000009000",
        ]);
        assert_eq!(
            fault_scenario_outcome(&scenario(), &run, Ending::Exited(3)),
            Outcome::Passed
        );
    }

    #[test]
    fn fault_scenario_reports_each_failed_check() {
        let run = transcript(&[
            BANNER,
            r#"ktest: fault-scenario pan::kernel_reads_user expect="PAN violation""#,
            "oops: translation fault",
            "  #0 0x0000000000009000",
        ]);
        let Outcome::Failed(reason) = fault_scenario_outcome(&scenario(), &run, Ending::Exited(0))
        else {
            panic!("a run without the expected oops passed");
        };
        for failure in [
            "expected an oops (exit status 3), but QEMU exited with status 0",
            "the console never shows \"PAN violation\"",
            "no backtrace frame is in a function named like `kernel_reads_user`",
        ] {
            assert!(reason.contains(failure), "{reason}");
        }
    }

    #[test]
    fn fault_scenario_skips_with_the_kernel_s_reason() {
        let run = transcript(&[BANNER, "ktest: skipped (no FEAT_PAN: software PAN)"]);
        assert_eq!(
            fault_scenario_outcome(&scenario(), &run, Ending::Exited(EXIT_SKIPPED)),
            Outcome::Skipped("no FEAT_PAN: software PAN".to_owned())
        );
    }

    #[test]
    fn fault_scenario_skip_needs_both_the_line_and_the_status() {
        let unexplained = transcript(&[BANNER, "ktest: running fault scenario pan::x"]);
        let outcome = fault_scenario_outcome(&scenario(), &unexplained, Ending::Exited(4));
        assert!(
            matches!(&outcome, Outcome::Failed(reason) if reason.contains("without a `ktest: skipped")),
            "{outcome:?}"
        );
        let said_skipped = transcript(&[BANNER, "ktest: skipped (no FEAT_PAN)"]);
        assert!(matches!(
            fault_scenario_outcome(&scenario(), &said_skipped, Ending::Exited(0)),
            Outcome::Failed(_)
        ));
    }
}
