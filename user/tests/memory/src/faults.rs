//! Accesses that kill: running code from a page that is not executable, reading NULL or a
//! kernel address, writing to the program's own code. And what must not fault: sparse use of
//! a large mapping, which the kernel fills page by page.

use rt::signal::SIGSEGV;
use rt::sys::memory::{PROT_READ, PROT_WRITE, map_anonymous, munmap};
use rt::test::{Context, Failure};
use rt::wait::Termination;
use testkit::bad_pointers::KERNEL_ADDRESS;
use testkit::child::in_child;
use testkit::pages::Pages;

use crate::mappings::check_read_kills;

/// The AArch64 `ret` instruction.
const RET: u32 = 0xd65f_03c0;

pub fn executing_non_executable_memory_kills() -> Result<(), Failure> {
    let pages = Pages::writable(1)?;
    pages.write(pages.start(), &RET.to_le_bytes());
    let termination = in_child(|| {
        // SAFETY: the page holds a `ret`, so the call would return at once if it ran; it is
        // not executable, so it must not run at all.
        let function: extern "C" fn() = unsafe { core::mem::transmute(pages.start()) };
        function();
        0
    })?;
    rt::check_eq!(termination, Termination::Killed(SIGSEGV));
    Ok(())
}

pub fn null_kernel_and_code_writes_kill() -> Result<(), Failure> {
    check_read_kills(0)?;
    check_read_kills(KERNEL_ADDRESS)?;
    let code = null_kernel_and_code_writes_kill as *const () as usize;
    let termination = in_child(|| {
        // SAFETY: a child meant to die: the text segment is read-only.
        unsafe { core::ptr::write_volatile(code as *mut u8, 0) };
        0
    })?;
    rt::check_eq!(
        termination,
        Termination::Killed(SIGSEGV),
        "writing the program's code"
    );
    Ok(())
}

pub fn sparse_touches_of_large_mapping_work() -> Result<(), Failure> {
    const LEN: usize = 256 << 20;
    const STRIDE: usize = 1 << 20;
    let start = map_anonymous(LEN, PROT_READ | PROT_WRITE).context("mmap 256 MiB")?;
    for (index, offset) in (0..LEN).step_by(STRIDE).enumerate() {
        // SAFETY: inside the mapping just made.
        unsafe { core::ptr::write_volatile((start + offset) as *mut u8, index as u8) };
    }
    for (index, offset) in (0..LEN).step_by(STRIDE).enumerate() {
        // SAFETY: as above.
        let (written, untouched) = unsafe {
            (
                core::ptr::read_volatile((start + offset) as *const u8),
                core::ptr::read_volatile((start + offset + STRIDE / 2) as *const u8),
            )
        };
        rt::check_eq!(written, index as u8, "at offset {offset:#x}");
        rt::check_eq!(untouched, 0, "at offset {:#x}", offset + STRIDE / 2);
    }
    // SAFETY: the mapping is ours and no longer used.
    unsafe { munmap(start, LEN) }.context("munmap")
}
