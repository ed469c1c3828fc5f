//! The console of one kernel boot: the symbolized log and the protocol lines found in it.

use crate::protocol::{self, Banner, ConsoleLine, FAULT_SCENARIO_PREFIX, FaultScenario, TestLine};
use crate::summary::Counts;
use crate::symbolize::Symbolizer;

#[derive(Default)]
pub struct Transcript {
    /// Every line, backtrace frames with their symbol appended.
    pub lines: Vec<String>,
    /// The boot banner, once the kernel printed it.
    pub banner: Option<Banner>,
    pub tests: Vec<TestLine>,
    pub fault_scenarios: Vec<FaultScenario>,
    /// The kernel's own count, from its `ktest:` totals line.
    pub totals: Option<Counts>,
    /// Why the fault scenario run does not apply, if the kernel said so.
    pub skipped_because: Option<String>,
    /// The symbols of all backtrace frames that have one.
    pub frame_symbols: Vec<String>,
    pub malformed: Vec<String>,
}

impl Transcript {
    /// Records one console line. Returns it as logged when it belongs to the protocol, for
    /// echoing.
    pub fn record(&mut self, line: &str, symbolizer: &Symbolizer) -> Option<&str> {
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
        let is_protocol = parsed != ConsoleLine::Other;
        match parsed {
            ConsoleLine::Banner(banner) => self.banner = Some(banner),
            ConsoleLine::Test(test) => self.tests.push(test),
            ConsoleLine::FaultScenario(scenario) => self.fault_scenarios.push(scenario),
            ConsoleLine::ScenarioSkipped(reason) => self.skipped_because = Some(reason),
            ConsoleLine::Totals(totals) => self.totals = Some(totals),
            ConsoleLine::Malformed => self.malformed.push(line.to_owned()),
            ConsoleLine::UnfinishedTest(_)
            | ConsoleLine::Oops
            | ConsoleLine::Frame(_)
            | ConsoleLine::Other => {}
        }
        if is_protocol {
            self.lines.last().map(String::as_str)
        } else {
            None
        }
    }

    /// The results of the test lines, counted.
    pub fn counted(&self) -> Counts {
        let mut counts = Counts::default();
        for test in &self.tests {
            counts.count(&test.outcome);
        }
        counts
    }

    /// The test the console stopped in: its last line names a test but no verdict.
    pub fn unfinished_test(&self) -> Option<String> {
        match protocol::parse_line(self.last_line()?) {
            ConsoleLine::UnfinishedTest(path) => Some(path),
            _ => None,
        }
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
            transcript.counted(),
            Counts {
                passed: 1,
                failed: 1,
                skipped: 1
            }
        );
        assert_eq!(transcript.totals, Some(transcript.counted()));
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

    #[test]
    fn echoes_only_protocol_lines() {
        let symbolizer = symbolizer();
        let mut transcript = Transcript::default();
        assert_eq!(transcript.record("hello", &symbolizer), None);
        assert_eq!(
            transcript.record("test a::b ... ok", &symbolizer),
            Some("test a::b ... ok")
        );
        assert_eq!(
            transcript.record("test a::c ...", &symbolizer),
            Some("test a::c ...")
        );
        assert_eq!(
            transcript.record("  #0 0xffff000000081000", &symbolizer),
            Some("  #0 0xffff000000081000 kernel::pan::kernel_reads_user+0x0")
        );
    }

    #[test]
    fn names_the_test_the_console_stopped_in() {
        let hung = transcript(&["test mm::map ... ok", "test mm::unmap ..."]);
        assert_eq!(hung.unfinished_test().as_deref(), Some("mm::unmap"));
        let finished = transcript(&["test mm::unmap ...", "test mm::unmap ... ok"]);
        assert_eq!(finished.unfinished_test(), None);
        assert_eq!(transcript(&[]).unfinished_test(), None);
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
