//! Whether a kernel boot passed: the checks on a test run and on a fault-scenario run.

use crate::capture::Ending;
use crate::matrix::PanMode;
use crate::protocol::{Banner, FaultScenario};
use crate::summary::Outcome;
use crate::transcript::Transcript;

/// Exit statuses the kernel gives QEMU through semihosting.
pub const EXIT_ALL_PASSED: i32 = 0;
pub const EXIT_SOME_FAILED: i32 = 1;
pub const EXIT_OOPS: i32 = 3;
/// The fault scenario does not apply to this configuration.
pub const EXIT_SKIPPED: i32 = 4;

/// A failed check on a whole test run, reported as test `boot::<check>`.
#[derive(Debug, PartialEq, Eq)]
pub struct BootFailure {
    pub check: &'static str,
    pub reason: String,
}

/// What is wrong with a test run beyond its FAILED test lines, for a configuration that expects
/// the kernel to enforce PAN by `pan_mode`.
pub fn test_run_failures(
    transcript: &Transcript,
    ending: Ending,
    filter: Option<&str>,
    pan_mode: PanMode,
) -> Vec<BootFailure> {
    let mut failures = Vec::new();
    let mut fail = |check, reason: String| failures.push(BootFailure { check, reason });
    match &transcript.banner {
        None => fail(
            "banner",
            "no `boot:` banner: the kernel did not boot".to_owned(),
        ),
        Some(banner) => {
            if let Some(reason) = pan_mode_mismatch(banner, pan_mode) {
                fail("pan_mode", reason);
            }
            // A filter may match nothing; a whole run without a test has lost its test registry.
            if filter.is_none()
                && transcript.tests.is_empty()
                && transcript.fault_scenarios.is_empty()
            {
                fail("no-tests", "the kernel booted but ran no test".to_owned());
            }
        }
    }
    match ending {
        Ending::Exited(EXIT_ALL_PASSED) if transcript.totals.is_none() => fail(
            "totals",
            "the kernel exited with status 0 without printing its `ktest:` totals".to_owned(),
        ),
        Ending::Exited(EXIT_SOME_FAILED) if !transcript.any_test_failed() => fail(
            "exit-status",
            "the kernel exited with status 1 (tests failed) but no test line says FAILED"
                .to_owned(),
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
        && totals != transcript.counted()
    {
        fail(
            "totals",
            format!(
                "the kernel counted {totals}, but its test lines say {}",
                transcript.counted()
            ),
        );
    }
    for line in &transcript.malformed {
        fail("protocol", format!("malformed protocol line `{line}`"));
    }
    failures
}

/// Why the banner's `pan_mode=` is not `expected`, if it is not.
fn pan_mode_mismatch(banner: &Banner, expected: PanMode) -> Option<String> {
    match banner.value("pan_mode") {
        Some(found) if found == expected.name() => None,
        Some(found) => Some(format!(
            "the banner says pan_mode={found}, but this configuration expects {}",
            expected.name()
        )),
        None => Some(format!(
            "the banner has no pan_mode=, but this configuration expects {}",
            expected.name()
        )),
    }
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

fn unexpected_ending(ending: Ending, transcript: &Transcript) -> String {
    format!("QEMU {ending}{}", last_line_note(transcript))
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
    use crate::symbolize::{FunctionSymbol, Symbolizer};

    const BANNER: &str = "boot: board=virt cpu=cortex-a76 pan=hardware pan_mode=hardware";

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

    fn checks(failures: &[BootFailure]) -> Vec<&str> {
        failures.iter().map(|failure| failure.check).collect()
    }

    fn scenario() -> FaultScenario {
        FaultScenario {
            suite: "pan".to_owned(),
            name: "kernel_reads_user".to_owned(),
            expect: "PAN violation".to_owned(),
        }
    }

    #[test]
    fn clean_run_passes() {
        let run = transcript(&[
            BANNER,
            "test mm::map ... ok",
            "ktest: 1 passed, 0 failed, 0 skipped",
        ]);
        assert_eq!(
            test_run_failures(&run, Ending::Exited(0), None, PanMode::Hardware),
            []
        );
    }

    #[test]
    fn failed_tests_with_status_1_need_no_extra_entry() {
        let run = transcript(&[
            BANNER,
            "test mm::map ... FAILED (x)",
            "ktest: 0 passed, 1 failed, 0 skipped",
        ]);
        assert_eq!(
            test_run_failures(&run, Ending::Exited(1), None, PanMode::Hardware),
            []
        );
    }

    #[test]
    fn unfiltered_run_without_tests_fails() {
        let run = transcript(&[BANNER, "ktest: 0 passed, 0 failed"]);
        assert_eq!(
            checks(&test_run_failures(
                &run,
                Ending::Exited(0),
                None,
                PanMode::Hardware
            )),
            ["no-tests"]
        );
        assert_eq!(
            test_run_failures(&run, Ending::Exited(0), Some("nomatch"), PanMode::Hardware),
            []
        );
    }

    #[test]
    fn missing_banner_fails() {
        let run = transcript(&["ktest: 0 passed, 0 failed, 0 skipped"]);
        assert_eq!(
            checks(&test_run_failures(
                &run,
                Ending::Exited(0),
                None,
                PanMode::Hardware
            )),
            ["banner"]
        );
    }

    #[test]
    fn pan_mode_must_be_the_configuration_s() {
        let run = transcript(&[BANNER, "test mm::map ... ok", "ktest: 1 passed, 0 failed"]);
        let failures = test_run_failures(&run, Ending::Exited(0), None, PanMode::ForcedSoftware);
        assert_eq!(checks(&failures), ["pan_mode"]);
        assert!(
            failures[0].reason.contains("pan_mode=hardware")
                && failures[0].reason.contains("expects forced-software"),
            "{failures:?}"
        );
        let forced = transcript(&[
            "boot: board=virt pan=hardware pan_mode=forced-software",
            "test mm::map ... ok",
            "ktest: 1 passed, 0 failed",
        ]);
        assert_eq!(
            test_run_failures(&forced, Ending::Exited(0), None, PanMode::ForcedSoftware),
            []
        );
        let silent = transcript(&[
            "boot: board=virt pan=hardware",
            "test mm::map ... ok",
            "ktest: 1 passed, 0 failed",
        ]);
        assert_eq!(
            checks(&test_run_failures(
                &silent,
                Ending::Exited(0),
                None,
                PanMode::Hardware
            )),
            ["pan_mode"]
        );
    }

    #[test]
    fn status_1_without_failed_line_fails() {
        let run = transcript(&[BANNER, "test mm::map ... ok"]);
        assert_eq!(
            checks(&test_run_failures(
                &run,
                Ending::Exited(1),
                None,
                PanMode::Hardware
            )),
            ["exit-status"]
        );
    }

    #[test]
    fn oops_and_odd_statuses_fail_with_the_last_line() {
        let run = transcript(&[BANNER, "test mm::map ... ok", "oops: data abort"]);
        let failures = test_run_failures(&run, Ending::Exited(3), None, PanMode::Hardware);
        assert_eq!(checks(&failures), ["oops"]);
        assert!(
            failures[0].reason.contains("`oops: data abort`"),
            "{failures:?}"
        );
        assert_eq!(
            checks(&test_run_failures(
                &run,
                Ending::Exited(2),
                None,
                PanMode::Hardware
            )),
            ["exit-status"]
        );
        assert_eq!(
            checks(&test_run_failures(
                &run,
                Ending::Signalled(6),
                None,
                PanMode::Hardware
            )),
            ["exit-status"]
        );
    }

    #[test]
    fn timeout_names_the_last_line() {
        let run = transcript(&[BANNER, "test mm::map ... ok"]);
        let failures = test_run_failures(
            &run,
            Ending::TimedOut(Duration::from_secs(120)),
            None,
            PanMode::Hardware,
        );
        assert_eq!(
            failures,
            [BootFailure {
                check: "timeout",
                reason: "QEMU timed out after 120 s; last console line: `test mm::map ... ok`"
                    .to_owned()
            }]
        );
    }

    #[test]
    fn totals_must_be_printed_and_agree_with_the_test_lines() {
        let without_totals = transcript(&[BANNER, "test mm::map ... ok"]);
        assert_eq!(
            checks(&test_run_failures(
                &without_totals,
                Ending::Exited(0),
                None,
                PanMode::Hardware
            )),
            ["totals"]
        );
        let disagreeing = transcript(&[
            BANNER,
            "test mm::map ... ok",
            "ktest: 2 passed, 0 failed, 0 skipped",
        ]);
        let failures = test_run_failures(&disagreeing, Ending::Exited(0), None, PanMode::Hardware);
        assert_eq!(checks(&failures), ["totals"]);
        assert!(failures[0].reason.contains("2 passed"), "{failures:?}");
    }

    #[test]
    fn malformed_lines_fail() {
        let run = transcript(&[
            BANNER,
            "test mm::map ... maybe",
            "test mm::unmap ... ok",
            "ktest: 1 passed, 0 failed, 0 skipped",
        ]);
        assert_eq!(
            checks(&test_run_failures(
                &run,
                Ending::Exited(0),
                None,
                PanMode::Hardware
            )),
            ["protocol"]
        );
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
