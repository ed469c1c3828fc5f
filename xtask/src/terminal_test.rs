//! `cargo xtask test`'s suite `terminal`: busybox's `sh` as process 1, typed at over the console.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use wait_timeout::ChildExt;

use crate::board::{Board, Cpu};
use crate::build::{self, Flavour, KernelBuild, Profile};
use crate::cmdline;
use crate::initramfs;
use crate::matrix::Scope;
use crate::process;
use crate::protocol::{self, ConsoleLine};
use crate::qemu::{self, Console};
use crate::summary::{Outcome, Summary};
use crate::symbolize::Symbolizer;
use crate::workspace;

const SUITE: &str = "terminal";
/// Busybox's `sh` prompt for root in `/`, after which busybox asks for the cursor position
/// (`ESC[6n`), an escape sequence the screen drops.
const PROMPT: &str = "/ # ";
/// Boot to the first prompt: a debug kernel under a busy machine's emulation.
const FIRST_PROMPT_TIMEOUT: Duration = Duration::from_secs(120);
/// Any other answer of the shell.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
/// From Ctrl-C to the next prompt: far below the 100 s the interrupted command would take.
const INTERRUPT_TIMEOUT: Duration = Duration::from_secs(10);
/// From `exit` to QEMU's end, which the kernel powers off when process 1 exits.
const EXIT_TIMEOUT: Duration = Duration::from_secs(30);
/// From the echo of a command line to typing at the command: the shell puts the terminal back
/// into canonical mode and starts the command after echoing the line's end, and nothing on the
/// console says when it has.
const SETTLE_TIME: Duration = Duration::from_secs(1);
/// Console lines shown when a test failed.
const LOG_TAIL_LINES: usize = 30;

/// One boot of busybox's shell.
struct Target {
    configuration: &'static str,
    board: Board,
    cpu: Cpu,
}

const TARGETS: [Target; 2] = [
    Target {
        configuration: "busybox/virt",
        board: Board::Virt,
        cpu: Cpu::CortexA76,
    },
    Target {
        configuration: "busybox/raspi3b",
        board: Board::Rpi3,
        cpu: Cpu::CortexA53,
    },
];

/// One test: a step of the conversation, which starts and (when it passes) ends at a prompt.
type Step = fn(&mut Session) -> Result<()>;

/// The tests in the order the conversation takes them; each relies on the shell the ones before
/// it left.
const STEPS: [(&str, Step); 11] = [
    ("prompt", Session::first_prompt),
    ("echo", Session::echo),
    ("long_line", Session::long_line),
    ("line_editing", Session::line_editing),
    ("kill_line", Session::kill_line),
    ("canonical_editing", Session::canonical_editing),
    (
        "ctrl_c_interrupts_command",
        Session::ctrl_c_interrupts_command,
    ),
    ("ctrl_c_at_prompt", Session::ctrl_c_at_prompt),
    (
        "ctrl_z_stops_and_fg_continues",
        Session::ctrl_z_stops_and_fg_continues,
    ),
    (
        "bg_continues_a_stopped_job",
        Session::bg_continues_a_stopped_job,
    ),
    ("exit_powers_off", Session::exit_powers_off),
];

/// Boots busybox's shell on each selected machine (`--board`, `--cpu`) if `filter` selects any
/// of its tests, and records the results; a boot without `initramfs` (`None`: it was not made)
/// or whose kernel does not build is reported as not run.
pub fn run(
    scope: Scope,
    filter: Option<&str>,
    initramfs: Option<&Path>,
    logs: &Path,
    summary: &mut Summary,
) {
    let selected = selected_tests(filter);
    if selected.is_empty() {
        return;
    }
    for target in TARGETS
        .iter()
        .filter(|target| scope.includes(target.configuration, target.board, target.cpu))
    {
        let name = target.configuration;
        let ran = initramfs
            .context("its initramfs was not made")
            .and_then(|initramfs| target.run(initramfs, &selected, logs, summary));
        if let Err(error) = ran {
            let reason = format!("{error:#}");
            println!("[{name}] NOT RUN: {reason}");
            summary.record_not_run(name, &reason);
        }
    }
}

