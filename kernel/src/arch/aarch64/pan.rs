//! Privileged Access Never, in hardware (FEAT_PAN) or emulated by switching TTBR0, and the
//! TTBR0 bookkeeping both modes share.
//!
//! Software PAN: while the kernel runs, TTBR0 holds an empty table with the reserved ASID 0,
//! so a stray kernel access to a user address faults and the user's TLB entries cannot
//! hit. [`UserWindow`] installs the current user table for one uaccess routine only.
//! Exception entry closes a window left open by the interrupted code, and return reopens it
//! with whatever address space is current by then.

use super::irq;
pub use super::pan_mode::PanMode;
use core::arch::asm;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};

static MODE: AtomicU8 = AtomicU8::new(PanMode::Software as u8);
/// `MODE.switches_ttbr0()`, kept apart because uaccess asks on every call: deriving it from
/// `MODE` there cost each copy 5 to 8 instructions more (`cargo xtask bench`).
static SWITCHES_TTBR0: AtomicBool = AtomicBool::new(true);
/// TTBR0 value while no user table may be reached: the empty table, ASID 0.
static EMPTY_TTBR0: AtomicU64 = AtomicU64::new(0);
/// TTBR0 value (table and ASID) of the current user address space; the empty one if none.
static USER_TTBR0: AtomicU64 = AtomicU64::new(0);

/// SCTLR_EL1.SPAN: when clear, taking an exception to EL1 sets PSTATE.PAN.
const SCTLR_SPAN: u64 = 1 << 23;

/// The PAN mode chosen at boot (the tests and the benchmark report it).
#[cfg_attr(
    not(feature = "ktest"),
    allow(dead_code, reason = "only the tests ask which mode runs")
)]
pub fn mode() -> PanMode {
    PanMode::from_raw(MODE.load(Ordering::Relaxed))
}

/// Whether uaccess must install the user's table around each access (software PAN).
pub fn switches_ttbr0() -> bool {
    SWITCHES_TTBR0.load(Ordering::Relaxed)
}

/// Turns PAN on in `mode`; `empty_table` is the physical address of an all-invalid table.
///
/// # Safety
/// Once at boot, before any user address space exists, with TTBR0 on `empty_table`.
pub unsafe fn init(mode: PanMode, empty_table: usize) {
    MODE.store(mode as u8, Ordering::Relaxed);
    SWITCHES_TTBR0.store(mode.switches_ttbr0(), Ordering::Relaxed);
    EMPTY_TTBR0.store(empty_table as u64, Ordering::Relaxed);
    USER_TTBR0.store(empty_table as u64, Ordering::Relaxed);
    if mode == PanMode::Hardware {
        // SAFETY: the CPU has FEAT_PAN (the mode says so); kernel code never touches user
        // memory but through LDTR/STTR, which PAN does not affect.
        unsafe {
            asm!(
                "mrs {sctlr}, sctlr_el1",
                "bic {sctlr}, {sctlr}, {span}",
                "msr sctlr_el1, {sctlr}",
                "isb",
                ".arch_extension pan",
                "msr pan, #1",
                sctlr = out(reg) _,
                span = in(reg) SCTLR_SPAN,
                options(nostack)
            );
        }
    }
}

fn write_ttbr0(value: u64) {
    // SAFETY: `value` is the empty table or a live user address space's table; neither maps
    // anything the kernel itself runs from.
    unsafe { asm!("msr ttbr0_el1, {}", "isb", in(reg) value, options(nostack, preserves_flags)) }
}

fn read_ttbr0() -> u64 {
    let value: u64;
    // SAFETY: reading a system register.
    unsafe { asm!("mrs {}, ttbr0_el1", out(reg) value, options(nomem, nostack, preserves_flags)) }
    value
}

/// Makes `ttbr0` (table | ASID << 48) the current user address space, or none with `None`.
pub fn set_user_ttbr0(ttbr0: Option<u64>) {
    let value = ttbr0.unwrap_or_else(|| EMPTY_TTBR0.load(Ordering::Relaxed));
    let daif = irq::save_and_mask();
    USER_TTBR0.store(value, Ordering::Relaxed);
    if !switches_ttbr0() {
        write_ttbr0(value);
    }
    irq::restore(daif);
}

/// Under software PAN, the user's table is reachable while this lives.
pub struct UserWindow {
    opened: bool,
}

impl UserWindow {
    pub fn open() -> Self {
        if switches_ttbr0() {
            Self::open_switching()
        } else {
            Self { opened: false }
        }
    }

    /// Opens the window, for a caller that knows PAN is in software.
    ///
    /// No interrupt masking is needed between reading the current table and installing it:
    /// an interrupt taken in between finds no window open, leaves none open, and cannot
    /// switch threads (the kernel switches only when a thread blocks or returns to user
    /// space, task/scheduler.rs), so the value read is still the current address space's.
    #[inline]
    pub fn open_switching() -> Self {
        write_ttbr0(USER_TTBR0.load(Ordering::Relaxed));
        Self { opened: true }
    }
}

impl Drop for UserWindow {
    fn drop(&mut self) {
        if self.opened {
            write_ttbr0(EMPTY_TTBR0.load(Ordering::Relaxed));
        }
    }
}

/// What exception entry found, to be undone on return.
pub struct EntryState {
    window_was_open: bool,
}

/// On exception entry from EL1: close a window the interrupted code had open.
pub fn enter_exception() -> EntryState {
    let window_was_open = switches_ttbr0() && read_ttbr0() != EMPTY_TTBR0.load(Ordering::Relaxed);
    if window_was_open {
        write_ttbr0(EMPTY_TTBR0.load(Ordering::Relaxed));
    }
    EntryState { window_was_open }
}

/// On return to EL1: reopen the interrupted code's window, on the current address space.
pub fn leave_exception(state: EntryState) {
    if state.window_was_open {
        write_ttbr0(USER_TTBR0.load(Ordering::Relaxed));
    }
}

#[cfg(feature = "ktest")]
/// PSTATE.PAN right now (FEAT_PAN CPUs only: elsewhere the register does not exist).
pub fn pstate_pan() -> bool {
    let value: u64;
    // SAFETY: reads PSTATE.PAN through its system-register form (S3_0_C4_C2_3).
    unsafe {
        asm!("mrs {}, S3_0_C4_C2_3", out(reg) value, options(nomem, nostack, preserves_flags))
    }
    value & (1 << 22) != 0
}

#[cfg(feature = "ktest")]
/// TTBR0 right now: the empty table while the kernel runs under software PAN.
pub fn current_ttbr0() -> u64 {
    read_ttbr0()
}

/// On the way to EL0 without an exception to return from (a new process): install the
/// user's table if software PAN keeps it out while in the kernel.
pub fn enter_user() {
    if switches_ttbr0() {
        write_ttbr0(USER_TTBR0.load(Ordering::Relaxed));
    }
}
