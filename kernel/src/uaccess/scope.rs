//! The kernel-pointer scope: inside it the uaccess functions accept kernel addresses
//! (what `set_fs(KERNEL_DS)` once did), through PSTATE.UAO where the CPU has FEAT_UAO and
//! through the plain-load/store variants of the routines where it does not.

use crate::arch::aarch64::uao;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicBool, Ordering};

/// This CPU's scope flag. Exceptions clear it for their handler and restore it on return,
/// as the hardware does with PSTATE.UAO.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HARDWARE_UAO: AtomicBool = AtomicBool::new(false);

/// Records whether the CPU has FEAT_UAO. Once, at boot.
pub fn init(cpu_has_uao: bool) {
    HARDWARE_UAO.store(cpu_has_uao, Ordering::Relaxed);
    super::refresh_single_value_path();
}

pub fn is_active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Whether the scope is implemented by PSTATE.UAO (so LDTR/STTR check EL1 permissions).
pub fn uses_hardware_uao() -> bool {
    HARDWARE_UAO.load(Ordering::Relaxed)
}

fn set(active: bool) {
    ACTIVE.store(active, Ordering::Relaxed);
    super::refresh_single_value_path();
    if uses_hardware_uao() {
        uao::set(active);
    }
}

/// While this guard lives, uaccess takes kernel pointers on this CPU.
#[cfg_attr(
    not(feature = "ktest"),
    allow(
        dead_code,
        reason = "the kernel-pointer scope has no user outside the tests yet"
    )
)]
pub struct KernelPointers {
    was_active: bool,
    /// The scope belongs to this CPU and this stack frame.
    _not_send: PhantomData<*const ()>,
}

impl KernelPointers {
    #[cfg_attr(
        not(feature = "ktest"),
        allow(
            dead_code,
            reason = "the kernel-pointer scope has no user outside the tests yet"
        )
    )]
    pub fn enter() -> Self {
        let was_active = is_active();
        set(true);
        Self {
            was_active,
            _not_send: PhantomData,
        }
    }
}

impl Drop for KernelPointers {
    fn drop(&mut self) {
        set(self.was_active);
    }
}

/// On exception entry: the handler starts outside any scope (PSTATE.UAO is already clear).
pub fn enter_exception() -> bool {
    let was_active = ACTIVE.swap(false, Ordering::Relaxed);
    if was_active {
        super::refresh_single_value_path();
    }
    was_active
}

/// On exception return: the interrupted code's scope again (`eret` restores PSTATE.UAO).
pub fn leave_exception(was_active: bool) {
    if was_active {
        ACTIVE.store(true, Ordering::Relaxed);
        super::refresh_single_value_path();
    }
}

/// Before switching to another thread: take this thread's scope off the CPU (both the flag
/// and PSTATE.UAO, which a switch does not save).
pub fn switch_out() -> bool {
    let was_active = is_active();
    if was_active {
        set(false);
    }
    was_active
}

/// After switching back: put this thread's scope back.
pub fn switch_in(was_active: bool) {
    if was_active {
        set(true);
    }
}
