//! QEMU: its version, the machines the kernel runs on, and the command lines that boot it.

use std::fmt;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::board::{Board, Cpu};

pub const QEMU: &str = "qemu-system-aarch64";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct QemuVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

/// A QEMU machine (`-M`) the kernel runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QemuMachine {
    Raspi3b,
    Raspi4b,
    Virt,
}

/// Where the kernel's console goes and what else QEMU provides for it. Either way semihosting
/// gives the kernel its command line (`-append`) and lets it exit QEMU with a status.
pub enum Console<'a> {
    /// Serial port and QEMU monitor on this terminal, for a person; with `vnc`, the display
    /// (/dev/fb0) on QEMU's VNC server at [`VNC_DISPLAY`].
    Interactive {
        gdb: bool,
        append: Option<&'a str>,
        vnc: bool,
    },
    /// Serial port on stdout for the test runner.
    Test { cmdline: &'a str },
}

impl QemuVersion {
    /// Reads the version from `qemu-system-aarch64 --version`, e.g.
    /// `QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)`.
    pub fn parse(version_output: &str) -> Result<Self> {
        let number = version_output
            .split_whitespace()
            .skip_while(|word| *word != "version")
            .nth(1)
            .with_context(|| format!("no version number in {version_output:?}"))?;
        Self::from_number(number)
    }

    /// Reads a version number such as `10.0.2`, `9.1` or `9.0.0-rc1`.
    pub fn from_number(number: &str) -> Result<Self> {
        let mut components = number.split('.').map(leading_number);
        match (components.next(), components.next(), components.next()) {
            (Some(Some(major)), Some(Some(minor)), patch) => Ok(Self {
                major,
                minor,
                patch: patch.flatten().unwrap_or(0),
            }),
            _ => bail!("cannot read QEMU version number {number:?}"),
        }
    }
}

/// The number a version component starts with: `2` in `2-rc1`.
fn leading_number(component: &str) -> Option<u32> {
    let digits = component.len()
        - component
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    component[..digits].parse().ok()
}

impl fmt::Display for QemuVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl QemuMachine {
    const ALL: [QemuMachine; 3] = [
        QemuMachine::Raspi3b,
        QemuMachine::Raspi4b,
        QemuMachine::Virt,
    ];

    pub fn name(self) -> &'static str {
        match self {
            QemuMachine::Raspi3b => "raspi3b",
            QemuMachine::Raspi4b => "raspi4b",
            QemuMachine::Virt => "virt",
        }
    }

    /// The first QEMU release with this machine, for those newer than any QEMU still in use.
    fn introduced_in(self) -> Option<QemuVersion> {
        match self {
            QemuMachine::Raspi4b => Some(QemuVersion {
                major: 9,
                minor: 0,
                patch: 0,
            }),
            QemuMachine::Raspi3b | QemuMachine::Virt => None,
        }
    }

    /// Whether QEMU `version` has this machine.
    pub fn is_in(self, version: QemuVersion) -> bool {
        self.introduced_in()
            .is_none_or(|introduced| version >= introduced)
    }

    pub fn check_available(self, version: QemuVersion) -> Result<()> {
        match self.introduced_in() {
            Some(introduced) if version < introduced => bail!(
                "QEMU {version} has no {} machine (it needs {})",
                self.name(),
                minimum(introduced)
            ),
            _ => Ok(()),
        }
    }
}

