//! The chainloader end to end in QEMU, for `cargo xtask test`: raspi3b boots the chainloader with
//! its serial port on QEMU's standard input and output, and this program plays
//! `cargo xtask chainboot`. A transfer with a wrong checksum must be refused; then the rpi3 test
//! kernel, without user space (build.rs's bare test kernel), must be accepted, boot and pass its
//! timer test. Recorded as configuration
//! `chainloader/raspi3b`, suite `chainboot`.

use std::fs;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use chainloader_protocol::{Header, Rejection, crc32};
use wait_timeout::ChildExt;

use crate::banner_check;
use crate::board::{Board, Cpu};
use crate::build::Profile;
use crate::chainloader;
use crate::chainloader_link::{Link, Verdict};
use crate::process;
use crate::protocol::{self, ConsoleLine};
use crate::qemu::{self, Console};
use crate::summary::{Outcome, Summary};
use crate::workspace;

pub const CONFIGURATION: &str = "chainloader/raspi3b";
const SUITE: &str = "chainboot";
const REFUSAL_TEST: &str = "corrupted_transfer_refused";
const ROUND_TRIP_TEST: &str = "round_trip";
/// The whole boot: the bare test kernel is under 1 MB, which the emulated UART moves in about ten
/// seconds (byte by byte, each polled by the chainloader; the test kernel with its initramfs took
/// two minutes); the kernel's test takes a fraction of a second. Generous for a busy machine, and
/// a hang fails here rather than never.
const TIMEOUT: Duration = Duration::from_secs(120);
/// Only the test kernel's timer test: enough to see it boot, take interrupts and exit QEMU.
const KERNEL_CMDLINE: &str = "ktest ktest.filter=timer";
const KERNEL_TEST: &str = "timer::interrupts_arrive";
/// The banner words that show the kernel started as the firmware would have started it.
const EXPECTED_BANNER: &[banner_check::ExpectedWord] = &[("board", "rpi3"), ("el", "1")];
/// The corrupted transfer's image: short, as only its checksum matters.
const CORRUPTED_IMAGE: &[u8] = b"not a kernel, and not its checksum";
/// Console lines shown when a test failed.
const LOG_TAIL_LINES: usize = 25;

/// QEMU running the chainloader, and the line to it.
struct Session {
    qemu: Child,
    link: Link<ChildStdout, ChildStdin>,
    /// QEMU's own messages (its standard error), read on the side.
    qemu_messages: JoinHandle<String>,
    deadline: Instant,
    /// Everything the board sent, for the log.
    console: Vec<u8>,
}

/// Runs the boot if `filter` selects any of its tests, and records their results; reports the
/// configuration as not run without the rpi3 test kernel to send (`None`: it did not build).
pub fn run(kernel_image: Option<&Path>, filter: Option<&str>, logs: &Path, summary: &mut Summary) {
    let selected: Vec<&str> = [REFUSAL_TEST, ROUND_TRIP_TEST]
        .into_iter()
        .filter(|test| filter.is_none_or(|pattern| format!("{SUITE}::{test}").contains(pattern)))
        .collect();
    if selected.is_empty() {
        return;
    }
    let Some(kernel_image) = kernel_image else {
        let reason = "the rpi3 test kernel it sends did not build";
        println!("[{CONFIGURATION}] NOT RUN: {reason}");
        summary.record_not_run(CONFIGURATION, reason);
        return;
    };
    let log = logs.join(format!("{}.log", CONFIGURATION.replace('/', "_")));
    let outcomes = match boot(kernel_image, &log) {
        Ok(outcomes) => outcomes,
        Err(error) => {
            let reason = format!("{error:#}");
            [
                (REFUSAL_TEST, Err(reason.clone())),
                (ROUND_TRIP_TEST, Err(reason)),
            ]
        }
    };
    let mut failed = false;
    for (test, result) in outcomes {
        if !selected.contains(&test) {
            continue;
        }
        let outcome = match result {
            Ok(()) => Outcome::Passed,
            Err(reason) => {
                failed = true;
                Outcome::Failed(reason)
            }
        };
        println!("[{CONFIGURATION}] test {SUITE}::{test} ... {outcome}");
        summary.record(CONFIGURATION, SUITE, test, &outcome);
    }
    if failed {
        show_log_tail(&log);
    }
}

