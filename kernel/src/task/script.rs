//! Scripts: a file that starts with `#!` names the interpreter execve runs instead, with at
//! most one argument, as Linux's binfmt_script does. Pure logic, tested on the host.

use crate::errno::{ENOEXEC, Errno};
use alloc::string::String;
use alloc::vec::Vec;

/// How much of a file execve looks at for the `#!` line (Linux's BINPRM_BUF_SIZE).
pub const HEAD_SIZE: usize = 256;

#[derive(Debug, PartialEq, Eq)]
pub struct Interpreter {
    pub path: String,
    pub argument: Option<String>,
}

/// The interpreter `head` (a file's first bytes) asks for; `None` if it is not a script.
pub fn interpreter(head: &[u8]) -> Option<Result<Interpreter, Errno>> {
    let line = head.strip_prefix(b"#!")?;
    let line = match line.iter().position(|&b| b == b'\n') {
        Some(end) => &line[..end],
        None => line,
    };
    let Ok(line) = core::str::from_utf8(line) else {
        return Some(Err(ENOEXEC));
    };
    let line = line.trim_matches([' ', '\t']);
    let (path, argument) = match line.split_once([' ', '\t']) {
        Some((path, argument)) => (path, Some(argument.trim_matches([' ', '\t']))),
        None => (line, None),
    };
    if path.is_empty() {
        return Some(Err(ENOEXEC));
    }
    Some(Ok(Interpreter {
        path: String::from(path),
        argument: argument.filter(|a| !a.is_empty()).map(String::from),
    }))
}

impl Interpreter {
    /// The interpreter's argv: itself, its argument, the script's path, then the script's
    /// arguments after the first.
    pub fn argv(&self, script: &str, argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let mut new = Vec::with_capacity(argv.len() + 2);
        new.push(self.path.as_bytes().to_vec());
        new.extend(self.argument.iter().map(|a| a.as_bytes().to_vec()));
        new.push(script.as_bytes().to_vec());
        new.extend(argv.iter().skip(1).cloned());
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpreter_lines() {
        let parsed = |head: &[u8]| interpreter(head);
        assert_eq!(parsed(b"\x7fELF"), None);
        assert_eq!(
            parsed(b"#!/bin/busybox sh\necho"),
            Some(Ok(Interpreter {
                path: String::from("/bin/busybox"),
                argument: Some(String::from("sh")),
            }))
        );
        // Everything after the interpreter is one argument, as on Linux.
        assert_eq!(
            parsed(b"#! /bin/x  -a -b \t\n"),
            Some(Ok(Interpreter {
                path: String::from("/bin/x"),
                argument: Some(String::from("-a -b")),
            }))
        );
        assert_eq!(
            parsed(b"#!/bin/sh"),
            Some(Ok(Interpreter {
                path: String::from("/bin/sh"),
                argument: None,
            }))
        );
        assert_eq!(parsed(b"#!  \n"), Some(Err(ENOEXEC)));
    }

    #[test]
    fn argv_puts_the_script_after_the_interpreter() {
        let interpreter = Interpreter {
            path: String::from("/bin/busybox"),
            argument: Some(String::from("sh")),
        };
        let argv = [b"name".to_vec(), b"one".to_vec()];
        assert_eq!(
            interpreter.argv("/tests/t", &argv),
            [
                b"/bin/busybox".to_vec(),
                b"sh".to_vec(),
                b"/tests/t".to_vec(),
                b"one".to_vec()
            ]
        );
    }
}