/// One line saying which machines this QEMU offers, e.g.
/// `qemu 7.2.0: machines raspi3b, virt (raspi4b needs QEMU >= 9.0)`.
pub fn availability_report(version: QemuVersion) -> String {
    let (available, missing): (Vec<_>, Vec<_>) = QemuMachine::ALL
        .into_iter()
        .partition(|machine| machine.check_available(version).is_ok());
    let mut report = format!(
        "qemu {version}: machines {}",
        available
            .iter()
            .map(|machine| machine.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for machine in missing {
        if let Some(introduced) = machine.introduced_in() {
            report += &format!(" ({} needs {})", machine.name(), minimum(introduced));
        }
    }
    report
}

/// The oldest QEMU that has every one of `machines`; `None` when any QEMU has them.
pub fn required_version(machines: &[QemuMachine]) -> Option<QemuVersion> {
    machines
        .iter()
        .filter_map(|machine| machine.introduced_in())
        .max()
}

/// Whether QEMU `installed` (`None`: no QEMU at all) has every one of `machines`.
pub fn suffices(installed: Option<QemuVersion>, machines: &[QemuMachine]) -> bool {
    installed.is_some_and(|version| machines.iter().all(|machine| machine.is_in(version)))
}

/// A requirement on QEMU's version, the way release notes say it: `QEMU >= 9.0`.
pub fn minimum(version: QemuVersion) -> String {
    format!("QEMU >= {}.{}", version.major, version.minor)
}

/// Where `cargo xtask qemu --vnc` shows the display: VNC display 0 (TCP port 5900), on this
/// machine only. QEMU's VNC server needs no GUI libraries, unlike its gtk and sdl displays.
pub const VNC_DISPLAY: &str = "127.0.0.1:0";

/// The QEMU command that boots `image` on `board`'s machine; an error for a board QEMU cannot run.
pub fn command(board: Board, cpu: Cpu, image: &Path, console: &Console) -> Result<Command> {
    let mut qemu = Command::new(QEMU);
    let machine = board.qemu_machine()?;
    qemu.args(["-M", machine.name()]);
    match machine {
        // The Raspberry Pi machines have a fixed CPU and RAM size, and four cores. The kernel
        // runs on the first and parks the others in a WFE loop, which multi-threaded TCG spins on
        // a host CPU each, leaving the first core a fraction of a 2-CPU host; one thread for all
        // four gives it nearly a whole one (rpi3's test run: 84 s -> 25 s).
        QemuMachine::Raspi3b | QemuMachine::Raspi4b => {
            qemu.args(["-accel", "tcg,thread=single"]);
        }
        QemuMachine::Virt => {
            let ram_mib = board.info().ram.len() >> 20;
            qemu.args(["-cpu", cpu.name(), "-m", &format!("{ram_mib}M")]);
            // Without it QEMU gives virt a virtio NIC, whose option ROM (efi-virtio.rom) comes
            // from ipxe-qemu, which QEMU only recommends.
            qemu.args(["-nic", "none"]);
            // A display the kernel can set up without PCI (the raspi machines have the
            // firmware's): /dev/fb0, whose picture a screendump shows.
            qemu.args(["-device", "ramfb"]);
        }
    }
    let display = match console {
        Console::Interactive { vnc: true, .. } => format!("vnc={VNC_DISPLAY}"),
        _ => "none".to_owned(),
    };
    qemu.arg("-kernel").arg(image).arg("-display").arg(display);
    let cmdline = match console {
        Console::Interactive { gdb, append, .. } => {
            qemu.args(["-serial", "mon:stdio"]);
            if *gdb {
                qemu.args(["-s", "-S"]);
            }
            *append
        }
        Console::Test { cmdline } => {
            qemu.args(["-serial", "stdio", "-monitor", "none"]);
            Some(*cmdline)
        }
    };
    qemu.arg("-semihosting");
    if let Some(cmdline) = cmdline {
        qemu.args(["-append", cmdline]);
    }
    Ok(qemu)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(major: u32, minor: u32, patch: u32) -> QemuVersion {
        QemuVersion {
            major,
            minor,
            patch,
        }
    }

    /// The arguments, space-separated: enough to compare, as no argument here has a space but
    /// the kernel command line, which is checked on its own.
    fn arguments(command: &Command) -> String {
        let words: Vec<_> = command
            .get_args()
            .map(|argument| argument.to_string_lossy())
            .collect();
        words.join(" ")
    }

    #[test]
    fn parses_debian_backports_version() {
        let output = "QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)\n\
                      Copyright (c) 2003-2025 Fabrice Bellard and the QEMU Project developers\n";
        assert_eq!(QemuVersion::parse(output).unwrap(), version(10, 0, 2));
    }

    #[test]
    fn parses_version_without_patch_or_with_suffix() {
        assert_eq!(
            QemuVersion::parse("QEMU emulator version 9.1").unwrap(),
            version(9, 1, 0)
        );
        assert_eq!(
            QemuVersion::parse("QEMU emulator version 8.2.50 (v8.2.0-1234-gdeadbeef)").unwrap(),
            version(8, 2, 50)
        );
        assert_eq!(
            QemuVersion::parse("QEMU emulator version 9.0.0-rc1").unwrap(),
            version(9, 0, 0)
        );
    }

    #[test]
    fn rejects_output_without_version() {
        assert!(QemuVersion::parse("qemu-system-aarch64: command not found").is_err());
        assert!(QemuVersion::parse("QEMU emulator version x.y").is_err());
    }

    #[test]
    fn versions_order_numerically() {
        assert!(version(10, 0, 2) > version(9, 2, 0));
        assert!(version(7, 2, 0) < version(9, 0, 0));
    }

    #[test]
    fn raspi4b_needs_qemu_9() {
        assert!(
            QemuMachine::Raspi4b
                .check_available(version(9, 0, 0))
                .is_ok()
        );
        let error = QemuMachine::Raspi4b
            .check_available(version(7, 2, 0))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "QEMU 7.2.0 has no raspi4b machine (it needs QEMU >= 9.0)"
        );
        assert!(
            QemuMachine::Raspi3b
                .check_available(version(7, 2, 0))
                .is_ok()
        );
    }

    #[test]
    fn the_raspi4b_machine_decides_which_qemu_suffices() {
        let all = QemuMachine::ALL;
        assert_eq!(required_version(&all), Some(version(9, 0, 0)));
        assert_eq!(
            required_version(&[QemuMachine::Virt, QemuMachine::Raspi3b]),
            None
        );
        assert!(suffices(Some(version(10, 0, 2)), &all));
        assert!(suffices(Some(version(9, 0, 0)), &all));
        assert!(!suffices(Some(version(8, 2, 2)), &all));
        assert!(!suffices(None, &all));
        // Without raspi4b any QEMU does, but no QEMU never does.
        assert!(suffices(Some(version(7, 2, 0)), &[QemuMachine::Virt]));
        assert!(!suffices(None, &[]));
        assert_eq!(minimum(version(9, 0, 0)), "QEMU >= 9.0");
    }

    #[test]
    fn reads_a_bare_version_number() {
        assert_eq!(QemuVersion::from_number("7.2").unwrap(), version(7, 2, 0));
        assert!(QemuVersion::from_number("dfsg").is_err());
    }

    #[test]
    fn reports_available_machines() {
        assert_eq!(
            availability_report(version(10, 0, 2)),
            "qemu 10.0.2: machines raspi3b, raspi4b, virt"
        );
        assert_eq!(
            availability_report(version(7, 2, 0)),
            "qemu 7.2.0: machines raspi3b, virt (raspi4b needs QEMU >= 9.0)"
        );
    }

    #[test]
    fn raspi3b_gets_no_cpu_and_an_interactive_console_with_semihosting() {
        let qemu = command(
            Board::Rpi3,
            Cpu::CortexA53,
            Path::new("/k/kernel8.img"),
            &Console::Interactive {
                gdb: false,
                append: None,
                vnc: false,
            },
        )
        .unwrap();
        assert_eq!(qemu.get_program(), QEMU);
        assert_eq!(
            arguments(&qemu),
            "-M raspi3b -accel tcg,thread=single -kernel /k/kernel8.img -display none -serial \
             mon:stdio -semihosting"
        );
    }

    #[test]
    fn interactive_virt_with_gdb_and_cmdline() {
        let qemu = command(
            Board::Virt,
            Cpu::Max,
            Path::new("k.img"),
            &Console::Interactive {
                gdb: true,
                append: Some("init=/bin/sh quiet"),
                vnc: true,
            },
        )
        .unwrap();
        assert_eq!(
            arguments(&qemu),
            "-M virt -cpu max -m 1024M -nic none -device ramfb -kernel k.img -display \
             vnc=127.0.0.1:0 -serial mon:stdio -s -S -semihosting -append init=/bin/sh quiet"
        );
        assert_eq!(qemu.get_args().last(), Some("init=/bin/sh quiet".as_ref()));
    }

    #[test]
    fn virt_ram_is_a_whole_number_of_mib() {
        assert_eq!(Board::Virt.info().ram.len() % (1 << 20), 0);
    }

    #[test]
    fn test_runs_use_semihosting_and_plain_stdio() {
        let qemu = command(
            Board::Virt,
            Cpu::CortexA76,
            Path::new("k.img"),
            &Console::Test {
                cmdline: "ktest ktest.filter=mm",
            },
        )
        .unwrap();
        let arguments = arguments(&qemu);
        assert!(
            arguments.ends_with(
                "-serial stdio -monitor none -semihosting -append ktest ktest.filter=mm"
            ),
            "{arguments}"
        );
    }
}
