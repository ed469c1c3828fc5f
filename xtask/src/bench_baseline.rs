//! The regression gate of `cargo xtask bench`: every number this kernel measured is compared
//! with the committed baseline (docs/bench-baseline.json, the `--json` report of the run that
//! docs/performance.md describes), and one more than 5% above it fails the run; the kernel
//! image's size too.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::workspace;

/// How much worse than the baseline a number may be before the run fails.
const TOLERANCE: f64 = 0.05;

pub fn path() -> PathBuf {
    workspace::root().join("docs").join("bench-baseline.json")
}

/// The committed baseline, if there is one.
pub fn load() -> Result<Option<Value>> {
    let path = path();
    if !path.exists() {
        return Ok(None);
    }
    let text =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let baseline = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a bench report", path.display()))?;
    Ok(Some(baseline))
}

/// The elements of a JSON array; none for anything else.
fn rows(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

/// Each of this kernel's measurements in a report (not Linux's), by where it was made: machine,
/// PAN mode or `user`, operation, size and alignment.
fn numbers(report: &Value) -> BTreeMap<String, u64> {
    let mut numbers = BTreeMap::new();
    for machine in rows(&report["machines"]) {
        let name = machine["machine"].as_str().unwrap_or("?").to_owned();
        let mut add = |section: &str, row: &Value| {
            let alignment = row["alignment"]
                .as_str()
                .map_or(String::new(), |a| format!(" {a}"));
            let key = format!(
                "{name} {section} {} size={}{alignment}",
                row["operation"].as_str().unwrap_or("?"),
                row["size"]
            );
            if let Some(instructions) = row["instructions"].as_u64() {
                numbers.insert(key, instructions);
            }
        };
        for mode in rows(&machine["kernel_microbenchmarks"]) {
            let section = format!("kernel/{}", mode["pan_mode"].as_str().unwrap_or("?"));
            for row in rows(&mode["measurements"]) {
                add(&section, row);
            }
        }
        for row in rows(&machine["user_benchmark"]) {
            add("user", row);
        }
        if let Some(bytes) = machine["kernel_image_bytes"].as_u64() {
            numbers.insert(format!("{name} kernel image bytes"), bytes);
        }
    }
    numbers
}

/// What the comparison found: the numbers over the tolerance and those under it, as
/// (where, baseline, now).
#[derive(Debug, Default, PartialEq)]
pub struct Verdict {
    pub regressions: Vec<(String, u64, u64)>,
    pub improvements: Vec<(String, u64, u64)>,
    /// Measured now, but not in the baseline.
    pub unknown: Vec<String>,
}

/// Compares the numbers `current` has with the same numbers in `baseline`; a run of fewer
/// machines than the baseline is compared on what it measured.
pub fn compare(baseline: &Value, current: &Value) -> Verdict {
    let before = numbers(baseline);
    let mut verdict = Verdict::default();
    for (key, now) in numbers(current) {
        match before.get(&key) {
            None => verdict.unknown.push(key),
            Some(&then) if now as f64 > then as f64 * (1.0 + TOLERANCE) => {
                verdict.regressions.push((key, then, now));
            }
            Some(&then) if (now as f64) < then as f64 * (1.0 - TOLERANCE) => {
                verdict.improvements.push((key, then, now));
            }
            Some(_) => {}
        }
    }
    verdict
}

impl Verdict {
    pub fn render(&self) -> String {
        let mut text = String::new();
        let mut list = |title: &str, rows: &[(String, u64, u64)]| {
            if !rows.is_empty() {
                let _ = writeln!(text, "{title}:");
                for (key, then, now) in rows {
                    let change = (*now as f64 / (*then).max(1) as f64 - 1.0) * 100.0;
                    let _ = writeln!(text, "    {key}: {then} -> {now} ({change:+.1}%)");
                }
            }
        };
        list(
            "REGRESSIONS (over 5% above docs/bench-baseline.json)",
            &self.regressions,
        );
        list(
            "improvements (update the baseline: --json docs/bench-baseline.json)",
            &self.improvements,
        );
        if !self.unknown.is_empty() {
            let _ = writeln!(
                text,
                "not in the baseline (add them with --json docs/bench-baseline.json): {}",
                self.unknown.join(", ")
            );
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(getpid: u64, memcpy: u64) -> Value {
        json!({
            "profile": "release",
            "machines": [{
                "machine": "virt/cortex-a76",
                "kernel_microbenchmarks": [{
                    "pan_mode": "hardware",
                    "measurements": [
                        {"operation": "memcpy", "size": 4096, "alignment": "a", "instructions": memcpy}
                    ],
                }],
                "user_benchmark": [
                    {"operation": "getpid", "size": 0, "alignment": null, "instructions": getpid}
                ],
                "kernel_image_bytes": 400_000,
            }],
        })
    }

    #[test]
    fn numbers_more_than_five_percent_worse_are_regressions() {
        let verdict = compare(&report(300, 1000), &report(316, 900));
        assert_eq!(
            verdict.regressions,
            [("virt/cortex-a76 user getpid size=0".to_owned(), 300, 316)]
        );
        assert_eq!(
            verdict.improvements,
            [(
                "virt/cortex-a76 kernel/hardware memcpy size=4096 a".to_owned(),
                1000,
                900
            )]
        );
        assert!(verdict.render().starts_with("REGRESSIONS"));
    }

    #[test]
    fn a_kernel_image_grown_past_five_percent_is_a_regression() {
        let mut current = report(300, 1000);
        current["machines"][0]["kernel_image_bytes"] = json!(430_000);
        let verdict = compare(&report(300, 1000), &current);
        assert_eq!(
            verdict.regressions,
            [(
                "virt/cortex-a76 kernel image bytes".to_owned(),
                400_000,
                430_000
            )]
        );
    }

    #[test]
    fn within_five_percent_nothing_is_said() {
        let verdict = compare(&report(300, 1000), &report(314, 951));
        assert_eq!(verdict, Verdict::default());
        assert_eq!(verdict.render(), "");
    }

    #[test]
    fn numbers_the_baseline_lacks_are_listed_not_failed() {
        let mut current = report(300, 1000);
        current["machines"][0]["user_benchmark"]
            .as_array_mut()
            .unwrap()
            .push(json!({"operation": "swap_in_fault", "size": 4096, "alignment": null, "instructions": 5}));
        let verdict = compare(&report(300, 1000), &current);
        assert!(verdict.regressions.is_empty());
        assert_eq!(
            verdict.unknown,
            ["virt/cortex-a76 user swap_in_fault size=4096"]
        );
    }
}
