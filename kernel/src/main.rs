//! A higher-half AArch64 kernel for Raspberry Pi boards and QEMU.
//!
//! `kernel_main` is the boot story, top to bottom. On the host (`cargo test`) only the
//! pure-logic modules are built, for their unit tests.
#![cfg_attr(target_os = "none", no_std, no_main)]
// On the host only the pure modules exist, without the code that calls them.
#![cfg_attr(not(target_os = "none"), allow(dead_code))]

extern crate alloc;

mod arch;
mod banner;
mod block;
#[cfg(target_os = "none")]
mod boot_data;
mod cmdline;
mod devicetree;
mod errno;
mod fs;
mod mm;
mod task;

#[cfg(target_os = "none")]
mod board;
#[cfg(target_os = "none")]
mod console;
#[cfg(target_os = "none")]
mod interrupts;
#[cfg(all(target_os = "none", feature = "ktest"))]
mod ktest;
#[cfg(target_os = "none")]
mod oops;
#[cfg(target_os = "none")]
mod panic;
#[cfg(target_os = "none")]
mod power;
#[cfg(target_os = "none")]
mod random;
#[cfg(target_os = "none")]
mod sync;
#[cfg(target_os = "none")]
mod syscall;
#[cfg(target_os = "none")]
mod uaccess;

#[cfg(target_os = "none")]
use arch::aarch64::pan::{self, PanMode};
#[cfg(target_os = "none")]
use arch::aarch64::{context, cpu, exception, irq};

/// Entered from boot.s at EL1, MMU on, in the upper half, on the boot stack, IRQs masked.
#[cfg(target_os = "none")]
#[unsafe(no_mangle)]
extern "C" fn kernel_main(boot_argument: usize) -> ! {
    exception::install_vectors();
    // SAFETY: first thing after boot.s, once.
    unsafe { mm::init_address_space() };
    board::init_devices();
    let device_tree = boot_data::device_tree(boot_argument, &board::INFO.ram);
    // SAFETY: once, after the address space.
    unsafe { mm::init_allocators(device_tree.as_ref(), boot_argument) };
    cmdline::init(device_tree.as_ref().and_then(|tree| tree.bootargs));
    if let Some(bytes) = cmdline::boot().memory_limit() {
        mm::frames::limit_to(bytes);
    }

    let cpu = cpu::id();
    let pan_mode = PanMode::choose(cpu.has_pan(), cmdline::boot().value("pan"));
    // SAFETY: at boot, before any user address space, with TTBR0 on the empty table.
    unsafe { pan::init(pan_mode, mm::kernel_space::empty_table()) };
    uaccess::init(cpu.has_uao(), cpu.has_mops());
    mm::address_space::init(cpu.asid_bits());

    println!(
        "{}",
        banner::Banner {
            board: board::INFO.name,
            cpu,
            exception_level: cpu::exception_level(),
            pan_mode: pan_mode.name(),
            kernel_va: mm::image::text().start,
            ram_bytes: mm::frames::total_frames() * mm::page_table::PAGE_SIZE,
            model: device_tree.as_ref().and_then(|tree| tree.model),
            device_tree: device_tree.is_some(),
        }
    );

    interrupts::init();
    block::disk::init();
    fs::fbdev::init();
    fs::initramfs::mount();
    fs::tty::init();
    context::enable_fp_for_user();
    irq::enable();

    // Test builds run the in-kernel tests first; with an `init=` they then go on to user space.
    #[cfg(feature = "ktest")]
    ktest::run();

    start_init(cmdline::boot());
    task::scheduler::run_idle()
}

/// Starts the first process: `init=` on the command line (default /bin/init), with the
/// words after `--` as its arguments.
#[cfg(target_os = "none")]
fn start_init(command_line: cmdline::CommandLine<'_>) {
    let path = command_line.value("init").unwrap_or("/bin/init");
    let argv: alloc::vec::Vec<_> = core::iter::once(path)
        .chain(command_line.init_arguments())
        .map(|word| word.as_bytes().to_vec())
        .collect();
    if let Err(error) = task::start_init(path, &argv) {
        println!("kernel: cannot start {path}: {error:?}; only the kernel is running");
    }
}

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!(
        "the kernel runs on aarch64-unknown-none-softfloat: use `cargo xtask build` or `cargo xtask qemu`"
    );
    std::process::exit(2);
}