/// The tests whose `terminal::<name>` contains `filter`.
fn selected_tests(filter: Option<&str>) -> Vec<&'static str> {
    STEPS
        .iter()
        .map(|(test, _)| *test)
        .filter(|test| filter.is_none_or(|pattern| format!("{SUITE}::{test}").contains(pattern)))
        .collect()
}

/// `init=/bin/busybox -- sh`, as `cargo xtask qemu --busybox` boots.
fn kernel_cmdline() -> Result<String> {
    cmdline::compose(&[], Some(initramfs::BUSYBOX), &["sh"])
}

/// Each configuration of this suite, with the board and CPU it boots.
pub fn configurations() -> impl Iterator<Item = (&'static str, Board, Cpu)> {
    TARGETS
        .iter()
        .map(|target| (target.configuration, target.board, target.cpu))
}

impl Target {
    /// Builds the kernel `cargo xtask qemu` boots, holds the conversation and records the tests
    /// in `selected`; an error when there was no boot to hold it with.
    fn run(
        &self,
        initramfs: &Path,
        selected: &[&str],
        logs: &Path,
        summary: &mut Summary,
    ) -> Result<()> {
        let name = self.configuration;
        println!(
            "building the {} kernel for busybox's shell",
            self.board.name()
        );
        let kernel = build::build_kernel(
            &KernelBuild {
                board: self.board,
                profile: Profile::Debug,
                flavour: Flavour::Qemu,
            },
            initramfs,
        )?;
        let symbolizer = Symbolizer::load(&kernel.elf)?;
        let cmdline = kernel_cmdline()?;
        let mut command = qemu::command(
            self.board,
            self.cpu,
            &kernel.image,
            &Console::Test { cmdline: &cmdline },
        )?;
        println!("[{name}] {}", process::describe(&command));
        let started = Instant::now();
        let mut session = Session::start(&mut command)?;
        let mut failed = false;
        let mut broken: Option<String> = None;
        for (test, step) in STEPS {
            let test_started = Instant::now();
            let result = match &broken {
                Some(reason) => Err(reason.clone()),
                None => step(&mut session).map_err(|error| format!("{error:#}")),
            };
            let outcome = match result {
                Ok(()) => Outcome::Passed,
                Err(reason) => Outcome::Failed(reason),
            };
            session.log.push(format!(
                "=== {SUITE}::{test} ... {outcome} after {:.1} s",
                test_started.elapsed().as_secs_f64()
            ));
            if let Outcome::Failed(_) = outcome
                && broken.is_none()
            {
                broken = session.recover(test);
            }
            if !selected.contains(&test) {
                continue;
            }
            failed |= matches!(outcome, Outcome::Failed(_));
            println!("[{name}] test {SUITE}::{test} ... {outcome}");
            summary.record(name, SUITE, test, &outcome);
        }
        println!(
            "[{name}] the conversation took {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let log = logs.join(format!("{}.log", name.replace('/', "_")));
        let text = session.stop(&symbolizer);
        fs::write(&log, &text).with_context(|| format!("cannot write {}", log.display()))?;
        if failed {
            println!("[{name}] log: {}; it ends:", workspace::relative(&log));
            let lines: Vec<&str> = text
                .split("\n--- the console's bytes")
                .next()
                .unwrap_or_default()
                .lines()
                .collect();
            for line in &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..] {
                println!("[{name}] | {line}");
            }
        } else {
            println!("[{name}] log: {}", workspace::relative(&log));
        }
        Ok(())
    }
}

/// What waiting for console output came to.
enum Received {
    Output,
    TimedOut,
    /// QEMU closed its output: it has ended.
    Ended,
}

