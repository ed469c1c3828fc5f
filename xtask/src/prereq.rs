//! The prerequisites of building, booting and testing the kernel (the Rust targets of the kernel,
//! of user space and of the Rust std test program, QEMU with every machine the tests boot, the
//! AArch64 C compiler, fsck.vfat and gdb-multiarch), installed when missing or named with the
//! command that installs them.

use std::env;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow, bail, ensure};

use crate::apt_sources;
use crate::build::KERNEL_TARGET;
use crate::matrix;
use crate::process;
use crate::qemu::{self, QEMU, QemuMachine, QemuVersion};
use crate::qemu_backports::{self, BackportsPlan, QEMU_PACKAGE};
use crate::rust_std_program;
use crate::user_programs::USER_TARGET;
use crate::workspace;

pub fn ensure_rust_targets() -> Result<()> {
    let installed = process::output_of(rustup().args(["target", "list", "--installed"]))?;
    let missing: Vec<&str> = [KERNEL_TARGET, USER_TARGET, rust_std_program::TARGET]
        .into_iter()
        .filter(|wanted| !installed.lines().any(|target| target.trim() == *wanted))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    // With RUSTUP_AUTO_INSTALL=0 nothing installs a missing target on its own.
    println!("installing the Rust targets {}", missing.join(", "));
    process::run_checked(rustup().args(["target", "add"]).args(&missing))
}

/// Rustup in the workspace root, so that it acts on the toolchain rust-toolchain.toml pins.
fn rustup() -> Command {
    let mut rustup = Command::new("rustup");
    rustup.current_dir(workspace::root());
    rustup
}

/// Makes sure QEMU is installed and has `machines`; when not, installs or upgrades it to one with
/// every machine of the test matrix (so that one install serves every command), and reports which
/// machines it has. An older QEMU than `machines` need is kept when no newer one can be had, after
/// one note saying why, how to get one, and which test configurations will not run.
pub fn ensure_qemu(machines: &[QemuMachine]) -> Result<QemuVersion> {
    let installed = installed_qemu()?;
    if !qemu::suffices(installed, machines) {
        let why = match installed {
            None => format!("{QEMU} is missing"),
            Some(version) => format!("QEMU {version} is too old"),
        };
        let installing = install_qemu(&why, &matrix::machines(&matrix::all()));
        let now_installed = installed_qemu()?;
        if !qemu::suffices(now_installed, machines) {
            let Some(version) = now_installed else {
                bail!(installing.err().unwrap_or_else(|| anyhow!(
                    "{QEMU_PACKAGE} is installed, but {QEMU} is still not on PATH"
                )));
            };
            println!("{}", old_qemu_note(version, machines, installing.err()));
        }
    }
    let version = installed_qemu()?.context("QEMU vanished while the xtask looked at it")?;
    println!("{}", qemu::availability_report(version));
    Ok(version)
}

/// The version of the QEMU on PATH, `None` when there is none.
fn installed_qemu() -> Result<Option<QemuVersion>> {
    if !on_path(QEMU) {
        return Ok(None);
    }
    let output = process::output_of(Command::new(QEMU).arg("--version"))?;
    QemuVersion::parse(&output).map(Some)
}

/// Installs QEMU with apt: the distribution's own when it has every one of `machines`, else from
/// the release's backports suite, pinned for QEMU's packages; `why` says what is wrong with the
/// QEMU there is. The error says what a person can run instead.
fn install_qemu(why: &str, machines: &[QemuMachine]) -> Result<()> {
    if !on_path("apt-get") {
        bail!("{why}; install a recent {QEMU} with this system's package manager");
    }
    let backports = backports_plan();
    let commands = match &backports {
        Ok(plan) => indent(&plan.commands()),
        Err(error) => format!(
            "{}(with no backports suite to take it from: {error:#})\n",
            indent(&apt_install_command(&[QEMU_PACKAGE]))
        ),
    };
    let Some(root) = RootAccess::find()? else {
        bail!("{why}, and {NO_ROOT}; install a recent QEMU with:\n{commands}");
    };
    install_qemu_as_root(root, why, machines, backports)
        .map_err(|error| anyhow!("{why}, and {error:#}; install a recent QEMU with:\n{commands}"))
}

/// The apt part of [`install_qemu`]. Without a backports suite to take a recent QEMU from, it
/// installs the release's own, which runs the other machines, and then fails saying why.
fn install_qemu_as_root(
    root: RootAccess,
    why: &str,
    machines: &[QemuMachine],
    backports: Result<BackportsPlan>,
) -> Result<()> {
    root.apt_get(&["update"], why)?;
    let candidate = qemu_backports::candidate_version(&process::output_of(
        Command::new("apt-cache").args(["policy", QEMU_PACKAGE]),
    )?);
    let mut without_backports = None;
    if !qemu::suffices(candidate, machines) {
        match backports {
            Ok(plan) => {
                let what = format!("{why} and this release's own QEMU is too old");
                for (path, text) in plan.files() {
                    println!("{what}; writing {path}");
                    root.write_file(path, text)?;
                }
                root.apt_get(&["update"], &what)?;
            }
            Err(error) => {
                without_backports = Some(error.context("this release's own QEMU is too old"));
            }
        }
    }
    root.apt_get(
        &["install", "-y", "--no-install-recommends", QEMU_PACKAGE],
        why,
    )?;
    without_backports.map_or(Ok(()), Err)
}

