//! The console of one kernel boot: the symbolized log and the protocol lines found in it, the
//! kernel's tests and then those of user space.

use crate::protocol::{
    self, Banner, ConsoleLine, FAULT_SCENARIO_PREFIX, FaultScenario, ProgramCounts, TestLine,
};
use crate::summary::{Counts, Outcome};
use crate::symbolize::Symbolizer;

#[derive(Default)]
pub struct Transcript {
    /// Every line, backtrace frames with their symbol appended.
    pub lines: Vec<String>,
    /// The boot banner, once the kernel printed it.
    pub banner: Option<Banner>,
    /// Every test result in console order: the kernel's tests, then, after its totals line,
    /// those of the user test programs.
    pub tests: Vec<TestLine>,
    pub fault_scenarios: Vec<FaultScenario>,
    /// The kernel's own count, from its `ktest:` totals line.
    pub totals: Option<Counts>,
    /// How many of `tests` came before the totals line: the kernel's, which the totals count.
    tests_before_totals: usize,
    /// init's count of the test programs, from its closing line.
    pub program_counts: Option<ProgramCounts>,
    /// `init:` lines reporting a failure that no FAILED test line explains: a program that
    /// failed outside its tests, or trouble of init's own.
    pub unexplained_init_reports: Vec<String>,
    /// Whether a test failed since the last `init:` line; test programs run one after another,
    /// so such a failure belongs to the program the next `init:` line reports.
    failed_since_init_report: bool,
    /// `<suite>::<name>` of the test whose name is printed but whose verdict has not come.
    waiting_for_verdict: Option<String>,
    /// Why the fault scenario run does not apply, if the kernel said so.
    pub skipped_because: Option<String>,
    /// The symbols of all backtrace frames that have one.
    pub frame_symbols: Vec<String>,
    pub malformed: Vec<String>,
}

/// What one console line added that a person watching the run wants to see.
#[derive(Debug, PartialEq, Eq)]
pub struct Echo<'a> {
    /// The test results the line completed: its own, after the one it left without a verdict.
    pub tests: &'a [TestLine],
    /// The line as logged, when it is a protocol line but not a test result.
    pub line: Option<&'a str>,
}

