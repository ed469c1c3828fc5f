//! Powering off: under QEMU, exit with a status the host sees; on hardware, stop the CPU.

/// Ends the system. `status` is QEMU's exit status in QEMU builds.
pub fn power_off(status: u8) -> ! {
    crate::println!("kernel: power off (status {status})");
    #[cfg(feature = "qemu")]
    crate::arch::aarch64::semihosting::exit(u32::from(status));
    #[cfg(not(feature = "qemu"))]
    loop {
        crate::arch::aarch64::irq::save_and_mask();
        aarch64_cpu::asm::wfe();
    }
}
