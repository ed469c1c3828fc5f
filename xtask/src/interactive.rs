//! `cargo xtask qemu`: the kernel booted in QEMU with its console on this terminal, oops
//! backtraces named as they scroll by, and QEMU's exit status passed on.

use std::io::{self, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, ExitCode, ExitStatus, Stdio};

use anyhow::{Context, Result, ensure};

use crate::board::{Board, Cpu};
use crate::build::{self, Flavour, KernelBuild, Profile};
use crate::cmdline;
use crate::icount;
use crate::initramfs::{self, HostFiles};
use crate::prereq;
use crate::process;
use crate::protocol::{self, ConsoleLine};
use crate::qemu::{self, Console, QemuMachine};
use crate::scripted_input::ScriptedInput;
use crate::swap_disk::{self, PartitionSpec};
use crate::symbolize::Symbolizer;

pub struct Options {
    pub board: Board,
    pub cpu: Option<Cpu>,
    pub profile: Profile,
    pub gdb: bool,
    /// Show the display (/dev/fb0) through QEMU's VNC server.
    pub vnc: bool,
    /// Deterministic timing, as `cargo xtask bench` has it.
    pub icount: bool,
    /// Kernel command line words.
    pub append: Option<String>,
    /// A host program to run as the first process instead of /bin/init.
    pub init: Option<PathBuf>,
    /// Busybox's shell as the first process instead of /bin/init.
    pub busybox: bool,
    /// Host files for the initramfs's root.
    pub added: Vec<PathBuf>,
    /// Bytes of the swap partition on an attached disk.
    pub swap: Option<u64>,
    /// Arguments of the first process.
    pub init_arguments: Vec<String>,
}

pub fn run(options: &Options) -> Result<ExitCode> {
    let cpu = options.board.cpu(options.cpu)?;
    prereq::ensure_rust_targets()?;
    let machine = options.board.qemu_machine()?;
    machine.check_available(prereq::ensure_qemu(&[machine])?)?;
    if options.gdb {
        prereq::GDB.ensure();
    }
    let initramfs = initramfs::build(&HostFiles {
        init: options.init.as_deref(),
        added: &options.added,
    })?;
    let words: Vec<&str> = options
        .append
        .iter()
        .flat_map(|append| append.split_whitespace())
        .collect();
    let (init, arguments) = first_process(
        options.busybox,
        initramfs.init.as_deref(),
        &options.init_arguments,
    );
    let cmdline = cmdline::compose(&words, init, &arguments)?;
    let kernel = build::build_kernel(
        &KernelBuild {
            board: options.board,
            profile: options.profile,
            flavour: Flavour::Qemu,
        },
        &initramfs.path,
    )?;
    let symbolizer = Symbolizer::load(&kernel.elf)?;
    let mut qemu = qemu::command(
        options.board,
        cpu,
        &kernel.image,
        &Console::Interactive {
            gdb: options.gdb,
            append: Some(cmdline.as_str()).filter(|line| !line.is_empty()),
            vnc: options.vnc,
        },
    )?;
    if options.vnc {
        println!(
            "display (/dev/fb0): QEMU's VNC server on {} (port 5900), e.g. `vncviewer {}`",
            qemu::VNC_DISPLAY,
            qemu::VNC_DISPLAY
        );
    }
    if options.icount {
        icount::make_deterministic(&mut qemu);
    }
    if let Some(bytes) = options.swap {
        ensure!(
            options.board.has_disk_driver(),
            "--swap needs a disk driver: virt (virtio-blk), rpi3 and rpi4 (the SD card) have one"
        );
        let image = crate::workspace::target_dir()
            .join("xtask")
            .join("swap-disk.img");
        swap_disk::make(&image, &[PartitionSpec { bytes, swap: true }])?;
        qemu.args(swap_disk::qemu_arguments(machine, &image, None)?);
        let partition = if machine == QemuMachine::Virt {
            "/dev/vda1"
        } else {
            "/dev/mmcblk0p1"
        };
        println!(
            "disk: {} with {partition}, {} MiB of swap: `swapon {partition}`",
            image.display(),
            bytes >> 20
        );
    }
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
    ScriptedInput::intercept(&mut qemu);
    let mut child = qemu
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start `{}`", process::describe(&qemu)))?;
    let input = ScriptedInput::new(child.stdin.take());
    let relayed = relay(&mut child, &symbolizer, input);
    if relayed.is_err() {
        // Left alone, QEMU would keep the terminal in raw mode with nobody showing its output.
        child.kill().ok();
    }
    relayed?;
    Ok(exit_code_of(child.wait()?))
}