/// QEMU running busybox's shell, with its console on pipes and rendered as a terminal would
/// show it.
struct Session {
    qemu: Child,
    input: ChildStdin,
    output: Receiver<Vec<u8>>,
    ended: bool,
    terminal: Terminal,
    /// The console lines with what was typed between them and the tests' outcomes, for the log.
    log: Vec<String>,
    /// Every byte the console sent.
    raw: Vec<u8>,
    /// QEMU's own messages (its standard error), read on the side.
    qemu_messages: JoinHandle<String>,
}

impl Session {
    fn start(command: &mut std::process::Command) -> Result<Self> {
        let mut qemu = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start `{}`", process::describe(command)))?;
        let (Some(input), Some(mut stdout), Some(stderr)) =
            (qemu.stdin.take(), qemu.stdout.take(), qemu.stderr.take())
        else {
            unreachable!("all three are piped")
        };
        let (sender, output) = mpsc::channel();
        thread::spawn(move || {
            let mut chunk = [0; 4096];
            // End of file or an error both end the console.
            while let Ok(read @ 1..) = stdout.read(&mut chunk) {
                if sender.send(chunk[..read].to_vec()).is_err() {
                    break;
                }
            }
        });
        let qemu_messages = process::read_in_background(stderr);
        Ok(Self {
            qemu,
            input,
            output,
            ended: false,
            terminal: Terminal::default(),
            log: Vec::new(),
            raw: Vec::new(),
            qemu_messages,
        })
    }

    // The steps.

    /// The shell boots to its prompt.
    fn first_prompt(&mut self) -> Result<()> {
        self.wait_for("busybox's first prompt", FIRST_PROMPT_TIMEOUT, |session| {
            session.terminal.prompt_after(0)
        })
    }

    fn echo(&mut self) -> Result<()> {
        let output = self.command(b"echo hello\r")?;
        expect_line(&output, "hello")
    }

    /// Busybox's own line editing, the terminal in raw mode: DEL erases the character before it.
    /// A line typed all at once, far longer than the UART's receive FIFO: every byte arrives.
    fn long_line(&mut self) -> Result<()> {
        let word = "0123456789".repeat(20);
        let output = self.command(format!("echo {word}\r").as_bytes())?;
        expect_line(&output, &word)
    }

    fn line_editing(&mut self) -> Result<()> {
        let output = self.command(b"echo abX\x7fc\r")?;
        expect_line(&output, "abc")
    }

    /// Busybox's Ctrl-U kills the line typed so far.
    fn kill_line(&mut self) -> Result<()> {
        let output = self.command(b"echo wrong\x15echo right\r")?;
        expect_line(&output, "right")?;
        expect_no_line(&output, "wrong")
    }

    /// The kernel's canonical mode, which `head` reads in: DEL erases on the screen and in the
    /// line `head` reads.
    fn canonical_editing(&mut self) -> Result<()> {
        let mark = self.terminal.lines.len();
        self.type_bytes(b"head -n1\r")?;
        let echoed = self.wait_for_echo(mark, "head -n1")?;
        self.pause(SETTLE_TIME)?;
        self.type_bytes(b"abX\x7fc\r")?;
        self.wait_for_prompt(echoed + 1, STEP_TIMEOUT)?;
        let output = &self.terminal.lines[echoed + 1..];
        // The terminal's echo of the edited line, then what head read.
        ensure!(
            output == ["abc", "abc"],
            "expected the terminal's echo `abc` and head's output `abc`, got {output:?}"
        );
        Ok(())
    }

    /// Ctrl-C sends SIGINT to the command in the foreground, and the shell sees it killed.
    fn ctrl_c_interrupts_command(&mut self) -> Result<()> {
        self.interrupt("sleep 100", b"\x03", "Ctrl-C")?;
        let output = self.command(b"echo alive $?\r")?;
        expect_line(&output, "alive 130")
    }

