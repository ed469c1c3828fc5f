//! The serial port as a terminal once the kernel runs: what the board sends goes to stdout, keys
//! go to the board, until Ctrl-A X or Ctrl-C (or the port closes).

use std::io::{self, IsTerminal, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};

use anyhow::Result;
use rustix::event::{PollFd, PollFlags, poll};
use rustix::termios::{OptionalActions, Termios, tcgetattr, tcsetattr};

const CTRL_A: u8 = 0x01;
const CTRL_C: u8 = 0x03;

/// What a key typed at the terminal does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyAction {
    Send(u8),
    Leave,
    /// Ctrl-A, waiting for the key it modifies; or a Ctrl-A combination with no meaning.
    Nothing,
}

/// Reads Ctrl-A combinations as QEMU's console does: Ctrl-A X leaves, Ctrl-A Ctrl-A sends one
/// Ctrl-A. Ctrl-C leaves too: the chainloader's board has no use for it before the shell runs.
#[derive(Default)]
struct EscapeKeys {
    after_ctrl_a: bool,
}

/// This terminal in raw mode (every key as typed, no echo), restored when dropped.
struct RawTerminal<'a> {
    terminal: BorrowedFd<'a>,
    saved: Termios,
}

/// Relays between the terminal and the port until the user leaves or the port closes. `unread`
/// is what the port sent before, still to be shown.
pub fn run(
    mut port_input: impl Read + AsFd,
    mut port_output: impl Write,
    unread: &[u8],
) -> Result<()> {
    let stdin = io::stdin();
    let _raw = if stdin.is_terminal() {
        Some(RawTerminal::enter(stdin.as_fd())?)
    } else {
        None
    };
    let mut stdout = io::stdout().lock();
    // In raw mode the terminal no longer turns a line feed into a new line.
    write!(stdout, "connected; Ctrl-A X or Ctrl-C leaves\r\n")?;
    stdout.write_all(unread)?;
    stdout.flush()?;
    let mut keys = EscapeKeys::default();
    let mut stdin_open = true;
    let mut buffer = [0; 4096];
    loop {
        let mut fds = vec![PollFd::new(&port_input, PollFlags::IN)];
        if stdin_open {
            fds.push(PollFd::new(&stdin, PollFlags::IN));
        }
        match poll(&mut fds, None) {
            Err(rustix::io::Errno::INTR) => continue,
            result => result?,
        };
        let port_ready = !fds[0].revents().is_empty();
        let stdin_ready = fds.get(1).is_some_and(|fd| !fd.revents().is_empty());
        drop(fds);
        if port_ready {
            let read = port_input.read(&mut buffer)?;
            if read == 0 {
                write!(stdout, "\r\nthe serial port closed\r\n")?;
                return Ok(());
            }
            stdout.write_all(&buffer[..read])?;
            stdout.flush()?;
        }
        if stdin_ready {
            // From the descriptor itself: Stdin's buffer would keep keys that poll cannot see.
            let read = loop {
                match rustix::io::read(&stdin, &mut buffer) {
                    Err(rustix::io::Errno::INTR) => continue,
                    result => break result?,
                }
            };
            // Without input (a script that ended) the board's output is still worth showing.
            stdin_open = read > 0;
            let mut keys_to_send = Vec::new();
            for &key in &buffer[..read] {
                match keys.action(key) {
                    KeyAction::Send(byte) => keys_to_send.push(byte),
                    KeyAction::Leave => {
                        port_output.write_all(&keys_to_send)?;
                        write!(stdout, "\r\n")?;
                        return Ok(());
                    }
                    KeyAction::Nothing => {}
                }
            }
            port_output.write_all(&keys_to_send)?;
            port_output.flush()?;
        }
    }
}

impl EscapeKeys {
    fn action(&mut self, key: u8) -> KeyAction {
        if std::mem::take(&mut self.after_ctrl_a) {
            return match key {
                b'x' | b'X' => KeyAction::Leave,
                CTRL_A => KeyAction::Send(CTRL_A),
                _ => KeyAction::Nothing,
            };
        }
        match key {
            CTRL_A => {
                self.after_ctrl_a = true;
                KeyAction::Nothing
            }
            CTRL_C => KeyAction::Leave,
            key => KeyAction::Send(key),
        }
    }
}

impl<'a> RawTerminal<'a> {
    fn enter(terminal: BorrowedFd<'a>) -> Result<Self> {
        let saved = tcgetattr(terminal)?;
        let mut raw = saved.clone();
        raw.make_raw();
        tcsetattr(terminal, OptionalActions::Now, &raw)?;
        Ok(Self { terminal, saved })
    }
}

impl Drop for RawTerminal<'_> {
    fn drop(&mut self) {
        // Nothing better to do if it fails: the shell's `reset` repairs the terminal.
        let _ = tcsetattr(self.terminal, OptionalActions::Now, &self.saved);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actions(keys: &[u8]) -> Vec<KeyAction> {
        let mut escape = EscapeKeys::default();
        keys.iter().map(|&key| escape.action(key)).collect()
    }

    #[test]
    fn plain_keys_go_to_the_board() {
        assert_eq!(
            actions(b"ls\r"),
            [
                KeyAction::Send(b'l'),
                KeyAction::Send(b's'),
                KeyAction::Send(b'\r')
            ]
        );
    }

    #[test]
    fn ctrl_a_x_and_ctrl_c_leave() {
        assert_eq!(
            actions(&[CTRL_A, b'x']),
            [KeyAction::Nothing, KeyAction::Leave]
        );
        assert_eq!(
            actions(&[CTRL_A, b'X']),
            [KeyAction::Nothing, KeyAction::Leave]
        );
        assert_eq!(actions(&[CTRL_C]), [KeyAction::Leave]);
    }

    #[test]
    fn ctrl_a_twice_sends_one_ctrl_a_and_other_combinations_nothing() {
        assert_eq!(
            actions(&[CTRL_A, CTRL_A, b'x']),
            [
                KeyAction::Nothing,
                KeyAction::Send(CTRL_A),
                KeyAction::Send(b'x')
            ]
        );
        assert_eq!(
            actions(&[CTRL_A, b'h', b'x']),
            [
                KeyAction::Nothing,
                KeyAction::Nothing,
                KeyAction::Send(b'x')
            ]
        );
    }
}
