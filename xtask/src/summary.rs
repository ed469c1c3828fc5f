//! Test outcomes, their counts per configuration and suite, and the table that closes a test run.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// Everything a test run found, in the order it found it.
#[derive(Default)]
pub struct Summary {
    rows: Vec<Row>,
    failures: Vec<String>,
    /// What the table cannot show, such as configurations a quick run left out.
    notes: Vec<String>,
}

struct Row {
    configuration: String,
    suite: String,
    counts: Counts,
    not_run_reason: Option<String>,
}

impl fmt::Display for Outcome {
    /// The verdict as the line protocol writes it after `...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (verdict, reason) = match self {
            Outcome::Passed => return f.write_str("ok"),
            Outcome::Failed(reason) => ("FAILED", reason),
            Outcome::Skipped(reason) => ("skipped", reason),
        };
        if reason.is_empty() {
            f.write_str(verdict)
        } else {
            write!(f, "{verdict} ({reason})")
        }
    }
}

impl Counts {
    pub fn count(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed(_) => self.failed += 1,
            Outcome::Skipped(_) => self.skipped += 1,
        }
    }

    fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

impl fmt::Display for Counts {
    /// `N passed, N failed`, with `, N skipped` only when something was skipped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)?;
        if self.skipped > 0 {
            write!(f, ", {} skipped", self.skipped)?;
        }
        Ok(())
    }
}

impl Summary {
    pub fn record(&mut self, configuration: &str, suite: &str, name: &str, outcome: &Outcome) {
        if let Outcome::Failed(_) = outcome {
            self.failures
                .push(format!("[{configuration}] {suite}::{name} ... {outcome}"));
        }
        let existing = self.rows.iter().position(|row| {
            row.not_run_reason.is_none() && row.configuration == configuration && row.suite == suite
        });
        let index = existing.unwrap_or_else(|| {
            self.rows.push(Row {
                configuration: configuration.to_owned(),
                suite: suite.to_owned(),
                counts: Counts::default(),
                not_run_reason: None,
            });
            self.rows.len() - 1
        });
        self.rows[index].counts.count(outcome);
    }

    /// A configuration that could not run counts as one failure, so it can never pass unnoticed.
    pub fn record_not_run(&mut self, configuration: &str, reason: &str) {
        self.failures
            .push(format!("[{configuration}] NOT RUN: {reason}"));
        self.rows.push(Row {
            configuration: configuration.to_owned(),
            suite: "NOT RUN".to_owned(),
            counts: Counts {
                failed: 1,
                ..Counts::default()
            },
            not_run_reason: Some(reason.to_owned()),
        });
    }

    /// Everything `other` recorded, after what this one has, as if recorded here.
    pub fn append(&mut self, other: Summary) {
        for row in other.rows {
            let same = self.rows.iter_mut().find(|mine| {
                mine.not_run_reason.is_none()
                    && row.not_run_reason.is_none()
                    && mine.configuration == row.configuration
                    && mine.suite == row.suite
            });
            match same {
                Some(mine) => mine.counts.add(row.counts),
                None => self.rows.push(row),
            }
        }
        self.failures.extend(other.failures);
        self.notes.extend(other.notes);
    }

    /// A line for the end of the summary, just above the closing counts.
    pub fn note(&mut self, text: String) {
        self.notes.push(text);
    }

    pub fn totals(&self) -> Counts {
        let mut totals = Counts::default();
        for row in &self.rows {
            totals.add(row.counts);
        }
        totals
    }