impl Transcript {
    /// Records one console line and returns what it added.
    pub fn record(&mut self, line: &str, symbolizer: &Symbolizer) -> Echo<'_> {
        let parsed = protocol::parse_line(line);
        let logged = match &parsed {
            ConsoleLine::Frame(frame) => {
                let symbol = symbolizer.frame_symbol(frame);
                let logged = format!("{line} {}", symbol.as_deref().unwrap_or("??"));
                self.frame_symbols.extend(symbol);
                logged
            }
            _ => line.to_owned(),
        };
        self.lines.push(logged);
        let tests_before = self.tests.len();
        if parsed.comes_between_tests() {
            self.give_up_waiting(line);
        }
        // Whether the line shows as it is: a test result shows once complete, as a test line,
        // and kernel messages are in the log only.
        let shows_line = match parsed {
            ConsoleLine::Banner(banner) => {
                self.banner = Some(banner);
                true
            }
            ConsoleLine::Test(test) => {
                self.push_test(test);
                false
            }
            ConsoleLine::UnfinishedTest(path) => {
                self.waiting_for_verdict = Some(path);
                false
            }
            ConsoleLine::Verdict(outcome) => {
                let waiting = self.waiting_for_verdict.take();
                match waiting.and_then(|path| TestLine::at(&path, outcome)) {
                    Some(test) => {
                        self.push_test(test);
                        false
                    }
                    None => {
                        self.malformed.push(line.to_owned());
                        true
                    }
                }
            }
            ConsoleLine::FaultScenario(scenario) => {
                self.fault_scenarios.push(scenario);
                true
            }
            ConsoleLine::ScenarioSkipped(reason) => {
                self.skipped_because = Some(reason);
                true
            }
            ConsoleLine::Totals(totals) => {
                self.totals = Some(totals);
                self.tests_before_totals = self.tests.len();
                true
            }
            ConsoleLine::InitTotals(counts) => {
                self.program_counts = Some(counts);
                true
            }
            ConsoleLine::InitReport => {
                if !self.failed_since_init_report {
                    self.unexplained_init_reports.push(line.to_owned());
                }
                self.failed_since_init_report = false;
                true
            }
            ConsoleLine::Malformed => {
                self.malformed.push(line.to_owned());
                true
            }
            ConsoleLine::Oops | ConsoleLine::Frame(_) => true,
            ConsoleLine::Other => false,
        };
        Echo {
            tests: &self.tests[tests_before..],
            line: self.lines.last().filter(|_| shows_line).map(String::as_str),
        }
    }

    fn push_test(&mut self, test: TestLine) {
        if let Outcome::Failed(_) = test.outcome {
            self.failed_since_init_report = true;
        }
        self.tests.push(test);
    }

    /// The test waiting for its verdict gets none: `next_line` came instead, so it failed.
    fn give_up_waiting(&mut self, next_line: &str) {
        if let Some(path) = self.waiting_for_verdict.take() {
            let outcome = Outcome::Failed(format!("no verdict before `{next_line}`"));
            match TestLine::at(&path, outcome) {
                Some(test) => self.push_test(test),
                None => self.malformed.push(format!("test {path} ...")),
            }
        }
    }

    /// The kernel's own tests: those before its totals line (all of them while it has none).
    pub fn kernel_tests(&self) -> &[TestLine] {
        match self.totals {
            Some(_) => &self.tests[..self.tests_before_totals],
            None => &self.tests,
        }
    }

    /// The user test programs' tests: those after the kernel's totals line (none without one:
    /// the kernel starts init only after it).
    pub fn user_tests(&self) -> &[TestLine] {
        &self.tests[self.kernel_tests().len()..]
    }

    /// The results of the kernel's test lines, counted as its totals line counts them.
    pub fn kernel_tests_counted(&self) -> Counts {
        let mut counts = Counts::default();
        for test in self.kernel_tests() {
            counts.count(&test.outcome);
        }
        counts
    }

    /// The test the console stopped in: its name was printed, its verdict never was.
    pub fn unfinished_test(&self) -> Option<&str> {
        self.waiting_for_verdict.as_deref()
    }

    /// Whether the kernel printed `text` anywhere but in a scenario listing, which quotes the
    /// text it expects and would otherwise always match.
    pub fn mentions(&self, text: &str) -> bool {
        self.lines
            .iter()
            .any(|line| !line.starts_with(FAULT_SCENARIO_PREFIX) && line.contains(text))
    }

    pub fn last_line(&self) -> Option<&str> {
        self.lines.last().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbolize::FunctionSymbol;

    fn symbolizer() -> Symbolizer {
        Symbolizer::new(vec![FunctionSymbol {
            start: 0xffff_0000_0008_1000,
            size: 0x80,
            name: "kernel::pan::kernel_reads_user".to_owned(),
        }])
    }

    fn transcript(lines: &[&str]) -> Transcript {
        let symbolizer = symbolizer();
        let mut transcript = Transcript::default();
        for line in lines {
            transcript.record(line, &symbolizer);
        }
        transcript
    }

    #[test]
    fn collects_protocol_lines() {
        let transcript = transcript(&[
            "early uart up",
            "boot: board=virt cpu=cortex-a76 pan_mode=hardware",
            "test mm::map ... ok",
            "test mm::unmap ... FAILED (still mapped)",
            "test pan::uao ... skipped (no FEAT_UAO)",
            r#"ktest: fault-scenario pan::kernel_reads_user expect="PAN violation""#,
            "ktest: 1 passed, 1 failed, 1 skipped",
        ]);
        let banner = transcript.banner.as_ref().expect("the banner was recorded");
        assert_eq!(banner.value("pan_mode"), Some("hardware"));
        assert_eq!(transcript.skipped_because, None);
        assert_eq!(transcript.tests.len(), 3);
        assert_eq!(
            transcript.kernel_tests_counted(),
            Counts {
                passed: 1,
                failed: 1,
                skipped: 1
            }
        );
        assert_eq!(transcript.totals, Some(transcript.kernel_tests_counted()));
        assert_eq!(transcript.fault_scenarios[0].expect, "PAN violation");
        assert_eq!(transcript.lines.len(), 7);
        assert!(transcript.malformed.is_empty());
    }

    #[test]
    fn frames_are_logged_with_their_symbol() {
        let transcript = transcript(&[
            "oops: PAN violation",
            "  #0 0xffff000000081010",
            "  #1 0xffff000000090000",
        ]);
        assert_eq!(
            transcript.lines[1],
            "  #0 0xffff000000081010 kernel::pan::kernel_reads_user+0x10"
        );
        assert_eq!(transcript.lines[2], "  #1 0xffff000000090000 ??");
        assert_eq!(
            transcript.frame_symbols,
            ["kernel::pan::kernel_reads_user+0x10"]
        );
    }

    /// What recording each of `lines` in turn shows: test lines and other protocol lines.
    fn echoed(lines: &[&str]) -> Vec<String> {
        let symbolizer = symbolizer();
        let mut transcript = Transcript::default();
        let mut shown = Vec::new();
        for line in lines {
            let echo = transcript.record(line, &symbolizer);
            shown.extend(echo.tests.iter().map(TestLine::to_string));
            shown.extend(echo.line.map(str::to_owned));
        }
        shown
    }

    #[test]
    fn echoes_protocol_lines_and_completed_tests_only() {
        assert_eq!(
            echoed(&[
                "hello",
                "test a::b ... ok",
                "test a::c ...",
                "segfault: pid=5 pc=0x400100 addr=0x0 (unmapped address)",
                "ok",
                "  #0 0xffff000000081000",
                "init: 1 of 1 test programs passed",
            ]),
            [
                "test a::b ... ok",
                "test a::c ... ok",
                "  #0 0xffff000000081000 kernel::pan::kernel_reads_user+0x0",
                "init: 1 of 1 test programs passed",
            ]
        );
    }

    #[test]
    fn a_verdict_cut_off_by_kernel_messages_goes_to_the_waiting_test() {
        let run = transcript(&[
            "test memory::munmap_then_access ...",
            "segfault: pid=5 pc=0x400100 addr=0x1000 (unmapped address)",
            "ok",
            "test memory::protect ...",
            "segfault: pid=6 pc=0x400200 addr=0x2000 (write to read-only memory)",
            "FAILED (status 0, want SIGSEGV)",
        ]);
        let results: Vec<String> = run.tests.iter().map(TestLine::to_string).collect();
        assert_eq!(
            results,
            [
                "test memory::munmap_then_access ... ok",
                "test memory::protect ... FAILED (status 0, want SIGSEGV)",
            ]
        );
        assert_eq!(run.unfinished_test(), None);
        assert!(run.malformed.is_empty());
    }

    #[test]
    fn a_verdict_without_a_waiting_test_is_malformed() {
        let run = transcript(&["test a::b ... ok", "ok"]);
        assert_eq!(run.malformed, ["ok"]);
        assert_eq!(run.tests.len(), 1);
    }

    #[test]
    fn a_test_that_never_gets_its_verdict_fails() {
        let run = transcript(&[
            "test memory::fork ...",
            "segfault: pid=7 pc=0x400100 addr=0x0 (unmapped address)",
            "init: /tests/test-memory was killed by signal 11",
            "test time::monotonic ... ok",
        ]);
        let results: Vec<String> = run.tests.iter().map(TestLine::to_string).collect();
        assert_eq!(
            results,
            [
                "test memory::fork ... FAILED (no verdict before `init: /tests/test-memory was \
                 killed by signal 11`)",
                "test time::monotonic ... ok",
            ]
        );
        // The failed test explains why init reported its program.
        assert_eq!(run.unexplained_init_reports, Vec::<String>::new());
    }

    #[test]
    fn names_the_test_the_console_stopped_in() {
        let hung = transcript(&["test mm::map ... ok", "test mm::unmap ..."]);
        assert_eq!(hung.unfinished_test(), Some("mm::unmap"));
        let hung_after_a_message = transcript(&["test memory::x ...", "segfault: pid=2"]);
        assert_eq!(hung_after_a_message.unfinished_test(), Some("memory::x"));
        let finished = transcript(&["test mm::unmap ...", "ok"]);
        assert_eq!(finished.unfinished_test(), None);
        assert_eq!(transcript(&[]).unfinished_test(), None);
    }

    #[test]
    fn the_totals_count_only_the_kernel_s_tests() {
        let run = transcript(&[
            "test mm::map ... ok",
            "ktest: 1 passed, 0 failed, 0 skipped",
            "test files::open ... ok",
            "test files::close ... FAILED (EBADF)",
        ]);
        assert_eq!(run.kernel_tests().len(), 1);
        assert_eq!(run.totals, Some(run.kernel_tests_counted()));
        assert_eq!(run.tests.len(), 3);
        let user: Vec<String> = run.user_tests().iter().map(TestLine::path).collect();
        assert_eq!(user, ["files::open", "files::close"]);
        let without_totals = transcript(&["test mm::map ... ok", "test mm::unmap ... ok"]);
        assert_eq!(without_totals.kernel_tests().len(), 2);
        assert!(without_totals.user_tests().is_empty());
    }

    #[test]
    fn init_reports_without_a_failed_test_before_them_are_unexplained() {
        let run = transcript(&[
            "ktest: 0 passed, 0 failed",
            "test files::open ... FAILED (ENOENT)",
            "init: /tests/test-files exited with status 1",
            "test memory::brk ... ok",
            "init: /tests/test-memory was killed by signal 11",
            "init: 0 of 2 test programs passed",
            "init: power off failed: EPERM",
        ]);
        assert_eq!(
            run.unexplained_init_reports,
            [
                "init: /tests/test-memory was killed by signal 11",
                "init: power off failed: EPERM"
            ]
        );
        assert_eq!(
            run.program_counts,
            Some(ProgramCounts {
                passed: 0,
                total: 2
            })
        );
    }

    #[test]
    fn records_why_a_scenario_was_skipped() {
        let transcript = transcript(&[
            "ktest: running fault scenario pan::kernel_reads_user, expecting an oops",
            "ktest: skipped (no FEAT_PAN)",
        ]);
        assert_eq!(transcript.skipped_because.as_deref(), Some("no FEAT_PAN"));
        assert!(transcript.banner.is_none());
    }

    #[test]
    fn a_scenario_listing_does_not_count_as_mentioning_its_text() {
        let listed = transcript(&[r#"ktest: fault-scenario pan::x expect="PAN violation""#]);
        assert!(!listed.mentions("PAN violation"));
        let oopsed = transcript(&["oops: PAN violation at 0x1000"]);
        assert!(oopsed.mentions("PAN violation"));
    }
}
