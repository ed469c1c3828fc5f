//! A higher-half AArch64 kernel for Raspberry Pi boards and QEMU.
//!
//! `kernel_main` is the boot story, top to bottom. On the host (`cargo test`) only the
//! pure-logic modules are built, for their unit tests.
#![cfg_attr(target_os = "none", no_std, no_main)]
// On the host only the pure modules exist, without the code that calls them.
#![cfg_attr(not(target_os = "none"), allow(dead_code))]
// Until user space (#4) runs, parts of the memory and timer API have callers only in the
// in-kernel tests; the test build (`--features ktest`) is checked for dead code in full.
#![cfg_attr(all(target_os = "none", not(feature = "ktest")), allow(dead_code))]

#[cfg(target_os = "none")]
extern crate alloc;

mod arch;
mod banner;
mod boot_data;
mod cmdline;
mod errno;
mod mm;

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
mod sync;
#[cfg(target_os = "none")]
mod uaccess;

#[cfg(target_os = "none")]
use arch::aarch64::pan::{self, PanMode};
#[cfg(target_os = "none")]
use arch::aarch64::{cpu, exception, irq};

/// Entered from boot.s at EL1, MMU on, in the upper half, on the boot stack, IRQs masked.
#[cfg(target_os = "none")]
#[unsafe(no_mangle)]
extern "C" fn kernel_main(boot_argument: usize) -> ! {
    exception::install_vectors();
    // SAFETY: first thing after boot.s, once.
    unsafe { mm::init_address_space() };
    board::init_devices();
    // SAFETY: once, after the address space.
    unsafe { mm::init_allocators(boot_argument) };

    let cpu = cpu::id();
    let pan_mode = PanMode::choose(cpu.has_pan(), cmdline::boot().value("pan"));
    // SAFETY: at boot, before any user address space, with TTBR0 on the empty table.
    unsafe { pan::init(pan_mode, mm::kernel_space::empty_table()) };
    uaccess::init(cpu.has_uao());
    mm::address_space::init(cpu.asid_bits());

    println!(
        "{}",
        banner::Banner {
            board: board::INFO.name,
            cpu,
            exception_level: cpu::exception_level(),
            pan_mode: pan_mode.name(),
            kernel_va: mm::image::text().start,
            ram_bytes: board::INFO.ram.len(),
        }
    );

    interrupts::init();
    irq::enable();

    #[cfg(feature = "ktest")]
    ktest::run();

    #[cfg(not(feature = "ktest"))]
    {
        println!("kernel: no user space yet; idling");
        loop {
            irq::wait_for_interrupt();
        }
    }
}

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!(
        "the kernel runs on aarch64-unknown-none-softfloat: use `cargo xtask build` or `cargo xtask qemu`"
    );
    std::process::exit(2);
}