    /// Ctrl-Z stops the command in the foreground (SIGTSTP to its process group) and the shell
    /// takes the terminal back; `fg` gives it to the command again and continues it.
    fn ctrl_z_stops_and_fg_continues(&mut self) -> Result<()> {
        self.interrupt("sleep 100", b"\x1a", "Ctrl-Z")?;
        let output = self.command(b"jobs\r")?;
        expect_line(&output, "[1]+  Stopped                    sleep 100")?;
        self.interrupt("fg", b"\x03", "fg and Ctrl-C")?;
        let output = self.command(b"echo alive $?\r")?;
        expect_line(&output, "alive 130")
    }

    /// A background job stopped by a signal runs again with `bg`, and can still be killed.
    fn bg_continues_a_stopped_job(&mut self) -> Result<()> {
        let output = self.command(b"sleep 100 &\r")?;
        expect_no_line(&output, "sh: can't access tty; job control turned off")?;
        let output = self.command(b"kill -STOP %1; sleep 1; jobs; bg; jobs\r")?;
        expect_line(&output, "[1]+  Stopped (signal)           sleep 100")?;
        expect_line(&output, "[1]+  Running                    sleep 100")?;
        let output = self.command(b"kill %1; wait; jobs; echo waited\r")?;
        expect_line(&output, "waited")?;
        expect_no_line(&output, "[1]+  Running                    sleep 100")
    }

    /// Ctrl-C at the prompt only abandons the line: the shell goes on.
    fn ctrl_c_at_prompt(&mut self) -> Result<()> {
        let mark = self.terminal.lines.len();
        self.type_bytes(b"\x03")?;
        self.wait_for_prompt(mark, STEP_TIMEOUT)
            .context("after Ctrl-C")?;
        let output = self.command(b"echo still\r")?;
        expect_line(&output, "still")
    }

    /// `exit` ends process 1, and the kernel powers off: QEMU exits with the shell's status,
    /// that of the last command (0).
    fn exit_powers_off(&mut self) -> Result<()> {
        let deadline = Instant::now() + EXIT_TIMEOUT;
        self.type_bytes(b"exit\r")?;
        loop {
            match self.receive(deadline) {
                Received::Output => {}
                Received::Ended => break,
                Received::TimedOut => {
                    bail!("QEMU still ran {} s after `exit`", EXIT_TIMEOUT.as_secs())
                }
            }
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        match self.qemu.wait_timeout(remaining)? {
            Some(status) if status.code() == Some(0) => Ok(()),
            Some(status) => bail!("QEMU ended with {status}, not with the shell's status 0"),
            None => bail!(
                "QEMU closed its output but still ran {} s after `exit`",
                EXIT_TIMEOUT.as_secs()
            ),
        }
    }

    /// After `test` failed: the reason every later test fails with, since they need the shell
    /// at its prompt, or `None` when it is back there. A shell that is still there gets its line
    /// killed and an empty line, and the tests go on if it then prompts.
    fn recover(&mut self, test: &str) -> Option<String> {
        let lost = Some(format!("not tried: {SUITE}::{test} failed first"));
        if self.ended || test == "prompt" {
            return lost;
        }
        let mark = self.terminal.lines.len();
        self.type_bytes(b"\x15\r")
            .and_then(|()| self.wait_for_prompt(mark, STEP_TIMEOUT))
            .map_or(lost, |()| None)
    }

    // Typing and waiting.

    /// Types `line` at the prompt and waits for the next prompt; returns the console lines in
    /// between, the echoed command line first.
    fn command(&mut self, line: &[u8]) -> Result<Vec<String>> {
        let mark = self.terminal.lines.len();
        self.type_bytes(line)?;
        self.wait_for_prompt(mark, STEP_TIMEOUT)?;
        Ok(self.terminal.lines[mark..].to_vec())
    }

    /// Types `command` at the prompt and, once it runs, the control character `key` (`what`
    /// names it), which must bring the prompt back.
    fn interrupt(&mut self, command: &str, key: &[u8], what: &str) -> Result<()> {
        let mark = self.terminal.lines.len();
        self.type_bytes(format!("{command}\r").as_bytes())?;
        let echoed = self.wait_for_echo(mark, command)?;
        self.pause(SETTLE_TIME)?;
        self.type_bytes(key)?;
        self.wait_for_prompt(echoed + 1, INTERRUPT_TIMEOUT)
            .with_context(|| format!("after {what}"))
    }

    fn type_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        self.log.push(typed_note(bytes));
        self.input
            .write_all(bytes)
            .and_then(|()| self.input.flush())
            .context("cannot type at QEMU's console")
    }