/// The outcome of each test, each a failure reason or success.
type Outcomes = [(&'static str, std::result::Result<(), String>); 2];

/// Builds the chainloader, boots it and runs both tests in that one boot, writing the console to
/// `log`; an error when the boot itself could not start.
fn boot(kernel_image: &Path, log: &Path) -> Result<Outcomes> {
    let chainloader = chainloader::build_image(Board::Rpi3, Profile::Debug)?;
    let kernel = fs::read(kernel_image)
        .with_context(|| format!("cannot read {}", kernel_image.display()))?;
    let mut session = Session::start(&chainloader)?;
    let refusal = session.corrupted_transfer_is_refused();
    let round_trip = session.kernel_boots(&kernel);
    let (console, qemu_messages) = session.stop();
    let mut text = String::from_utf8_lossy(&console).into_owned();
    if !qemu_messages.is_empty() {
        text += &format!("\n--- QEMU's messages ---\n{qemu_messages}");
    }
    fs::write(log, text).with_context(|| format!("cannot write {}", log.display()))?;
    let reason = |result: Result<()>| result.map_err(|error| format!("{error:#}"));
    Ok([
        (REFUSAL_TEST, reason(refusal)),
        (ROUND_TRIP_TEST, reason(round_trip)),
    ])
}

impl Session {
    fn start(chainloader: &Path) -> Result<Self> {
        let mut command = qemu::command(
            Board::Rpi3,
            Cpu::CortexA53,
            chainloader,
            &Console::Test {
                cmdline: KERNEL_CMDLINE,
            },
        )?;
        // qemu::command gives the raspi machines one thread for all four cores: with one each, the
        // three that wait in the spin loop would starve the one polling the UART.
        println!("[{CONFIGURATION}] {}", process::describe(&command));
        let mut qemu = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start `{}`", process::describe(&command)))?;
        let (Some(input), Some(output), Some(stderr)) =
            (qemu.stdin.take(), qemu.stdout.take(), qemu.stderr.take())
        else {
            unreachable!("all three are piped")
        };
        let qemu_messages = process::read_in_background(stderr);
        Ok(Self {
            qemu,
            link: Link::new(output, input),
            qemu_messages,
            deadline: Instant::now() + TIMEOUT,
            console: Vec::new(),
        })
    }

    /// A transfer whose header announces the wrong checksum is answered with a refusal naming
    /// the mismatch.
    fn corrupted_transfer_is_refused(&mut self) -> Result<()> {
        let deadline = Some(self.deadline);
        self.link.wait_for_request(deadline, &mut self.console)?;
        let wrong = Header {
            len: CORRUPTED_IMAGE.len() as u32,
            checksum: !crc32(CORRUPTED_IMAGE),
        };
        self.link.send(wrong, CORRUPTED_IMAGE, &mut |_| {})?;
        let answer_starts = self.console.len();
        let verdict = self.link.read_verdict(&mut self.console)?;
        ensure!(
            verdict == Verdict::Rejected,
            "the chainloader accepted an image whose checksum was wrong"
        );
        let reason = Rejection::ChecksumMismatch.message();
        let answer = String::from_utf8_lossy(&self.console[answer_starts..]);
        ensure!(
            answer.contains(reason),
            "the refusal does not say `{reason}`: {answer:?}"
        );
        Ok(())
    }

    /// The kernel is accepted at the first try, boots from the chainloader and passes its test,
    /// and QEMU exits with status 0.
    fn kernel_boots(&mut self, kernel: &[u8]) -> Result<()> {
        let deadline = Some(self.deadline);
        let verdict = self
            .link
            .send_once(kernel, deadline, &mut self.console, &mut |_| {})?;
        ensure!(
            verdict == Verdict::Accepted,
            "the chainloader refused the kernel"
        );
        let kernel_output_starts = self.console.len();
        let mut buffer = [0; 4096];
        loop {
            let read = self
                .link
                .read(&mut buffer, deadline)
                .context("waiting for the kernel to finish")?;
            if read == 0 {
                break;
            }
            self.console.extend_from_slice(&buffer[..read]);
        }
        let output = String::from_utf8_lossy(&self.console[kernel_output_starts..]).into_owned();
        check_kernel_output(&output)?;
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        match self.qemu.wait_timeout(remaining)? {
            Some(status) if status.success() => Ok(()),
            Some(status) => bail!("QEMU ended with {status}"),
            None => bail!("QEMU did not exit within {} s", TIMEOUT.as_secs()),
        }
    }

    /// Ends QEMU if it still runs; returns what the board sent and what QEMU said on its
    /// standard error.
    fn stop(self) -> (Vec<u8>, String) {
        let Session {
            mut qemu,
            link,
            qemu_messages,
            console,
            ..
        } = self;
        // Already gone when the kernel exited it; any error here is that.
        let _ = qemu.kill();
        let _ = qemu.wait();
        drop(link);
        (console, qemu_messages.join().unwrap_or_default())
    }
}

/// The kernel's console: its banner as the rpi3 kernel's, then its timer test passing.
fn check_kernel_output(output: &str) -> Result<()> {
    let lines: Vec<ConsoleLine> = output
        .lines()
        .map(|line| protocol::parse_line(line.trim_end()))
        .collect();
    let Some(banner) = lines.iter().find_map(|line| match line {
        ConsoleLine::Banner(banner) => Some(banner),
        _ => None,
    }) else {
        bail!("the kernel was accepted but printed no boot banner");
    };
    let mismatches = banner_check::banner_mismatches(banner, EXPECTED_BANNER);
    ensure!(
        mismatches.is_empty(),
        "boot banner: {}",
        mismatches.join(", ")
    );
    let verdict = lines.iter().find_map(|line| match line {
        ConsoleLine::Test(test) if test.path() == KERNEL_TEST => Some(&test.outcome),
        _ => None,
    });
    match verdict {
        Some(Outcome::Passed) => Ok(()),
        Some(outcome) => bail!("the kernel's test {KERNEL_TEST} ... {outcome}"),
        None => bail!("the kernel did not report its test {KERNEL_TEST}"),
    }
}

fn show_log_tail(log: &Path) {
    let Ok(text) = fs::read_to_string(log) else {
        return;
    };
    println!(
        "[{CONFIGURATION}] log: {}; it ends:",
        workspace::relative(log)
    );
    let lines: Vec<&str> = text.lines().collect();
    for line in &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..] {
        println!("[{CONFIGURATION}] | {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BANNER: &str = "boot: board=rpi3 cpu=cortex-a53 el=1 pan=software uao=absent \
                          pan_mode=software kernel_va=0xffff000000080000";

    #[test]
    fn a_kernel_that_boots_and_passes_its_test_is_a_round_trip() {
        let output = format!("{BANNER}\r\ntest timer::interrupts_arrive ... ok\r\n");
        check_kernel_output(&output).unwrap();
    }

    #[test]
    fn a_missing_banner_or_test_or_a_failed_test_is_not() {
        let no_banner = check_kernel_output("test timer::interrupts_arrive ... ok\r\n");
        assert!(
            no_banner
                .unwrap_err()
                .to_string()
                .contains("no boot banner")
        );
        let no_test = check_kernel_output(&format!("{BANNER}\r\n"));
        assert!(no_test.unwrap_err().to_string().contains("did not report"));
        let failed = format!("{BANNER}\r\ntest timer::interrupts_arrive ... FAILED (no ticks)\r\n");
        let error = check_kernel_output(&failed).unwrap_err().to_string();
        assert!(error.contains("FAILED (no ticks)"), "{error}");
    }

    #[test]
    fn a_kernel_left_at_el2_is_not() {
        let output = format!(
            "{}\r\ntest timer::interrupts_arrive ... ok\r\n",
            BANNER.replace("el=1", "el=2")
        );
        let error = check_kernel_output(&output).unwrap_err().to_string();
        assert!(error.contains("el=2, expected 1"), "{error}");
    }
}