/// Names the distribution and its release.
const OS_RELEASE: &str = "/etc/os-release";

/// The backports source and pin for this machine's release, from /etc/os-release and the apt
/// sources.
fn backports_plan() -> Result<BackportsPlan> {
    let os_release =
        fs::read_to_string(OS_RELEASE).with_context(|| format!("cannot read {OS_RELEASE}"))?;
    let release = qemu_backports::parse_os_release(&os_release)
        .with_context(|| format!("{OS_RELEASE} names no distribution with a release codename"))?;
    qemu_backports::plan(&release, &apt_sources::system_sources()?)
}

/// Says, once, that QEMU `version` lacks some of `machines`, why no newer one was installed
/// (`failure`, or that apt's best was no newer), and which test configurations will not run.
fn old_qemu_note(
    version: QemuVersion,
    machines: &[QemuMachine],
    failure: Option<anyhow::Error>,
) -> String {
    let missing: Vec<QemuMachine> = machines
        .iter()
        .copied()
        .filter(|machine| !machine.is_in(version))
        .collect();
    let names: Vec<&str> = missing.iter().map(|machine| machine.name()).collect();
    let required = qemu::required_version(&missing).map_or_else(String::new, qemu::minimum);
    let reason = match failure {
        Some(error) => format!("{error:#}"),
        None => format!(
            "apt installed QEMU {version}, the newest this machine's apt sources offer; install \
             {required} (qemu-system-aarch64 on PATH) some other way"
        ),
    };
    format!(
        "NOTE: QEMU {version} has no {} machine ({required} has), so these test configurations \
         will not run: {}\n{reason}",
        names.join(" or "),
        matrix::rows_booting(&missing).join(", ")
    )
}

/// The C compiler for the Linux test programs (user/linux), and glibc to link them with.
pub const CROSS_GCC: &str = "aarch64-linux-gnu-gcc";
const CROSS_GCC_PACKAGES: [&str; 2] = ["gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross"];
/// A header of the glibc that `libc6-dev-arm64-cross` installs.
const CROSS_LIBC_HEADER: &str = "/usr/aarch64-linux-gnu/include/stdio.h";

/// Makes sure the AArch64 Linux C compiler and its glibc are installed.
pub fn ensure_cross_gcc() -> Result<()> {
    if on_path(CROSS_GCC) && Path::new(CROSS_LIBC_HEADER).is_file() {
        return Ok(());
    }
    apt_install(
        &CROSS_GCC_PACKAGES,
        "the C compiler for the Linux test programs is missing",
    )?;
    ensure!(
        on_path(CROSS_GCC),
        "{} are installed, but {CROSS_GCC} is still not on PATH",
        CROSS_GCC_PACKAGES.join(" and ")
    );
    Ok(())
}

/// A program some commands need and others do without, and the package that has it.
pub struct HostTool {
    pub program: &'static str,
    pub package: &'static str,
    /// What goes without when it is missing.
    pub needed_for: &'static str,
}

/// fsck.vfat, with which the host test of the SD-card images checks each board's FAT32 partition.
pub const FSCK_VFAT: HostTool = HostTool {
    program: "fsck.vfat",
    package: "dosfstools",
    needed_for: "the SD-card image test (sd_card_tests) cannot check the images with fsck.vfat",
};

/// The debugger `cargo xtask qemu --gdb` tells a person to attach with.
pub const GDB: HostTool = HostTool {
    program: "gdb-multiarch",
    package: "gdb-multiarch",
    needed_for: "there is no debugger for AArch64 to attach to QEMU with",
};

/// Where Debian keeps administrators' programs such as fsck.vfat, which a user's PATH may lack.
const SBIN_DIRECTORIES: [&str; 2] = ["/usr/sbin", "/sbin"];

impl HostTool {
    /// Installs the tool when missing; when it cannot, says so with the command that would, and
    /// carries on without it.
    pub fn ensure(&self) {
        if self.is_installed() {
            return;
        }
        let why = format!("{} is missing", self.program);
        match apt_install(&[self.package], &why) {
            Ok(()) if self.is_installed() => {}
            Ok(()) => println!(
                "NOTE: {} is installed, but {} is still not found, so {}",
                self.package, self.program, self.needed_for
            ),
            Err(error) => println!("NOTE: {error:#}(until then {})", self.needed_for),
        }
    }

    fn is_installed(&self) -> bool {
        on_path(self.program)
            || SBIN_DIRECTORIES
                .iter()
                .any(|directory| Path::new(directory).join(self.program).is_file())
    }
}

