//! `cargo xtask`: builds the kernel, boots it in QEMU and runs its tests, from the host.

mod banner_check;
mod board;
mod build;
mod capture;
mod cmdline;
mod extable_audit;
mod extable_elf;
mod host_tests;
mod image;
mod initramfs;
mod interactive;
mod matrix;
mod newc;
mod prereq;
mod process;
mod protocol;
mod qemu;
mod scripted_input;
mod summary;
mod symbolize;
mod test;
mod transcript;
mod user_programs;
mod verdict;
mod workspace;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

use board::{Board, Cpu};
use build::{Flavour, KernelBuild, Profile};
use initramfs::HostFiles;

/// Builds, images, boots and tests the kernel.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build the user programs, the initramfs and, with it embedded, the kernel ELF and its raw
    /// image (kernel8.img) for a real board (or with --ktest, the test kernel) under target/kernel/
    Build(BuildArgs),
    /// Build the kernel and boot it in QEMU with its console on this terminal (Ctrl-A X quits); it
    /// starts /bin/init, which keeps a shell on the console, and exits with QEMU's exit status
    Qemu(QemuArgs),
    /// Run the host unit tests, then on each QEMU configuration the in-kernel tests, the user test
    /// programs and the fault scenarios
    Test(TestArgs),
}

#[derive(Args)]
struct BuildArgs {
    /// Board to build for
    #[arg(long, value_enum, default_value_t = Board::Rpi3)]
    board: Board,
    /// Build with the release profile
    #[arg(long)]
    release: bool,
    /// Build the test kernel, which runs the in-kernel tests after boot and exits QEMU
    #[arg(long)]
    ktest: bool,
}

#[derive(Args)]
struct QemuArgs {
    /// Board to boot
    #[arg(long, value_enum, default_value_t = Board::Rpi3)]
    board: Board,
    /// CPU to emulate; only virt can choose (default cortex-a76), rpi3 is always a Cortex-A53
    #[arg(long, value_enum)]
    cpu: Option<Cpu>,
    /// Build with the release profile
    #[arg(long)]
    release: bool,
    /// Stop at the first instruction and wait for GDB on localhost:1234
    #[arg(long)]
    gdb: bool,
    /// Kernel command line, which the kernel reads through semihosting (e.g. pan=software)
    #[arg(long, value_name = "CMDLINE")]
    append: Option<String>,
    /// Run this host program (a static AArch64 ELF) as the first process instead of /bin/init: it
    /// goes into the initramfs as /bin/<its file name>, and QEMU exits with its exit status
    #[arg(long, value_name = "PATH")]
    init: Option<PathBuf>,
    /// Put this host file into the initramfs as /<its file name> (repeatable)
    #[arg(long = "add", value_name = "PATH")]
    added: Vec<PathBuf>,
    /// Arguments of the first process (the --init program, or /bin/init), after `--`
    #[arg(last = true, value_name = "ARGS")]
    init_arguments: Vec<String>,
}

#[derive(Args)]
struct TestArgs {
    /// Only run the configurations of this board
    #[arg(long, value_enum)]
    board: Option<Board>,
    /// Only run the configurations emulating this CPU
    #[arg(long, value_enum)]
    cpu: Option<Cpu>,
    /// Only run tests and fault scenarios whose name contains PATTERN (host tests too); the user
    /// test programs all run, and only their tests that match are counted
    #[arg(long, value_name = "PATTERN")]
    filter: Option<String>,
}

fn main() -> ExitCode {
    match run(Cli::parse().task) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(task: Task) -> Result<ExitCode> {
    match task {
        Task::Build(args) => {
            prereq::ensure_rust_targets()?;
            let initramfs = initramfs::build(&HostFiles::default())?;
            let kernel = KernelBuild {
                board: args.board,
                profile: Profile::from_release_flag(args.release),
                flavour: if args.ktest {
                    Flavour::Test
                } else {
                    Flavour::Hardware
                },
            };
            build::build_kernel(&kernel, &initramfs.path)?;
            Ok(ExitCode::SUCCESS)
        }
        Task::Qemu(args) => interactive::run(&interactive::Options {
            board: args.board,
            cpu: args.cpu,
            profile: Profile::from_release_flag(args.release),
            gdb: args.gdb,
            append: args.append,
            init: args.init,
            added: args.added,
            init_arguments: args.init_arguments,
        }),
        Task::Test(args) => test::run(&test::Options {
            board: args.board,
            cpu: args.cpu,
            filter: args.filter,
        }),
    }
}
