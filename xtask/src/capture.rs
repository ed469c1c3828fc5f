//! Running a program with its stdout and stderr read as one stream of lines, killed when it
//! overruns its time, and answered through its stdin where a line asks for it.

use std::fmt;
use std::io::{self, BufRead, BufReader, PipeReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use wait_timeout::ChildExt;

use crate::process;

/// How long output may still arrive after the program that overran was killed.
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// How a captured program ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    Exited(i32),
    Signalled(i32),
    TimedOut(Duration),
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ending::Exited(status) => write!(f, "exited with status {status}"),
            Ending::Signalled(signal) => write!(f, "was killed by signal {signal}"),
            Ending::TimedOut(after) => write!(f, "timed out after {} s", after.as_secs()),
        }
    }
}

/// The program's stdin, for answers to what it printed.
pub struct Input(Option<ChildStdin>);

impl Input {
    /// Sends `bytes` to the program; a program that has closed its input gets nothing.
    pub fn send(&mut self, bytes: &[u8]) {
        if let Some(stdin) = &mut self.0
            && stdin.write_all(bytes).and_then(|()| stdin.flush()).is_err()
        {
            self.0 = None;
        }
    }
}

/// Runs `command` with stdin closed, handing each line it prints (stdout and stderr in the order
/// written, line endings and trailing blanks removed) to `on_line` as it arrives.
pub fn run_captured(
    command: Command,
    timeout: Duration,
    mut on_line: impl FnMut(&str),
) -> Result<Ending> {
    run(command, Stdio::null(), timeout, |line, _| on_line(line))
}

/// As [`run_captured`], but `on_line` may answer a line on the program's stdin.
pub fn run_conversation(
    command: Command,
    timeout: Duration,
    on_line: impl FnMut(&str, &mut Input),
) -> Result<Ending> {
    run(command, Stdio::piped(), timeout, on_line)
}

fn run(
    mut command: Command,
    stdin: Stdio,
    timeout: Duration,
    mut on_line: impl FnMut(&str, &mut Input),
) -> Result<Ending> {
    let (reader, writer) = io::pipe()?;
    command
        .stdin(stdin)
        .stdout(writer.try_clone()?)
        .stderr(writer);
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start `{}`", process::describe(&command)))?;
    let mut input = Input(child.stdin.take());
    let mut on_line = move |line: &str| on_line(line, &mut input);
    // The pipe only reaches end-of-file once every writer is closed, including the ones the
    // command still holds.
    drop(command);
    let lines = read_lines(reader);

    let deadline = Instant::now() + timeout;
    // Checked before every line, so that endless output cannot keep the deadline away.
    while let Some(remaining) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(remaining) {
            Ok(line) => on_line(&line),
            Err(mpsc::RecvTimeoutError::Timeout) => break,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return wait_until(child, deadline, timeout);
            }
        }
    }
    time_out(child, timeout, &lines, on_line)
}

/// Kills the program that overran, then hands on what it printed before it died: the lines
/// still queued and its unfinished last one, which shows where it hung.
fn time_out(
    mut child: Child,
    timeout: Duration,
    lines: &Receiver<String>,
    mut on_line: impl FnMut(&str),
) -> Result<Ending> {
    kill(&mut child)?;
    // Once the program is dead its end of the pipe closes and the reader reaches end-of-file,
    // unless a process it started still holds the pipe: that one gets a moment, not forever.
    let drain_deadline = Instant::now() + DRAIN_TIME;
    while let Some(remaining) = drain_deadline.checked_duration_since(Instant::now())
        && let Ok(line) = lines.recv_timeout(remaining)
    {
        on_line(&line);
    }
    Ok(Ending::TimedOut(timeout))
}

fn read_lines(reader: PipeReader) -> Receiver<String> {
    // Bounded, so a program flooding its output waits for us instead of filling memory.
    let (sender, receiver) = mpsc::sync_channel(1024);
    thread::spawn(move || {
        for line in BufReader::new(reader).split(b'\n') {
            let Ok(line) = line else { break };
            let text = String::from_utf8_lossy(&line).trim_end().to_owned();
            if sender.send(text).is_err() {
                break;
            }
        }
    });
    receiver
}

/// The program closed its output; give it the rest of its time to exit.
fn wait_until(mut child: Child, deadline: Instant, timeout: Duration) -> Result<Ending> {
    let remaining = deadline.saturating_duration_since(Instant::now());
    match child.wait_timeout(remaining)? {
        Some(status) => Ok(ending_of(status)),
        None => {
            kill(&mut child)?;
            Ok(Ending::TimedOut(timeout))
        }
    }
}

fn kill(child: &mut Child) -> Result<()> {
    child.kill()?;
    child.wait()?;
    Ok(())
}

fn ending_of(status: ExitStatus) -> Ending {
    match status.code() {
        Some(code) => Ending::Exited(code),
        None => Ending::Signalled(status.signal().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn collects_stdout_and_stderr_lines_and_the_exit_status() {
        let mut lines = Vec::new();
        let ending = run_captured(
            shell("printf 'one\\r\\n'; echo two >&2; printf 'three'; exit 3"),
            Duration::from_secs(10),
            |line| lines.push(line.to_owned()),
        )
        .unwrap();
        assert_eq!(ending, Ending::Exited(3));
        assert_eq!(lines, ["one", "two", "three"]);
    }

    #[test]
    fn kills_a_program_that_overruns_its_time_and_keeps_its_unfinished_line() {
        let mut lines = Vec::new();
        let started = Instant::now();
        let ending = run_captured(
            shell("echo started; printf 'test mm::map ... '; exec sleep 30"),
            Duration::from_millis(300),
            |line| lines.push(line.to_owned()),
        )
        .unwrap();
        assert_eq!(ending, Ending::TimedOut(Duration::from_millis(300)));
        assert_eq!(lines, ["started", "test mm::map ..."]);
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn output_held_open_by_a_grandchild_does_not_stall_a_timeout() {
        let started = Instant::now();
        let ending = run_captured(
            shell("sleep 10 & echo started; exec sleep 30"),
            Duration::from_millis(300),
            |_| {},
        )
        .unwrap();
        assert_eq!(ending, Ending::TimedOut(Duration::from_millis(300)));
        assert!(started.elapsed() < DRAIN_TIME + Duration::from_secs(3));
    }

    #[test]
    fn endless_output_still_times_out() {
        let ending = run_captured(shell("yes"), Duration::from_millis(300), |_| {}).unwrap();
        assert_eq!(ending, Ending::TimedOut(Duration::from_millis(300)));
    }

    #[test]
    fn describes_endings() {
        assert_eq!(Ending::Exited(1).to_string(), "exited with status 1");
        assert_eq!(Ending::Signalled(9).to_string(), "was killed by signal 9");
        assert_eq!(
            Ending::TimedOut(Duration::from_secs(120)).to_string(),
            "timed out after 120 s"
        );
    }
}
