//! brk: growing and shrinking the program break. Linux's brk never fails; it answers with
//! the break as it now is, so a refused request shows as an unchanged break.

use rt::signal::SIGSEGV;
use rt::sys::memory::brk;
use rt::test::Failure;
use rt::wait::Termination;
use testkit::child::in_child;
use testkit::pages::page_size;

/// Reads the byte at `address` in the break area.
fn peek(address: usize) -> u8 {
    // SAFETY: the callers only name bytes below the current break.
    unsafe { core::ptr::read_volatile(address as *const u8) }
}

/// Fills `len` bytes from `address` in the break area.
fn fill(address: usize, len: usize, byte: u8) {
    // SAFETY: the callers only name bytes below the current break, which no Rust object uses.
    unsafe { core::ptr::write_bytes(address as *mut u8, byte, len) }
}

pub fn brk_grows_to_the_exact_request() -> Result<(), Failure> {
    let start = brk(0);
    rt::check!(start != 0, "brk(0) is 0");
    rt::check_eq!(
        brk(start + 100),
        start + 100,
        "the break is not rounded to pages"
    );
    rt::check_eq!(brk(0), start + 100);
    rt::check_eq!(brk(start), start);
    Ok(())
}

pub fn brk_memory_is_writable_and_regrows_zeroed() -> Result<(), Failure> {
    let start = brk(0);
    let len = 16 * page_size();
    rt::check_eq!(brk(start + len), start + len);
    fill(start, len, 0x5a);
    rt::check!((start..start + len).step_by(997).all(|at| peek(at) == 0x5a));
    rt::check_eq!(brk(start), start);
    rt::check_eq!(brk(start + len), start + len);
    let whole_pages = start.next_multiple_of(page_size());
    rt::check!(
        (whole_pages..start + len)
            .step_by(997)
            .all(|at| peek(at) == 0),
        "pages given back and taken again are not zero"
    );
    rt::check_eq!(brk(start), start);
    Ok(())
}

pub fn brk_shrink_unmaps() -> Result<(), Failure> {
    let start = brk(0);
    let len = 4 * page_size();
    rt::check_eq!(brk(start + len), start + len);
    fill(start, len, 1);
    rt::check_eq!(brk(start), start);
    let released = start.next_multiple_of(page_size()) + page_size();
    let termination = in_child(|| i32::from(peek(released)))?;
    rt::check_eq!(termination, Termination::Killed(SIGSEGV));
    Ok(())
}

pub fn brk_refuses_impossible_requests_by_staying() -> Result<(), Failure> {
    let current = brk(0);
    rt::check_eq!(brk(1), current, "below the start of the break area");
    rt::check_eq!(brk(1 << 48), current, "beyond a 48-bit user address space");
    Ok(())
}
