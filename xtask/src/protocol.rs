//! The console line protocol of the kernel and of user space: boot banner, test results, fault
//! scenarios, totals, init's reports and oops backtraces, one line at a time.

use std::fmt;

use crate::summary::{Counts, Outcome};

/// Lists a scenario the kernel expects to oops in; the runner boots it on its own.
pub const FAULT_SCENARIO_PREFIX: &str = "ktest: fault-scenario ";
/// Says why the fault scenario being run does not apply, before the kernel exits.
const SCENARIO_SKIPPED_PREFIX: &str = "ktest: skipped";
/// Starts every line init prints about the test programs it runs.
const INIT_PREFIX: &str = "init: ";

#[derive(Debug, PartialEq, Eq)]
pub enum ConsoleLine {
    /// `boot: board=... cpu=...`: the kernel got far enough to talk.
    Banner(Banner),
    Test(TestLine),
    /// `test <suite>::<name> ...` without a verdict yet: the name is printed before the test
    /// runs, so a console that ends here hung in that test.
    UnfinishedTest(String),
    /// A line that is only a verdict: the rest of an unfinished test line, which a kernel
    /// message cut in two (the kernel starts its messages on a new line).
    Verdict(Outcome),
    FaultScenario(FaultScenario),
    /// `ktest: skipped (<reason>)`: the fault scenario asked for does not apply here.
    ScenarioSkipped(String),
    /// `ktest: N passed, N failed[, N skipped]`, the kernel's own count.
    Totals(Counts),
    /// `init: N of M test programs passed`, init's closing line of a test run.
    InitTotals(ProgramCounts),
    /// Any other `init: ...` line: a test program that failed, or trouble of init's own.
    InitReport,
    /// `oops: ...`, the first line of an oops report.
    Oops,
    Frame(Frame),
    /// Looks like a protocol line but breaks its format; the runner must not guess.
    Malformed,
    Other,
}

/// The boot banner's `key=value` words, in order.
#[derive(Debug, PartialEq, Eq)]
pub struct Banner {
    fields: Vec<(String, String)>,
}

/// `test <suite>::<name> ... <verdict>`; for a host test, libtest's `test <path> ... <verdict>`
/// under its crate as the suite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestLine {
    pub suite: String,
    pub name: String,
    pub outcome: Outcome,
}

/// How many of the programs in /tests init ran and how many of those passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramCounts {
    pub passed: usize,
    pub total: usize,
}

/// `ktest: fault-scenario <suite>::<name> expect="<text>"`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultScenario {
    pub suite: String,
    pub name: String,
    pub expect: String,
}

/// `  #<n> 0x<16 lowercase hex digits>`, one backtrace frame of an oops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    pub index: u32,
    pub address: u64,
}

impl Banner {
    /// The value of `key=` in the banner, if it has that word.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }
}

impl ConsoleLine {
    /// Whether the line can only come between tests, so that a test still waiting for its
    /// verdict will never get one.
    pub fn comes_between_tests(&self) -> bool {
        matches!(
            self,
            ConsoleLine::Test(_)
                | ConsoleLine::UnfinishedTest(_)
                | ConsoleLine::Totals(_)
                | ConsoleLine::InitTotals(_)
                | ConsoleLine::InitReport
        )
    }
}

impl TestLine {
    /// The result of the test at `<suite>::<name>`; `None` for a path without a suite.
    pub fn at(path: &str, outcome: Outcome) -> Option<Self> {
        let (suite, name) = path.split_once("::")?;
        Some(TestLine {
            suite: suite.to_owned(),
            name: name.to_owned(),
            outcome,
        })
    }

    /// `<suite>::<name>`, which a test filter matches against.
    pub fn path(&self) -> String {
        format!("{}::{}", self.suite, self.name)
    }
}

impl fmt::Display for TestLine {
    /// The line as the protocol prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "test {} ... {}", self.path(), self.outcome)
    }
}

