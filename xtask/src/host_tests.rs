//! The workspace's unit tests on the host, with libtest's results counted per crate.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use crate::capture::{self, Ending};
use crate::process;
use crate::protocol::{self, TestLine};
use crate::summary::{Outcome, Summary};
use crate::workspace;

const HOST_TARGET: &str = "x86_64-unknown-linux-gnu";
const CONFIGURATION: &str = "host";
/// Enough to compile the workspace from scratch; a hung test must not eat all of CI's time.
const TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Runs `cargo test` for the host, echoing its output, and records each test under configuration
/// `host` and its crate.
pub fn run(filter: Option<&str>, summary: &mut Summary) -> Result<()> {
    let mut cargo = workspace::cargo();
    cargo.args(["test", "--workspace", "--target", HOST_TARGET]);
    if let Some(pattern) = filter {
        cargo.args(["--", pattern]);
    }
    println!("[host] {}", process::describe(&cargo));
    let mut results = LibtestResults::default();
    let ending = capture::run_captured(cargo, TIMEOUT, |line| {
        println!("{line}");
        results.record(line);
    })?;
    for test in &results.tests {
        summary.record(CONFIGURATION, &test.suite, &test.name, &test.outcome);
    }
    if ending != Ending::Exited(0) && !protocol::any_failed(&results.tests) {
        let reason = format!("cargo test {ending} without a failed test; see its output above");
        summary.record(CONFIGURATION, "cargo", "test", &Outcome::Failed(reason));
    }
    Ok(())
}

/// Reads cargo test's merged output: cargo names each test binary before libtest lists its tests.
#[derive(Default)]
struct LibtestResults {
    current_crate: String,
    /// Each test with its crate as the suite.
    tests: Vec<TestLine>,
}

impl LibtestResults {
    fn record(&mut self, line: &str) {
        let trimmed = line.trim_start();
        if let Some(krate) = trimmed
            .strip_prefix("Running ")
            .and_then(crate_of_test_binary)
        {
            self.current_crate = krate.to_owned();
        } else if let Some(krate) = trimmed.strip_prefix("Doc-tests ") {
            self.current_crate = krate.to_owned();
        } else if let Some((name, verdict)) = protocol::split_test_line(line)
            && let Some(outcome) = libtest_outcome(verdict)
        {
            self.tests.push(TestLine {
                suite: self.current_crate.clone(),
                name: name.to_owned(),
                outcome,
            });
        }
    }
}

/// `unittests src/lib.rs (target/.../deps/bsp_drivers-0123abcd)` -> `bsp_drivers`.
fn crate_of_test_binary(running: &str) -> Option<&str> {
    let (_, binary) = running.rsplit_once(" (")?;
    let file_name = Path::new(binary.strip_suffix(')')?).file_name()?.to_str()?;
    Some(file_name.rsplit_once('-')?.0)
}

fn libtest_outcome(verdict: &str) -> Option<Outcome> {
    match verdict {
        "ok" => Some(Outcome::Passed),
        "FAILED" => Some(Outcome::Failed(
            "see the cargo test output above".to_owned(),
        )),
        // Ignored tests did not run, so they never count as passed.
        _ => {
            let reason = verdict.strip_prefix("ignored")?;
            Some(Outcome::Skipped(
                reason.strip_prefix(", ").unwrap_or(reason).to_owned(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARGO_TEST_OUTPUT: &str = "\
   Compiling xtask v0.1.0 (/work/main/xtask)
    Finished `test` profile [optimized + debuginfo] target(s) in 3.2s
     Running unittests src/lib.rs (target/x86_64-unknown-linux-gnu/debug/deps/bsp_drivers-5d2c0f5d4e2b1a33)

running 2 tests
test pl011::tests::divisor ... ok
test pl011::tests::slow ... ignored, needs hardware

test result: ok. 1 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s

     Running unittests src/main.rs (target/x86_64-unknown-linux-gnu/debug/deps/kernel-0a1b2c3d4e5f6789)

running 3 tests
test mm::tests::map ... ok
test mm::tests::unmap ... FAILED
test mm::tests::later ... ignored

failures:

---- mm::tests::unmap stdout ----
assertion failed
failures:
    mm::tests::unmap

test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s

   Doc-tests bsp_drivers

running 1 test
test bsp/drivers/src/lib.rs - Uart (line 3) ... ok
";

    fn results() -> LibtestResults {
        let mut results = LibtestResults::default();
        for line in CARGO_TEST_OUTPUT.lines() {
            results.record(line);
        }
        results
    }

    #[test]
    fn attributes_tests_to_their_crate() {
        let results = results();
        let found: Vec<(&str, &str, &Outcome)> = results
            .tests
            .iter()
            .map(|test| (test.suite.as_str(), test.name.as_str(), &test.outcome))
            .collect();
        let failed = Outcome::Failed("see the cargo test output above".to_owned());
        assert_eq!(
            found,
            [
                ("bsp_drivers", "pl011::tests::divisor", &Outcome::Passed),
                (
                    "bsp_drivers",
                    "pl011::tests::slow",
                    &Outcome::Skipped("needs hardware".to_owned())
                ),
                ("kernel", "mm::tests::map", &Outcome::Passed),
                ("kernel", "mm::tests::unmap", &failed),
                (
                    "kernel",
                    "mm::tests::later",
                    &Outcome::Skipped(String::new())
                ),
                (
                    "bsp_drivers",
                    "bsp/drivers/src/lib.rs - Uart (line 3)",
                    &Outcome::Passed
                ),
            ]
        );
    }

    #[test]
    fn reads_crate_from_test_binary_path() {
        assert_eq!(
            crate_of_test_binary("tests/boot.rs (target/debug/deps/boot_flow-0123456789abcdef)"),
            Some("boot_flow")
        );
        assert_eq!(crate_of_test_binary("`target/debug/xtask`"), None);
    }
}
