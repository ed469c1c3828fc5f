//! `cargo xtask`: builds the kernel, boots it in QEMU and runs its tests, from the host.

mod apt_sources;
mod banner_check;
mod bench;
mod bench_baseline;
mod bench_boot;
mod bench_catalogue;
mod bench_lines;
mod bench_linux;
mod bench_plot;
mod bench_report;
mod bench_smoke;
mod board;
mod build;
mod capture;
mod chainboot;
mod chainboot_test;
mod chainloader;
mod chainloader_link;
mod cmdline;
mod config_txt;
mod debian_busybox;
mod debian_firmware;
mod debian_kernel;
mod debian_package;
mod device_tree_patch;
mod extable_audit;
mod extable_elf;
mod firmware;
mod flash;
mod flash_target;
mod host_tests;
mod icount;
mod image;
mod initramfs;
mod interactive;
mod linux_framebuffer;
mod linux_programs;
mod linux_syscalls;
mod linux_test;
mod matrix;
mod newc;
mod parallel;
mod prereq;
mod private_apt;
mod process;
mod protocol;
mod qemu;
mod qemu_backports;
mod raspberry_pi;
mod rust_std_program;
mod screendump;
mod scripted_input;
mod sd_card;
#[cfg(test)]
mod sd_card_tests;
mod sd_image;
mod serial_port;
mod serial_terminal;
mod summary;
mod swap_disk;
mod swap_test;
mod symbolize;
mod syscall_table;
mod terminal_test;
mod test;
mod transcript;
mod user_cache;
mod user_programs;
mod verdict;
mod workspace;

use std::num::NonZero;
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

use board::{Board, Cpu};
use build::{Flavour, KernelBuild, Profile};

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
    /// Build the kernel for a Raspberry Pi and write an SD-card image (an MBR with one bootable
    /// FAT32 partition holding the kernel, config.txt and the firmware, and with --swap a swap
    /// partition after it), with the same files in a boot/ folder beside it
    Image(ImageArgs),
    /// Build the SD-card image and write it to a card, then read it back and compare
    Flash(FlashArgs),
    /// Measure, in exact instruction counts under QEMU's -icount, the kernel's uaccess
    /// microbenchmarks in every PAN mode and the user-space benchmark /bin/bench, optionally
    /// against Linux
    Bench(BenchArgs),
    /// Send the kernel over a serial cable to the chainloader on a Raspberry Pi's SD card, then
    /// stay connected as its terminal (Ctrl-A X or Ctrl-C leaves); with --build-only, only build
    /// the chainloader's raw image
    Chainboot(ChainbootArgs),
    /// Write docs/syscalls.md, the table of Linux system calls the kernel implements (fully or
    /// partly) and those it answers with ENOSYS, from the dispatch table in
    /// kernel/src/syscall/mod.rs
    Syscalls,
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
    /// CPU to emulate; only virt can choose (default cortex-a76), rpi3 is always a Cortex-A53 and
    /// rpi4 a Cortex-A72
    #[arg(long, value_enum)]
    cpu: Option<Cpu>,
    /// Build with the release profile
    #[arg(long)]
    release: bool,
    /// Stop at the first instruction and wait for GDB on localhost:1234
    #[arg(long)]
    gdb: bool,
    /// Show the display (/dev/fb0) on QEMU's VNC server at 127.0.0.1:5900, for a VNC viewer
    #[arg(long)]
    vnc: bool,
    /// Run deterministically as `cargo xtask bench` does (-icount shift=0,align=off,sleep=off,
    /// fixed random seed and clock): CLOCK_MONOTONIC nanoseconds are instructions; virtual time
    /// races ahead while the guest idles
    #[arg(long)]
    icount: bool,
    /// Kernel command line, which the kernel reads through semihosting (e.g. pan=software)
    #[arg(long, value_name = "CMDLINE")]
    append: Option<String>,
    /// Run this host program (a static AArch64 ELF) as the first process instead of /bin/init: it
    /// goes into the initramfs as /bin/<its file name>, and QEMU exits with its exit status
    #[arg(long, value_name = "PATH")]
    init: Option<PathBuf>,
    /// Run Debian's busybox shell as the first process (init=/bin/busybox -- sh [ARGS]); its
    /// applets (ls, cat, vi, ...) run by name
    #[arg(long, conflicts_with = "init")]
    busybox: bool,
    /// Put this host file into the initramfs as /<its file name> (repeatable)
    #[arg(long = "add", value_name = "PATH")]
    added: Vec<PathBuf>,
    /// Attach a disk (virt: virtio-blk, /dev/vda1; rpi3, rpi4: the SD card, /dev/mmcblk0p1)
    /// with a swap partition of SIZE (64M, 1G) formatted by mkswap; a new image each boot,
    /// target/xtask/swap-disk.img
    #[arg(long, value_name = "SIZE", value_parser = swap_disk::parse_size)]
    swap: Option<u64>,
    /// Arguments of the first process (the --init program, busybox's sh, or /bin/init), after `--`
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
    /// For the edit-test loop: the host tests and one configuration per PAN mode, all on the virt
    /// board (virt/cortex-a76 hardware, virt/cortex-a53 software, virt/cortex-a76-forced-software-pan),
    /// with the bench smoke test and the terminal suite on busybox/virt; leaves out rpi3/raspi3b,
    /// rpi4/raspi4b, virt/max, chainloader/raspi3b, busybox/raspi3b and the comparison with Linux
    /// (linux/virt), and says so in the summary
    #[arg(long)]
    quick: bool,
    /// How many configurations of the matrix boot at once, each in its own QEMU [default: the
    /// number of CPUs]; the chainloader, terminal and Linux configurations boot alone afterwards,
    /// as their tests wait on the clock
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
}