/// Whether any of `tests` failed.
pub fn any_failed(tests: &[TestLine]) -> bool {
    tests
        .iter()
        .any(|test| matches!(test.outcome, Outcome::Failed(_)))
}

impl FaultScenario {
    /// `<suite>::<name>`, as `ktest.fault=` takes it.
    pub fn path(&self) -> String {
        format!("{}::{}", self.suite, self.name)
    }

    /// The last component of the name: the function the oops backtrace must pass through.
    pub fn function_name(&self) -> &str {
        self.name.rsplit("::").next().unwrap_or(&self.name)
    }
}

impl Frame {
    /// Frame 0 is the faulting PC; the others are return addresses, which point after the call
    /// and, for a call that ends a function, past that function's last byte.
    pub fn call_site(&self) -> u64 {
        if self.index == 0 {
            self.address
        } else {
            self.address.saturating_sub(1)
        }
    }
}

/// Classifies one console line (without its line ending).
pub fn parse_line(line: &str) -> ConsoleLine {
    if let Some(words) = line.strip_prefix("boot: ") {
        ConsoleLine::Banner(parse_banner(words))
    } else if let Some(scenario) = line.strip_prefix(FAULT_SCENARIO_PREFIX) {
        parse_fault_scenario(scenario).map_or(ConsoleLine::Malformed, ConsoleLine::FaultScenario)
    } else if let Some(reason) = line.strip_prefix(SCENARIO_SKIPPED_PREFIX) {
        parse_reason(reason).map_or(ConsoleLine::Malformed, ConsoleLine::ScenarioSkipped)
    } else if let Some(totals) = line.strip_prefix("ktest: ").and_then(parse_totals) {
        ConsoleLine::Totals(totals)
    } else if let Some(report) = line.strip_prefix(INIT_PREFIX) {
        parse_program_counts(report).map_or(ConsoleLine::InitReport, ConsoleLine::InitTotals)
    } else if line.starts_with("oops:") {
        ConsoleLine::Oops
    } else if let Some((path, verdict)) = split_test_line(line) {
        parse_test(path, verdict).map_or(ConsoleLine::Malformed, ConsoleLine::Test)
    } else if let Some(path) = unfinished_test(line) {
        ConsoleLine::UnfinishedTest(path.to_owned())
    } else if let Some(outcome) = parse_verdict(line) {
        ConsoleLine::Verdict(outcome)
    } else {
        parse_frame(line).map_or(ConsoleLine::Other, ConsoleLine::Frame)
    }
}

/// Splits `test <path> ... <verdict>`, a shape the kernel shares with Rust's libtest.
pub fn split_test_line(line: &str) -> Option<(&str, &str)> {
    line.strip_prefix("test ")?.split_once(" ... ")
}

/// `test <path> ...`, the line as it stands while the test runs; its trailing blank is gone
/// because console lines arrive with their trailing blanks removed.
fn unfinished_test(line: &str) -> Option<&str> {
    line.strip_prefix("test ")?.strip_suffix(" ...")
}

fn parse_test(path: &str, verdict: &str) -> Option<TestLine> {
    TestLine::at(path, parse_verdict(verdict)?)
}

/// `ok`, `FAILED[ (<reason>)]` or `skipped[ (<reason>)]`.
fn parse_verdict(verdict: &str) -> Option<Outcome> {
    if verdict == "ok" {
        Some(Outcome::Passed)
    } else if let Some(reason) = verdict.strip_prefix("FAILED") {
        Some(Outcome::Failed(parse_reason(reason)?))
    } else {
        Some(Outcome::Skipped(parse_reason(
            verdict.strip_prefix("skipped")?,
        )?))
    }
}

/// `N of M test programs passed`
fn parse_program_counts(text: &str) -> Option<ProgramCounts> {
    let (passed, total) = text
        .strip_suffix(" test programs passed")?
        .split_once(" of ")?;
    Some(ProgramCounts {
        passed: passed.parse().ok()?,
        total: total.parse().ok()?,
    })
}

