//! The chainloader: a small program the firmware starts in place of the kernel, which receives
//! the kernel over the UART from `cargo xtask chainboot` and starts it as the firmware would have.
//!
//! entry.s moves the chainloader out of the kernel's way and holds the other cores;
//! [`receive_kernel`] runs the protocol of the `chainloader-protocol` crate; entry.s then starts
//! the kernel. On the host (`cargo test`) there is nothing to build but a note.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod board;
#[cfg(target_os = "none")]
mod serial_line;

#[cfg(target_os = "none")]
core::arch::global_asm!(include_str!("entry.s"), options(raw));

/// Called by entry.s on the boot core, running at its linked address on its own stack, MMU off:
/// receives the kernel at the board's load address and returns that address to start it at.
#[cfg(target_os = "none")]
#[unsafe(no_mangle)]
extern "C" fn receive_kernel() -> usize {
    let load_address = board::INFO.load_address;
    let mut line = serial_line::SerialLine::new(board::console());
    // SAFETY: the RAM from the load address up to the chainloader holds nothing of anybody's: the
    // chainloader has moved out of it, and the firmware keeps its own data below or far above.
    let destination = unsafe {
        core::slice::from_raw_parts_mut(
            load_address as *mut u8,
            chainloader_protocol::max_image_len(load_address),
        )
    };
    chainloader_protocol::receive(&mut line, destination);
    line.flush();
    load_address
}

/// Nothing panics by design (lengths are checked before use); if something did, the UART might
/// not be set up to say so, and the core stops, which the host reports as no answer.
#[cfg(target_os = "none")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        aarch64_cpu::asm::wfe();
    }
}

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!(
        "the chainloader runs on a Raspberry Pi: `cargo xtask chainboot --build-only` builds it"
    );
    std::process::exit(2);
}