    /// Waits for a prompt on a line of its own after line `mark`.
    fn wait_for_prompt(&mut self, mark: usize, timeout: Duration) -> Result<()> {
        self.wait_for("a new prompt", timeout, |session| {
            session.terminal.prompt_after(mark)
        })
    }

    /// Waits for a console line from `mark` on that ends with `command` (the shell echoing the
    /// command line); returns its index.
    fn wait_for_echo(&mut self, mark: usize, command: &str) -> Result<usize> {
        let what = format!("the echo of `{command}`");
        self.wait_for(&what, STEP_TIMEOUT, |session| {
            session.terminal.echo_of(mark, command).is_some()
        })?;
        Ok(self.terminal.echo_of(mark, command).expect("just seen"))
    }

    /// Takes console output until `done` says so, failing when `timeout` passes first or QEMU
    /// ends.
    fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&Self) -> bool,
    ) -> Result<()> {
        let deadline = Instant::now() + timeout;
        while !done(self) {
            match self.receive(deadline) {
                Received::Output => {}
                Received::TimedOut => bail!("{what} did not come within {} s", timeout.as_secs()),
                Received::Ended => bail!("QEMU ended ({}) before {what}", self.ending()),
            }
        }
        Ok(())
    }

    /// Takes console output for `duration`, failing if QEMU ends meanwhile.
    fn pause(&mut self, duration: Duration) -> Result<()> {
        let deadline = Instant::now() + duration;
        loop {
            match self.receive(deadline) {
                Received::Output => {}
                Received::TimedOut => return Ok(()),
                Received::Ended => bail!("QEMU ended ({})", self.ending()),
            }
        }
    }

    /// Takes the console output that arrives before `deadline`, if any.
    fn receive(&mut self, deadline: Instant) -> Received {
        if self.ended {
            return Received::Ended;
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        match self.output.recv_timeout(remaining) {
            Ok(bytes) => {
                self.raw.extend_from_slice(&bytes);
                let finished = self.terminal.feed(&bytes);
                self.log.extend(finished.iter().cloned());
                Received::Output
            }
            Err(RecvTimeoutError::Timeout) => Received::TimedOut,
            Err(RecvTimeoutError::Disconnected) => {
                self.ended = true;
                Received::Ended
            }
        }
    }

    /// How QEMU ended, once its output has: its exit status, if it comes within seconds.
    fn ending(&mut self) -> String {
        match self.qemu.wait_timeout(Duration::from_secs(5)) {
            Ok(Some(status)) => status.to_string(),
            Ok(None) => "its output closed, but it still runs".to_owned(),
            Err(error) => format!("cannot wait for it: {error}"),
        }
    }

    /// Ends QEMU if it still runs; returns the log: the console as shown, with what was typed
    /// and backtrace frames named, then the console's bytes escaped, then QEMU's messages.
    fn stop(mut self, symbolizer: &Symbolizer) -> String {
        // Already gone when the kernel powered off; any error here is that.
        let _ = self.qemu.kill();
        let _ = self.qemu.wait();
        let mut text = String::new();
        for line in &self.log {
            text += line;
            text.push('\n');
            if let ConsoleLine::Frame(frame) = protocol::parse_line(line) {
                let symbol = symbolizer.frame_symbol(&frame);
                text += &format!("      -> {}\n", symbol.as_deref().unwrap_or("??"));
            }
        }
        let unfinished = self.terminal.screen.current_line();
        if !unfinished.is_empty() {
            text += &format!("{unfinished}\n");
        }
        text += "\n--- the console's bytes, escaped ---\n";
        for line in self.raw.split_inclusive(|&byte| byte == b'\n') {
            text += &format!("{}\n", line.escape_ascii());
        }
        let messages = self.qemu_messages.join().unwrap_or_default();
        if !messages.is_empty() {
            text += &format!("\n--- QEMU's messages ---\n{messages}");
        }
        text
    }
}