/// The first process (`None`: the kernel's /bin/init) and its arguments: busybox's `sh` for
/// `--busybox`, given the user's arguments after its own name, else the `--init` program.
fn first_process<'a>(
    busybox: bool,
    init: Option<&'a str>,
    arguments: &'a [String],
) -> (Option<&'a str>, Vec<&'a str>) {
    let arguments = arguments.iter().map(String::as_str);
    if busybox {
        // Called as `busybox`, busybox runs the applet its first argument names.
        (
            Some(initramfs::BUSYBOX),
            ["sh"].into_iter().chain(arguments).collect(),
        )
    } else {
        (init, arguments.collect())
    }
}

/// QEMU's exit status, which is that of the first process when it exits or powers off, as this
/// program's; killed by a signal, as a shell reports it (128 + the signal).
fn exit_code_of(status: ExitStatus) -> ExitCode {
    let code = status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(1);
    ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX))
}

/// Passes QEMU's output through as soon as it arrives (a shell prompt has no line ending to wait
/// for) and follows each backtrace frame line with the frame's symbol. Scripted `input` goes to
/// the kernel once its banner shows that it has set up its UART.
fn relay(qemu: &mut Child, symbolizer: &Symbolizer, mut input: ScriptedInput) -> Result<()> {
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
                let parsed = console_line(&line);
                if let ConsoleLine::Banner(_) = parsed {
                    input.release();
                }
                if let Some(annotation) = annotation(&parsed, symbolizer) {
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

/// A line of the console as QEMU passes it on, line ending (CR LF) included.
fn console_line(line: &[u8]) -> ConsoleLine {
    protocol::parse_line(String::from_utf8_lossy(line).trim_end())
}

/// The extra line under a backtrace frame line, naming its function.
fn annotation(line: &ConsoleLine, symbolizer: &Symbolizer) -> Option<String> {
    let ConsoleLine::Frame(frame) = line else {
        return None;
    };
    let symbol = symbolizer.frame_symbol(frame);
    Some(format!("      -> {}", symbol.as_deref().unwrap_or("??")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbolize::FunctionSymbol;

    #[test]
    fn passes_on_exit_statuses_and_signals_as_a_shell_does() {
        // Wait statuses as the kernel reports them: the exit code in bits 8..16, or the signal.
        assert_eq!(exit_code_of(ExitStatus::from_raw(0)), ExitCode::SUCCESS);
        assert_eq!(
            exit_code_of(ExitStatus::from_raw(3 << 8)),
            ExitCode::from(3)
        );
        assert_eq!(
            exit_code_of(ExitStatus::from_raw(255 << 8)),
            ExitCode::from(255)
        );
        assert_eq!(exit_code_of(ExitStatus::from_raw(9)), ExitCode::from(137));
    }

    #[test]
    fn busybox_runs_its_shell_with_the_user_s_arguments() {
        let arguments = ["-c".to_owned(), "ls".to_owned()];
        assert_eq!(
            first_process(true, None, &arguments),
            (Some("/bin/busybox"), vec!["sh", "-c", "ls"])
        );
        assert_eq!(
            first_process(true, None, &[]),
            (Some("/bin/busybox"), vec!["sh"])
        );
        assert_eq!(
            first_process(false, Some("/bin/hello"), &arguments),
            (Some("/bin/hello"), vec!["-c", "ls"])
        );
        assert_eq!(first_process(false, None, &[]), (None, vec![]));
    }

    #[test]
    fn reads_the_banner_that_releases_scripted_input() {
        let banner = console_line(b"boot: board=rpi3 cpu=cortex-a53 el=1\r\n");
        assert!(matches!(banner, ConsoleLine::Banner(_)), "{banner:?}");
        assert_eq!(console_line(b"$ \r\n"), ConsoleLine::Other);
    }

    #[test]
    fn annotates_frame_lines_only() {
        let symbolizer = Symbolizer::new(vec![FunctionSymbol {
            start: 0xffff_0000_0008_0000,
            size: 0x100,
            name: "kernel::shell::run".to_owned(),
        }]);
        assert_eq!(
            annotation(&console_line(b"  #2 0xffff000000080010\r\n"), &symbolizer).as_deref(),
            Some("      -> kernel::shell::run+0x10")
        );
        assert_eq!(
            annotation(&console_line(b"  #0 0x0000000000000010\r\n"), &symbolizer).as_deref(),
            Some("      -> ??")
        );
        assert_eq!(annotation(&console_line(b"$ ls\r\n"), &symbolizer), None);
    }
}
