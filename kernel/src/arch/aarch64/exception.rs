//! Exception entry: installs the vector table and routes each exception to its handler.

use super::esr::{self, Abort};
use super::pan;
use super::trap_frame::{ExceptionSource, ExceptionType, TrapFrame, VectorKind};
use crate::interrupts::{self, InterruptedLevel};
use aarch64_cpu::registers::VBAR_EL1;
use core::arch::global_asm;
use tock_registers::interfaces::Writeable;

global_asm!(include_str!("vectors.s"), options(raw));

unsafe extern "C" {
    static exception_vectors: u8;
}

/// Points VBAR_EL1 at the vector table.
pub fn install_vectors() {
    VBAR_EL1.set(&raw const exception_vectors as u64);
    aarch64_cpu::asm::barrier::isb(aarch64_cpu::asm::barrier::SY);
}

/// A system call from EL0, the most frequent exception, on a path of its own. The
/// kernel-pointer scope is never active in user space, so only PAN's state is kept.
fn system_call(frame: &mut TrapFrame) {
    let pan_state = pan::enter_exception();
    // Interrupts were masked by the exception; system calls may sleep and run long.
    super::irq::enable();
    let interrupted = crate::syscall::dispatch(frame);
    super::irq::save_and_mask();
    crate::task::before_return_to_user(frame, interrupted);
    pan::leave_exception(pan_state);
}

/// Another synchronous exception from EL0: a fault or a fatal error.
fn from_user(frame: &mut TrapFrame) {
    match Abort::decode(frame.esr) {
        Some(abort) => crate::task::handle_user_abort(frame, abort),
        None => crate::task::handle_user_exception(frame),
    }
}

/// Called by `exception_entry` in vectors.s with the saved registers.
#[unsafe(no_mangle)]
extern "C" fn handle_exception(frame: &mut TrapFrame, kind: u64) {
    let kind = VectorKind(kind);
    if kind == VectorKind::USER_SYNCHRONOUS && esr::exception_class(frame.esr) == esr::class::SVC64
    {
        return system_call(frame);
    }
    // The handler runs with PAN closed and outside any kernel-pointer scope, whatever the
    // interrupted code had; both come back on return.
    let pan_state = pan::enter_exception();
    let scope_state = crate::uaccess::enter_exception();
    if kind == VectorKind::STACK_OVERFLOW {
        crate::oops::oops(frame, format_args!("kernel stack overflow"));
    }
    match (kind.source(), kind.exception_type()) {
        (ExceptionSource::CurrentElSpx, ExceptionType::Irq) => {
            interrupts::handle_irq(InterruptedLevel::Kernel)
        }
        (ExceptionSource::CurrentElSpx, ExceptionType::Synchronous) => {
            match Abort::decode(frame.esr) {
                Some(abort) => crate::mm::fault::handle_kernel_abort(frame, abort),
                None => crate::oops::oops(
                    frame,
                    format_args!("unexpected synchronous exception in the kernel"),
                ),
            }
        }
        (ExceptionSource::LowerElAarch64, exception_type) => {
            match exception_type {
                ExceptionType::Synchronous => from_user(frame),
                ExceptionType::Irq => interrupts::handle_irq(InterruptedLevel::User),
                _ => crate::oops::oops(
                    frame,
                    format_args!("unexpected {exception_type:?} from user space"),
                ),
            }
            crate::task::before_return_to_user(frame, None);
        }
        (source, exception_type) => crate::oops::oops(
            frame,
            format_args!("unexpected {exception_type:?} exception from {source:?}"),
        ),
    }
    crate::uaccess::leave_exception(scope_state);
    pan::leave_exception(pan_state);
}