/// The console's lines as shown, and the cues the conversation waits for in them.
#[derive(Default)]
struct Terminal {
    screen: Screen,
    /// The finished lines.
    lines: Vec<String>,
}

impl Terminal {
    /// Takes console bytes; returns the lines they finished.
    fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        let finished = self.screen.feed(bytes);
        self.lines.extend(finished.iter().cloned());
        finished
    }

    /// The index of the first line from `mark` on that ends with `command`: the shell's echo of
    /// the command line, once Enter ended it.
    fn echo_of(&self, mark: usize, command: &str) -> Option<usize> {
        let found = self.lines[mark..]
            .iter()
            .position(|line| line.ends_with(command));
        found.map(|index| mark + index)
    }

    /// Whether the console shows a fresh prompt: a line ended after line `mark` (the typed one)
    /// and the prompt stands alone on the line under the cursor.
    fn prompt_after(&self, mark: usize) -> bool {
        self.lines.len() > mark && self.screen.current_line() == PROMPT
    }
}

/// The log's note of bytes typed at the console.
fn typed_note(bytes: &[u8]) -> String {
    format!(">>> typed \"{}\"", bytes.escape_ascii())
}

fn expect_line(output: &[String], wanted: &str) -> Result<()> {
    ensure!(
        output.iter().any(|line| line == wanted),
        "no line `{wanted}` before the next prompt; the console showed {output:?}"
    );
    Ok(())
}

fn expect_no_line(output: &[String], unwanted: &str) -> Result<()> {
    ensure!(
        !output.iter().any(|line| line == unwanted),
        "a line `{unwanted}` before the next prompt; the console showed {output:?}"
    );
    Ok(())
}

/// The console as a terminal would show it, one line at a time: characters written at the
/// cursor, carriage return and backspace moving it, the cursor movements and erasures of ANSI
/// escape sequences applied and the other sequences (such as the cursor position query
/// `ESC[6n`) dropped.
#[derive(Default)]
struct Screen {
    line: Vec<char>,
    cursor: usize,
    escape: Escape,
}

/// Where the screen is in an escape sequence, which may arrive split across reads.
#[derive(Default)]
enum Escape {
    #[default]
    None,
    /// After ESC.
    Started,
    /// After `ESC [`, with the parameter bytes so far.
    Control(String),
}

