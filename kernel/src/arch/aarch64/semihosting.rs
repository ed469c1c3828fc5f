//! Arm semihosting (QEMU `-semihosting`): exit with a status and read the command line. Test builds only.

use core::arch::asm;

const SYS_GET_CMDLINE: u64 = 0x15;
const SYS_EXIT: u64 = 0x18;
const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;

fn call(operation: u64, parameter: u64) -> u64 {
    let result;
    // SAFETY: the semihosting trap reads the parameter block the caller passes and
    // writes only memory that block points at.
    unsafe {
        asm!("hlt #0xf000", inout("x0") operation => result, in("x1") parameter, options(nostack));
    }
    result
}

/// Ends the QEMU process with `status` as its exit code.
pub fn exit(status: u32) -> ! {
    let block = [ADP_STOPPED_APPLICATION_EXIT, u64::from(status)];
    call(SYS_EXIT, block.as_ptr() as u64);
    unreachable!("semihosting exit returned")
}

/// Copies QEMU's `-append` text into `buffer`; returns the text, or "" if there is none.
pub fn command_line(buffer: &mut [u8]) -> &str {
    let mut block = [buffer.as_mut_ptr() as u64, buffer.len() as u64];
    if call(SYS_GET_CMDLINE, block.as_mut_ptr() as u64) != 0 {
        return "";
    }
    let len = (block[1] as usize).min(buffer.len());
    core::str::from_utf8(&buffer[..len]).unwrap_or("")
}
