//! `cargo xtask qemu`: the kernel booted in QEMU with its console on this terminal, oops
//! backtraces named as they scroll by.

use std::io::{self, Read, Write};
use std::process::{Child, ExitCode, Stdio};

use anyhow::{Context, Result};

use crate::board::{Board, Cpu};
use crate::build::{self, Flavour, KernelBuild, Profile};
use crate::prereq;
use crate::process;
use crate::protocol::{self, ConsoleLine};
use crate::qemu::{self, Console};
use crate::symbolize::Symbolizer;

pub struct Options {
    pub board: Board,
    pub cpu: Option<Cpu>,
    pub profile: Profile,
    pub gdb: bool,
    pub append: Option<String>,
}

pub fn run(options: &Options) -> Result<ExitCode> {
    let cpu = options.board.cpu(options.cpu)?;
    prereq::ensure_kernel_target()?;
    let machine = options.board.qemu_machine();
    machine.check_available(prereq::ensure_qemu()?)?;
    let kernel = build::build_kernel(&KernelBuild {
        board: options.board,
        profile: options.profile,
        flavour: Flavour::Qemu,
    })?;
    let symbolizer = Symbolizer::load(&kernel.elf)?;
    let mut qemu = qemu::command(
        options.board,
        cpu,
        &kernel.image,
        &Console::Interactive {
            gdb: options.gdb,
            append: options.append.as_deref(),
        },
    );
    if options.gdb {
        println!(
            "QEMU waits for a debugger; attach with:\n    gdb-multiarch {} -ex 'target remote localhost:1234'",
            kernel.elf.display()
        );
    }
    println!(
        "booting {} on QEMU {} ({}); Ctrl-A X quits, Ctrl-A H lists the other keys",
        options.board.name(),
        machine.name(),
        cpu.name()
    );
    let mut child = qemu
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start `{}`", process::describe(&qemu)))?;
    let relayed = relay(&mut child, &symbolizer);
    if relayed.is_err() {
        // Left alone, QEMU would keep the terminal in raw mode with nobody showing its output.
        child.kill().ok();
    }
    relayed?;
    Ok(if child.wait()?.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Passes QEMU's output through as soon as it arrives (a shell prompt has no line ending to wait
/// for) and follows each backtrace frame line with the frame's symbol.
fn relay(qemu: &mut Child, symbolizer: &Symbolizer) -> Result<()> {
    let mut console = qemu.stdout.take().context("QEMU's output is not piped")?;
    let mut terminal = io::stdout().lock();
    let mut line = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        let read = match console.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error.into()),
        };
        for piece in chunk[..read].split_inclusive(|&byte| byte == b'\n') {
            terminal.write_all(piece)?;
            line.extend_from_slice(piece);
            if piece.ends_with(b"\n") {
                if let Some(annotation) = annotation(&line, symbolizer) {
                    // The terminal is in raw mode while QEMU owns it: end lines with CR LF.
                    write!(terminal, "{annotation}\r\n")?;
                }
                line.clear();
            }
        }
        terminal.flush()?;
    }
    Ok(())
}

/// The extra line under a backtrace frame line, naming its function.
fn annotation(line: &[u8], symbolizer: &Symbolizer) -> Option<String> {
    let text = String::from_utf8_lossy(line);
    let ConsoleLine::Frame(frame) = protocol::parse_line(text.trim_end()) else {
        return None;
    };
    let symbol = symbolizer.frame_symbol(&frame);
    Some(format!("      -> {}", symbol.as_deref().unwrap_or("??")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbolize::FunctionSymbol;

    #[test]
    fn annotates_frame_lines_only() {
        let symbolizer = Symbolizer::new(vec![FunctionSymbol {
            start: 0xffff_0000_0008_0000,
            size: 0x100,
            name: "kernel::shell::run".to_owned(),
        }]);
        assert_eq!(
            annotation(b"  #2 0xffff000000080010\r\n", &symbolizer).as_deref(),
            Some("      -> kernel::shell::run+0x10")
        );
        assert_eq!(
            annotation(b"  #0 0x0000000000000010\r\n", &symbolizer).as_deref(),
            Some("      -> ??")
        );
        assert_eq!(annotation(b"$ ls\r\n", &symbolizer), None);
    }
}