    /// The failures, the configuration x suite table, the notes, and the closing
    /// `N passed, N failed` line.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if !self.failures.is_empty() {
            text += "failures:\n";
            for failure in &self.failures {
                text += &format!("    {failure}\n");
            }
            text += "\n";
        }
        text += &self.table();
        for note in &self.notes {
            text += &format!("\n{note}\n");
        }
        text += &format!("\n{}\n", self.totals());
        text
    }

    /// Configurations in the order they ran; suites alphabetically within each, so that
    /// configurations line up whatever order their tests registered in.
    fn ordered_rows(&self) -> Vec<&Row> {
        let first_seen = |configuration: &str| {
            self.rows
                .iter()
                .position(|row| row.configuration == configuration)
        };
        let mut rows: Vec<&Row> = self.rows.iter().collect();
        rows.sort_by_key(|row| (first_seen(&row.configuration), &row.suite));
        rows
    }

    /// Aligned columns; a configuration that did not run says why after its counts.
    fn table(&self) -> String {
        const HEADER: [&str; 5] = ["configuration", "suite", "passed", "failed", "skipped"];
        const NAME_COLUMNS: usize = 2;
        let mut lines = vec![HEADER.map(str::to_owned).to_vec()];
        lines.extend(self.ordered_rows().into_iter().map(|row| {
            let mut cells = vec![
                row.configuration.clone(),
                row.suite.clone(),
                row.counts.passed.to_string(),
                row.counts.failed.to_string(),
                row.counts.skipped.to_string(),
            ];
            cells.extend(row.not_run_reason.clone());
            cells
        }));
        let widths: Vec<usize> = (0..HEADER.len())
            .map(|column| {
                lines
                    .iter()
                    .map(|cells| cells[column].len())
                    .max()
                    .unwrap_or_default()
            })
            .collect();
        let mut table = String::new();
        for cells in &lines {
            let mut line = String::new();
            for (column, cell) in cells.iter().enumerate() {
                // Names read left to right; counts compare by their last digits.
                line += &match widths.get(column) {
                    Some(width) if column < NAME_COLUMNS => format!("{cell:<width$}  "),
                    Some(width) => format!("{cell:>width$}  "),
                    None => cell.clone(),
                };
            }
            table += line.trim_end();
            table += "\n";
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(reason: &str) -> Outcome {
        Outcome::Failed(reason.to_owned())
    }

    #[test]
    fn outcomes_print_as_protocol_verdicts() {
        assert_eq!(Outcome::Passed.to_string(), "ok");
        assert_eq!(
            failed("expected 3, got 4").to_string(),
            "FAILED (expected 3, got 4)"
        );
        assert_eq!(failed("").to_string(), "FAILED");
        assert_eq!(
            Outcome::Skipped("no FEAT_UAO".to_owned()).to_string(),
            "skipped (no FEAT_UAO)"
        );
    }

    #[test]
    fn closing_line_mentions_skipped_only_when_some_were() {
        let mut counts = Counts::default();
        counts.count(&Outcome::Passed);
        counts.count(&failed("x"));
        counts.count(&Outcome::Passed);
        assert_eq!(counts.to_string(), "2 passed, 1 failed");
        counts.count(&Outcome::Skipped(String::new()));
        assert_eq!(counts.to_string(), "2 passed, 1 failed, 1 skipped");
    }

    #[test]
    fn renders_aligned_table_failures_and_closing_line() {
        let mut summary = Summary::default();
        summary.record("host", "xtask", "image::tests::b", &Outcome::Passed);
        summary.record("host", "kernel", "mm::tests::a", &Outcome::Passed);
        summary.record(
            "host",
            "kernel",
            "mm::tests::c",
            &Outcome::Skipped(String::new()),
        );
        summary.record("virt/cortex-a76", "uaccess", "copy", &failed("short copy"));
        summary.record("virt/cortex-a76", "fault", "pan::read", &Outcome::Passed);
        for _ in 0..10 {
            summary.record("virt/cortex-a76", "uaccess", "get", &Outcome::Passed);
        }
        summary.record_not_run("rpi4/raspi4b", "QEMU 7.2.0 has no raspi4b machine");

        assert_eq!(
            summary.totals(),
            Counts {
                passed: 13,
                failed: 2,
                skipped: 1
            }
        );
        let expected = "\
failures:
    [virt/cortex-a76] uaccess::copy ... FAILED (short copy)
    [rpi4/raspi4b] NOT RUN: QEMU 7.2.0 has no raspi4b machine

configuration    suite    passed  failed  skipped
host             kernel        1       0        1
host             xtask         1       0        0
virt/cortex-a76  fault         1       0        0
virt/cortex-a76  uaccess      10       1        0
rpi4/raspi4b     NOT RUN       0       1        0  QEMU 7.2.0 has no raspi4b machine

13 passed, 2 failed, 1 skipped
";
        assert_eq!(summary.render(), expected);
    }

    #[test]
    fn an_appended_summary_reads_as_if_recorded_in_one() {
        let record = |summary: &mut Summary, configuration, outcome: &Outcome| {
            summary.record(configuration, "uaccess", "t", outcome);
        };
        let mut one = Summary::default();
        record(&mut one, "virt/max", &Outcome::Passed);
        record(&mut one, "virt/cortex-a76", &failed("x"));
        record(&mut one, "virt/cortex-a76", &Outcome::Passed);
        one.record_not_run("rpi4/raspi4b", "old");

        let mut first = Summary::default();
        record(&mut first, "virt/max", &Outcome::Passed);
        let mut second = Summary::default();
        record(&mut second, "virt/cortex-a76", &failed("x"));
        first.append(second);
        let mut third = Summary::default();
        record(&mut third, "virt/cortex-a76", &Outcome::Passed);
        third.record_not_run("rpi4/raspi4b", "old");
        first.append(third);
        assert_eq!(first.render(), one.render());
    }

    #[test]
    fn notes_come_just_above_the_closing_line() {
        let mut summary = Summary::default();
        summary.record("host", "xtask", "t", &Outcome::Passed);
        summary.note("QUICK RUN: left out virt/max".to_owned());
        assert!(
            summary
                .render()
                .ends_with("host           xtask       1       0        0\n\nQUICK RUN: left out virt/max\n\n1 passed, 0 failed\n"),
            "{}",
            summary.render()
        );
    }

    #[test]
    fn all_passing_run_has_no_failure_list() {
        let mut summary = Summary::default();
        summary.record("host", "xtask", "t", &Outcome::Passed);
        let rendered = summary.render();
        assert!(!rendered.contains("failures:"));
        assert!(rendered.ends_with("\n1 passed, 0 failed\n"), "{rendered}");
    }
}