/// Installs `packages` with apt-get, through sudo when not root; `why` says what is missing. The
/// error names the command to run where the xtask cannot.
fn apt_install(packages: &[&str], why: &str) -> Result<()> {
    if !on_path("apt-get") {
        bail!(
            "{why}; install {} with this system's package manager",
            packages.join(" ")
        );
    }
    let command = indent(&apt_install_command(packages));
    let Some(root) = RootAccess::find()? else {
        bail!("{why}, and {NO_ROOT}; install it with:\n{command}");
    };
    let install = [&["install", "-y", "--no-install-recommends"][..], packages].concat();
    root.apt_get(&["update"], why)
        .and_then(|()| root.apt_get(&install, why))
        .map_err(|error| anyhow!("{why}, and {error:#}; install it with:\n{command}"))
}

/// Why the xtask installs nothing itself.
const NO_ROOT: &str = "the xtask runs neither as root nor with password-less sudo";

/// What a person with sudo types to install `packages`.
fn apt_install_command(packages: &[&str]) -> String {
    format!(
        "sudo apt-get update && sudo apt-get install -y --no-install-recommends {}\n",
        packages.join(" ")
    )
}

/// Every line of `text` indented by four spaces, to stand out from the message around it.
fn indent(text: &str) -> String {
    text.lines().map(|line| format!("    {line}\n")).collect()
}

/// How the xtask runs commands as root: it is root, or password-less sudo lets it.
#[derive(Clone, Copy)]
enum RootAccess {
    Root,
    Sudo,
}

impl RootAccess {
    /// `None` when the xtask cannot act as root without asking for a password.
    fn find() -> Result<Option<Self>> {
        Ok(if is_root()? {
            Some(RootAccess::Root)
        } else if process::succeeds(Command::new("sudo").args(["-n", "true"])) {
            Some(RootAccess::Sudo)
        } else {
            None
        })
    }

    /// `words` as a command run as root.
    fn command(self, words: &[&str]) -> Command {
        let mut words = words.to_vec();
        if let RootAccess::Sudo = self {
            words.splice(0..0, ["sudo", "-n"]);
        }
        let mut command = Command::new(words[0]);
        command.args(&words[1..]);
        command
    }

    /// Runs apt-get with `arguments` as root, saying `why` first.
    fn apt_get(self, arguments: &[&str], why: &str) -> Result<()> {
        // `env` because sudo drops the caller's environment.
        let words = [
            &["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"][..],
            arguments,
        ]
        .concat();
        let mut apt = self.command(&words);
        println!("{why}; running `{}`", process::describe(&apt));
        process::run_checked(&mut apt)
    }

    /// Writes `text` to `path`, a file only root may write.
    fn write_file(self, path: &str, text: &str) -> Result<()> {
        let mut tee = self.command(&["tee", path]);
        let mut child = tee
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start `{}`", process::describe(&tee)))?;
        child
            .stdin
            .take()
            .context("tee's input is not piped")?
            .write_all(text.as_bytes())
            .with_context(|| format!("cannot write {path}"))?;
        let status = child.wait()?;
        ensure!(
            status.success(),
            "`{}` failed ({status})",
            process::describe(&tee)
        );
        Ok(())
    }
}

fn is_root() -> Result<bool> {
    Ok(process::output_of(Command::new("id").arg("-u"))?.trim() == "0")
}

pub fn on_path(program: &str) -> bool {
    env::var_os("PATH").is_some_and(|path| {
        env::split_paths(&path).any(|directory| directory.join(program).is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const QEMU_7_2: QemuVersion = QemuVersion {
        major: 7,
        minor: 2,
        patch: 0,
    };

    #[test]
    fn an_old_qemu_is_reported_with_the_configurations_it_cannot_run() {
        let all = [
            QemuMachine::Raspi3b,
            QemuMachine::Raspi4b,
            QemuMachine::Virt,
        ];
        assert_eq!(
            old_qemu_note(QEMU_7_2, &all, None),
            "NOTE: QEMU 7.2.0 has no raspi4b machine (QEMU >= 9.0 has), so these test \
             configurations will not run: rpi4/raspi4b\n\
             apt installed QEMU 7.2.0, the newest this machine's apt sources offer; install \
             QEMU >= 9.0 (qemu-system-aarch64 on PATH) some other way"
        );
        let no_sudo =
            anyhow!("QEMU 7.2.0 is too old, and ...; install a recent QEMU with:\n    sudo ...\n");
        let note = old_qemu_note(QEMU_7_2, &all, Some(no_sudo));
        assert!(
            note.ends_with("will not run: rpi4/raspi4b\nQEMU 7.2.0 is too old, and ...; install a recent QEMU with:\n    sudo ...\n"),
            "{note}"
        );
    }

    #[test]
    fn commands_for_a_person_are_indented_lines() {
        assert_eq!(
            indent(&apt_install_command(&["dosfstools"])),
            "    sudo apt-get update && sudo apt-get install -y --no-install-recommends \
             dosfstools\n"
        );
    }

    #[test]
    fn sudo_comes_before_a_command_only_when_not_root() {
        let words = |access: RootAccess| process::describe(&access.command(&["tee", "/etc/x"]));
        assert_eq!(words(RootAccess::Root), "tee /etc/x");
        assert_eq!(words(RootAccess::Sudo), "sudo -n tee /etc/x");
    }
}