/// The ` (<reason>)` after a verdict; a bare verdict has an empty reason.
fn parse_reason(text: &str) -> Option<String> {
    if text.is_empty() {
        return Some(String::new());
    }
    text.strip_prefix(" (")?
        .strip_suffix(')')
        .map(str::to_owned)
}

/// Words without `=` carry no field, and the banner is for people too: they are passed over.
fn parse_banner(words: &str) -> Banner {
    let fields = words
        .split_whitespace()
        .filter_map(|word| word.split_once('='))
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
    Banner { fields }
}

fn parse_fault_scenario(text: &str) -> Option<FaultScenario> {
    let (path, expect) = text.split_once(" expect=\"")?;
    let (suite, name) = path.split_once("::")?;
    Some(FaultScenario {
        suite: suite.to_owned(),
        name: name.to_owned(),
        expect: expect.strip_suffix('"')?.to_owned(),
    })
}

/// `N passed, N failed`, then `, N skipped` only when something was skipped, like the runner's
/// own closing line.
fn parse_totals(text: &str) -> Option<Counts> {
    let parts: Vec<&str> = text.split(", ").collect();
    let count = |index: usize, label: &str| {
        let (number, found) = parts.get(index)?.split_once(' ')?;
        if found == label {
            number.parse().ok()
        } else {
            None
        }
    };
    let skipped = match parts.len() {
        2 => 0,
        3 => count(2, "skipped")?,
        _ => return None,
    };
    Some(Counts {
        passed: count(0, "passed")?,
        failed: count(1, "failed")?,
        skipped,
    })
}