impl Screen {
    /// Takes console bytes; returns the lines they finished, trailing blanks removed.
    fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut finished = Vec::new();
        for &byte in bytes {
            match std::mem::take(&mut self.escape) {
                Escape::None => self.control_or_character(byte, &mut finished),
                Escape::Started if byte == b'[' => self.escape = Escape::Control(String::new()),
                // A two-byte sequence (ESC 7, ESC 8, ...): nothing the test looks at.
                Escape::Started => {}
                Escape::Control(mut parameters) => match byte {
                    0x20..=0x3f => {
                        parameters.push(char::from(byte));
                        self.escape = Escape::Control(parameters);
                    }
                    0x40..=0x7e => self.control_sequence(&parameters, byte),
                    // Malformed: dropped with the byte that showed it.
                    _ => {}
                },
            }
        }
        finished
    }

    /// The line under the cursor, as shown.
    fn current_line(&self) -> String {
        self.line.iter().collect()
    }

    fn control_or_character(&mut self, byte: u8, finished: &mut Vec<String>) {
        match byte {
            0x1b => self.escape = Escape::Started,
            b'\n' => {
                finished.push(self.current_line().trim_end().to_owned());
                self.line.clear();
                self.cursor = 0;
            }
            b'\r' => self.cursor = 0,
            0x08 => self.cursor = self.cursor.saturating_sub(1),
            b'\t' => self.cursor = (self.cursor / 8 + 1) * 8,
            0x20..=0x7e => self.put(char::from(byte)),
            0x80.. => self.put(char::REPLACEMENT_CHARACTER),
            // Bell and the other controls show nothing.
            _ => {}
        }
    }

    fn put(&mut self, character: char) {
        if self.cursor < self.line.len() {
            self.line[self.cursor] = character;
        } else {
            self.line.resize(self.cursor, ' ');
            self.line.push(character);
        }
        self.cursor += 1;
    }

    /// `ESC [ <parameters> <command>`: the cursor moving within the line and erasing; the rest
    /// (colours, cursor position reports, other lines) does not change the line.
    fn control_sequence(&mut self, parameters: &str, command: u8) {
        let count = parameters.parse::<usize>().unwrap_or(1).max(1);
        match command {
            b'C' => self.cursor += count,
            b'D' => self.cursor = self.cursor.saturating_sub(count),
            b'G' => self.cursor = count - 1,
            // Erase in line, or in display (which, for this one line, is the same).
            b'K' | b'J' => match parameters {
                "" | "0" => self.line.truncate(self.cursor),
                "1" => {
                    let end = (self.cursor + 1).min(self.line.len());
                    self.line[..end].fill(' ');
                }
                _ => self.line.clear(),
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(bytes: &[u8]) -> (Vec<String>, String) {
        let mut screen = Screen::default();
        let lines = screen.feed(bytes);
        (lines, screen.current_line())
    }

    #[test]
    fn drops_carriage_returns_and_the_cursor_position_query() {
        let (lines, current) = render(b"hello\r\n\r\n/ # \x1b[6n");
        assert_eq!(lines, ["hello", ""]);
        assert_eq!(current, PROMPT);
    }

    #[test]
    fn escape_sequences_may_arrive_split() {
        let mut screen = Screen::default();
        assert!(screen.feed(b"/ # \x1b").is_empty());
        assert!(screen.feed(b"[6").is_empty());
        assert!(screen.feed(b"n").is_empty());
        assert_eq!(screen.current_line(), PROMPT);
        assert_eq!(screen.feed(b"ls\x1b[0;32mx\x1b[m\r\n"), ["/ # lsx"]);
    }

    #[test]
    fn applies_backspaces_and_erasures() {
        // The kernel's ECHOE: backspace, space, backspace.
        assert_eq!(render(b"abX\x08 \x08c\r\n").0, ["abc"]);
        // Erase to the end of the line, as busybox redraws.
        assert_eq!(render(b"/ # echo abX\x08\x1b[Kc\r\n").0, ["/ # echo abc"]);
        assert_eq!(
            render(b"/ # echo wrong\x1b[10D\x1b[Jecho right\r\n").0,
            ["/ # echo right"]
        );
        assert_eq!(render(b"abc\x1b[2K\rxy\n").0, ["xy"]);
        assert_eq!(render(b"abc\x1b[2G\x1b[1Kz\n").0, [" zc"]);
    }

    #[test]
    fn a_carriage_return_rewrites_the_line_from_its_start() {
        assert_eq!(render(b"/ # abc\r/ # \x1b[K\n").0, ["/ #"]);
        assert_eq!(render(b"abcdef\rxy\n").0, ["xycdef"]);
        assert_eq!(render(b"a\x1b[3Cb\n").0, ["a   b"]);
        assert_eq!(render(b"a\tb\n").0, ["a       b"]);
    }

    #[test]
    fn control_characters_show_nothing_and_other_bytes_a_replacement() {
        assert_eq!(render(b"a\x07b\x00c\n").0, ["abc"]);
        assert_eq!(render(b"\xffok\n").0, ["\u{fffd}ok"]);
    }

    #[test]
    fn a_prompt_counts_once_a_line_ended_after_the_typed_one() {
        let mut terminal = Terminal::default();
        terminal.feed(b"boot: board=virt\r\n\r\n/ # \x1b[6n");
        assert!(terminal.prompt_after(0));
        // Typed but not echoed yet: the old prompt is no answer.
        let mark = terminal.lines.len();
        assert!(!terminal.prompt_after(mark));
        terminal.feed(b"echo hello\r\nhello\r\n/ ");
        assert!(!terminal.prompt_after(mark));
        terminal.feed(b"# \x1b[6n");
        assert!(terminal.prompt_after(mark));
        // A prompt with something typed after it is not a fresh one.
        terminal.feed(b"ls");
        assert!(!terminal.prompt_after(mark));
    }

    #[test]
    fn finds_the_echo_of_a_command_line_after_the_mark() {
        let mut terminal = Terminal::default();
        terminal.feed(b"/ # sleep 100\r\n/ # ");
        assert_eq!(terminal.echo_of(0, "sleep 100"), Some(0));
        assert_eq!(terminal.echo_of(1, "sleep 100"), None);
        terminal.feed(b"head -n1");
        assert_eq!(
            terminal.echo_of(1, "head -n1"),
            None,
            "not yet ended by Enter"
        );
        terminal.feed(b"\r\n");
        assert_eq!(terminal.echo_of(1, "head -n1"), Some(1));
    }

    #[test]
    fn expected_and_unexpected_lines() {
        let output = ["/ # echo right".to_owned(), "right".to_owned()];
        expect_line(&output, "right").unwrap();
        let error = expect_line(&output, "hello").unwrap_err().to_string();
        assert!(error.contains("no line `hello`"), "{error}");
        expect_no_line(&output, "wrong").unwrap();
        // The command line is not an output line of its own.
        expect_no_line(&output, "echo right").unwrap();
        assert!(expect_no_line(&output, "right").is_err());
    }

    #[test]
    fn typed_bytes_are_noted_escaped() {
        assert_eq!(
            typed_note(b"echo abX\x7fc\r"),
            ">>> typed \"echo abX\\x7fc\\r\""
        );
        assert_eq!(typed_note(b"\x03"), ">>> typed \"\\x03\"");
    }

    #[test]
    fn the_shell_is_busybox_sh_as_process_1() {
        assert_eq!(kernel_cmdline().unwrap(), "init=/bin/busybox -- sh");
    }

    #[test]
    fn the_filter_selects_tests_by_suite_and_name() {
        assert_eq!(selected_tests(None).len(), STEPS.len());
        assert_eq!(selected_tests(Some("terminal")).len(), STEPS.len());
        assert_eq!(
            selected_tests(Some("ctrl_c")),
            ["ctrl_c_interrupts_command", "ctrl_c_at_prompt"]
        );
        assert_eq!(selected_tests(Some("terminal::echo")), ["echo"]);
        assert!(selected_tests(Some("uaccess")).is_empty());
    }

    #[test]
    fn board_cpu_and_quick_select_the_configurations() {
        let in_scope = |scope: Scope| -> Vec<&str> {
            configurations()
                .filter(|&(name, board, cpu)| scope.includes(name, board, cpu))
                .map(|(name, _, _)| name)
                .collect()
        };
        let selected = |board, cpu| {
            in_scope(Scope {
                board,
                cpu,
                quick: false,
            })
        };
        let quick = Scope {
            quick: true,
            ..Scope::default()
        };
        assert_eq!(in_scope(quick), ["busybox/virt"]);
        assert_eq!(selected(None, None), ["busybox/virt", "busybox/raspi3b"]);
        assert_eq!(selected(Some(Board::Virt), None), ["busybox/virt"]);
        assert_eq!(selected(Some(Board::Rpi3), None), ["busybox/raspi3b"]);
        assert_eq!(selected(None, Some(Cpu::CortexA53)), ["busybox/raspi3b"]);
        assert!(selected(Some(Board::Virt), Some(Cpu::Max)).is_empty());
        assert!(selected(Some(Board::Rpi4), None).is_empty());
    }
}