/// What goes on an SD card, for `image` and `flash`.
#[derive(Args)]
struct CardArgs {
    /// Board to make the card for: rpi3, rpi4 or rpi5
    #[arg(long, value_enum)]
    board: Board,
    /// Directory with the firmware files (bootcode.bin, start.elf, fixup.dat for rpi3;
    /// start4.elf, fixup4.dat for rpi4); without it they come from Debian's raspi-firmware package,
    /// fetched once with apt into ~/.cache
    #[arg(long, value_name = "DIR")]
    firmware: Option<PathBuf>,
    /// Build the kernel with the release profile
    #[arg(long)]
    release: bool,
    /// Size of the image in MiB
    #[arg(long, value_name = "MIB", default_value_t = sd_image::DEFAULT_SIZE_MIB)]
    size: u64,
    /// Add a swap partition of SIZE (64M, 1G) formatted by mkswap at the end of the image,
    /// /dev/mmcblk0p2 (`swapon /dev/mmcblk0p2`); the FAT32 partition gets the rest. rpi3 and
    /// rpi4 only: the kernel has no SD-card driver for the Pi 5 yet
    #[arg(long, value_name = "SIZE", value_parser = swap_disk::parse_size)]
    swap: Option<u64>,
    /// Put the chainloader on the card in place of the kernel; `cargo xtask chainboot` then sends
    /// the kernel over a serial cable
    #[arg(long)]
    chainloader: bool,
}

#[derive(Args)]
struct ImageArgs {
    #[command(flatten)]
    card: CardArgs,
    /// Where to write the image [default: sdcard.img beside the kernel under target/kernel/]; the
    /// boot/ folder goes beside it
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct FlashArgs {
    #[command(flatten)]
    card: CardArgs,
    /// The whole card's block device, such as /dev/sdb or /dev/mmcblk0
    #[arg(long, value_name = "DEVICE")]
    device: PathBuf,
    /// Write without asking for the device's name first
    #[arg(long)]
    yes: bool,
    /// Write even to a device that is no whole removable disk, is mounted or is over 256 GiB
    #[arg(long)]
    force: bool,
}

impl CardArgs {
    fn options(self) -> sd_card::Options {
        sd_card::Options {
            board: self.board,
            profile: Profile::from_release_flag(self.release),
            firmware: self.firmware,
            size_mib: self.size,
            swap_bytes: self.swap,
            chainloader: self.chainloader,
        }
    }
}

#[derive(Args)]
struct BenchArgs {
    /// Only this board (default: rpi3 on QEMU raspi3b and virt with a Cortex-A76)
    #[arg(long, value_enum)]
    board: Option<Board>,
    /// CPU to emulate; only virt can choose (default cortex-a76), rpi3 is always a Cortex-A53
    #[arg(long, value_enum)]
    cpu: Option<Cpu>,
    /// Measure a debug kernel rather than a release one
    #[arg(long)]
    debug: bool,
    /// Also write the results as JSON to PATH
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Also draw the copy cost per byte against the copy size, per PAN mode, as an SVG
    #[arg(long, value_name = "PATH.svg")]
    plot: Option<PathBuf>,
    /// Also run the user-space benchmark as init of Debian's arm64 Linux kernel (fetched with
    /// apt into ~/.cache) on the same virt machine, and compare
    #[arg(long)]
    against_linux: bool,
}

#[derive(Args)]
struct ChainbootArgs {
    /// Board the chainloader runs on: rpi3, rpi4 or rpi5
    #[arg(long, value_enum, default_value_t = Board::Rpi3)]
    board: Board,
    /// Serial port wired to the board's console UART (115200 8N1), such as /dev/ttyUSB0
    #[arg(long, value_name = "DEVICE", required_unless_present = "build_only")]
    serial: Option<PathBuf>,
    /// Build with the release profile
    #[arg(long)]
    release: bool,
    /// Only build the chainloader's raw image, for the SD card, and print its path
    #[arg(long, conflicts_with = "serial")]
    build_only: bool,
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
            build::build_with_user_space(&KernelBuild {
                board: args.board,
                profile: Profile::from_release_flag(args.release),
                flavour: if args.ktest {
                    Flavour::Test
                } else {
                    Flavour::Hardware
                },
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Task::Qemu(args) => interactive::run(&interactive::Options {
            board: args.board,
            cpu: args.cpu,
            profile: Profile::from_release_flag(args.release),
            gdb: args.gdb,
            vnc: args.vnc,
            icount: args.icount,
            append: args.append,
            init: args.init,
            busybox: args.busybox,
            added: args.added,
            swap: args.swap,
            init_arguments: args.init_arguments,
        }),
        Task::Test(args) => test::run(&test::Options {
            scope: matrix::Scope {
                board: args.board,
                cpu: args.cpu,
                quick: args.quick,
            },
            filter: args.filter,
            jobs: args.jobs.map_or_else(
                || thread::available_parallelism().map_or(1, NonZero::get),
                usize::from,
            ),
        }),
        Task::Image(args) => {
            sd_card::build(&args.card.options(), args.output.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Task::Flash(args) => flash::run(&flash::Options {
            card: args.card.options(),
            device: args.device,
            yes: args.yes,
            force: args.force,
        }),
        Task::Bench(args) => bench::run(&bench::Options {
            board: args.board,
            cpu: args.cpu,
            profile: Profile::from_release_flag(!args.debug),
            json: args.json,
            plot: args.plot,
            against_linux: args.against_linux,
        }),
        Task::Chainboot(args) => {
            chainboot::run(&chainboot::Options {
                board: args.board,
                profile: Profile::from_release_flag(args.release),
                serial: args.serial,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Task::Syscalls => {
            syscall_table::run()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