fn parse_frame(line: &str) -> Option<Frame> {
    let (index, address) = line.trim_start().strip_prefix('#')?.split_once(' ')?;
    let hex = address.strip_prefix("0x")?;
    let is_frame_address = hex.len() == 16
        && hex
            .bytes()
            .all(|digit| matches!(digit, b'0'..=b'9' | b'a'..=b'f'));
    if !is_frame_address || !index.bytes().all(|digit| digit.is_ascii_digit()) {
        return None;
    }
    Some(Frame {
        index: index.parse().ok()?,
        address: u64::from_str_radix(hex, 16).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_line(suite: &str, name: &str, outcome: Outcome) -> ConsoleLine {
        ConsoleLine::Test(TestLine {
            suite: suite.to_owned(),
            name: name.to_owned(),
            outcome,
        })
    }

    #[test]
    fn banner() {
        let line = "boot: board=rpi3 cpu=cortex-a53 el=1 pan=software uao=absent \
                    pan_mode=forced-software asid_bits=16";
        let ConsoleLine::Banner(banner) = parse_line(line) else {
            panic!("not a banner: {line}");
        };
        assert_eq!(banner.value("pan_mode"), Some("forced-software"));
        assert_eq!(banner.value("pan"), Some("software"));
        assert_eq!(banner.value("asid_bits"), Some("16"));
        assert_eq!(banner.value("ram"), None);
        assert_eq!(parse_line("booting..."), ConsoleLine::Other);
    }

    #[test]
    fn skipped_fault_scenario() {
        assert_eq!(
            parse_line("ktest: skipped (no FEAT_PAN (software PAN))"),
            ConsoleLine::ScenarioSkipped("no FEAT_PAN (software PAN)".to_owned())
        );
        assert_eq!(
            parse_line("ktest: skipped no reason"),
            ConsoleLine::Malformed
        );
    }

    #[test]
    fn test_verdicts() {
        assert_eq!(
            parse_line("test mm::map ... ok"),
            test_line("mm", "map", Outcome::Passed)
        );
        assert_eq!(
            parse_line("test uaccess::copy_from_user ... FAILED (left 3 (bytes), want 0)"),
            test_line(
                "uaccess",
                "copy_from_user",
                Outcome::Failed("left 3 (bytes), want 0".to_owned())
            )
        );
        assert_eq!(
            parse_line("test pan::uao_scope ... skipped (no FEAT_UAO)"),
            test_line(
                "pan",
                "uao_scope",
                Outcome::Skipped("no FEAT_UAO".to_owned())
            )
        );
        assert_eq!(
            parse_line("test mm::table::walk ... FAILED"),
            test_line("mm", "table::walk", Outcome::Failed(String::new()))
        );
    }

    #[test]
    fn a_test_line_without_verdict_is_unfinished() {
        assert_eq!(
            parse_line("test mm::map ..."),
            ConsoleLine::UnfinishedTest("mm::map".to_owned())
        );
        assert_eq!(parse_line("test mm::map .."), ConsoleLine::Other);
    }

    #[test]
    fn a_line_of_just_a_verdict_completes_a_cut_test_line() {
        assert_eq!(parse_line("ok"), ConsoleLine::Verdict(Outcome::Passed));
        assert_eq!(
            parse_line("FAILED (status 139)"),
            ConsoleLine::Verdict(Outcome::Failed("status 139".to_owned()))
        );
        assert_eq!(
            parse_line("skipped (no FEAT_UAO)"),
            ConsoleLine::Verdict(Outcome::Skipped("no FEAT_UAO".to_owned()))
        );
        for line in ["okay", "ok then", "FAILED: x", "skipped because"] {
            assert_eq!(parse_line(line), ConsoleLine::Other, "{line}");
        }
    }

    #[test]
    fn init_lines() {
        assert_eq!(
            parse_line("init: 6 of 7 test programs passed"),
            ConsoleLine::InitTotals(ProgramCounts {
                passed: 6,
                total: 7
            })
        );
        for line in [
            "init: /tests/test-memory exited with status 1",
            "init: cannot list /tests: ENOENT",
            "init: x of 7 test programs passed",
        ] {
            assert_eq!(parse_line(line), ConsoleLine::InitReport, "{line}");
        }
        assert_eq!(
            parse_line("kernel: init exited (Exited(0))"),
            ConsoleLine::Other
        );
    }

    #[test]
    fn only_lines_between_tests_end_a_test_waiting_for_its_verdict() {
        for line in [
            "test mm::map ... ok",
            "test mm::map ...",
            "ktest: 1 passed, 0 failed",
            "init: 1 of 1 test programs passed",
            "init: /tests/test-x exited with status 1",
        ] {
            assert!(parse_line(line).comes_between_tests(), "{line}");
        }
        for line in [
            "segfault: pid=5 pc=0x400100 addr=0x0 (unmapped address)",
            "ok",
            "oops: data abort",
        ] {
            assert!(!parse_line(line).comes_between_tests(), "{line}");
        }
    }

    #[test]
    fn test_lines_know_their_path_and_print_as_the_protocol_does() {
        let test = TestLine::at("memory::cow::after_fork", Outcome::Passed).unwrap();
        assert_eq!(
            (test.suite.as_str(), test.name.as_str()),
            ("memory", "cow::after_fork")
        );
        assert_eq!(test.path(), "memory::cow::after_fork");
        assert_eq!(test.to_string(), "test memory::cow::after_fork ... ok");
        assert_eq!(TestLine::at("no_suite", Outcome::Passed), None);
    }

    #[test]
    fn any_failed_looks_for_a_failed_outcome() {
        let test = |outcome| TestLine {
            suite: "mm".to_owned(),
            name: "map".to_owned(),
            outcome,
        };
        let skipped = test(Outcome::Skipped(String::new()));
        assert!(!any_failed(&[test(Outcome::Passed), skipped]));
        assert!(any_failed(&[
            test(Outcome::Passed),
            test(Outcome::Failed(String::new()))
        ]));
    }

    #[test]
    fn broken_test_lines_are_malformed_not_ignored() {
        assert_eq!(parse_line("test mm::map ... okay"), ConsoleLine::Malformed);
        assert_eq!(
            parse_line("test mm::map ... FAILED: oops"),
            ConsoleLine::Malformed
        );
        assert_eq!(parse_line("test no_suite ... ok"), ConsoleLine::Malformed);
        assert_eq!(
            parse_line("test mm::map ... FAILED (unclosed"),
            ConsoleLine::Malformed
        );
    }

    #[test]
    fn fault_scenario() {
        let line = r#"ktest: fault-scenario pan::kernel_reads_user expect="PAN violation""#;
        let ConsoleLine::FaultScenario(scenario) = parse_line(line) else {
            panic!("not a fault scenario: {line}");
        };
        assert_eq!(scenario.suite, "pan");
        assert_eq!(scenario.name, "kernel_reads_user");
        assert_eq!(scenario.expect, "PAN violation");
        assert_eq!(scenario.path(), "pan::kernel_reads_user");
        assert_eq!(scenario.function_name(), "kernel_reads_user");
        assert_eq!(
            parse_line("ktest: fault-scenario pan::x expect=\"unterminated"),
            ConsoleLine::Malformed
        );
    }

    #[test]
    fn fault_scenario_function_is_the_last_path_component() {
        let scenario = FaultScenario {
            suite: "pxn".to_owned(),
            name: "user::jump".to_owned(),
            expect: String::new(),
        };
        assert_eq!(scenario.function_name(), "jump");
    }

    #[test]
    fn totals() {
        assert_eq!(
            parse_line("ktest: 12 passed, 1 failed, 2 skipped"),
            ConsoleLine::Totals(Counts {
                passed: 12,
                failed: 1,
                skipped: 2
            })
        );
        assert_eq!(
            parse_line("ktest: 12 passed, 1 failed"),
            ConsoleLine::Totals(Counts {
                passed: 12,
                failed: 1,
                skipped: 0
            })
        );
        assert_eq!(parse_line("ktest: 12 passed"), ConsoleLine::Other);
        assert_eq!(
            parse_line("ktest: 1 passed, 0 failed, 0 skipped, 2 lost"),
            ConsoleLine::Other
        );
        assert_eq!(parse_line("ktest: 1 passed, 0 skipped"), ConsoleLine::Other);
        assert_eq!(parse_line("ktest: running 14 tests"), ConsoleLine::Other);
    }

    #[test]
    fn oops_and_frames() {
        assert_eq!(
            parse_line("oops: PAN violation at pc=0xffff000000081234"),
            ConsoleLine::Oops
        );
        assert_eq!(
            parse_line("  #0 0xffff000000081234"),
            ConsoleLine::Frame(Frame {
                index: 0,
                address: 0xffff_0000_0008_1234
            })
        );
        assert_eq!(
            parse_line("  #12 0x00000000400812a0"),
            ConsoleLine::Frame(Frame {
                index: 12,
                address: 0x4008_12a0
            })
        );
    }

    #[test]
    fn near_miss_frames_are_other_lines() {
        for line in [
            "  #1 0xffff00000008123",
            "  #1 0xFFFF000000081234",
            "  #x 0xffff000000081234",
            "  #1 ffff000000081234",
            "  #1 0xffff000000081234 extra",
            "  x1 0xffff000000081234",
        ] {
            assert_eq!(parse_line(line), ConsoleLine::Other, "{line}");
        }
    }

    #[test]
    fn return_addresses_are_looked_up_one_byte_earlier() {
        let pc = Frame {
            index: 0,
            address: 0x1000,
        };
        let return_address = Frame {
            index: 1,
            address: 0x1000,
        };
        assert_eq!(pc.call_site(), 0x1000);
        assert_eq!(return_address.call_site(), 0xfff);
    }
}
