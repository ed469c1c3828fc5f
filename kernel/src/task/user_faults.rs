//! Faults in user space: demand paging and copy-on-write, or a fault signal (SIGSEGV, SIGBUS,
//! SIGILL) that runs the program's handler or ends the process.

use super::lifecycle::exit_group;
use super::process::WaitStatus;
use super::signal::{self, SIGBUS, SIGILL, SIGSEGV, SignalInfo, code};
use crate::arch::aarch64::esr::{self, Abort, FaultKind};
use crate::arch::aarch64::irq;
use crate::arch::aarch64::trap_frame::TrapFrame;
use crate::mm::USER_TOP;
use crate::mm::address_space::{Access, FaultError};

/// A data or instruction abort from user space: demand paging, copy-on-write, or a signal.
pub fn handle_user_abort(frame: &TrapFrame, abort: Abort) {
    let address = frame.far as usize;
    let access = match (abort.instruction_fetch, abort.write) {
        (true, _) => Access::Execute,
        (false, true) => Access::Write,
        (false, false) => Access::Read,
    };
    let error = if address >= USER_TOP {
        None
    } else {
        let space = super::current().state.lock().address_space.clone();
        // Interrupts on while the fault is served: bringing a page back from swap sleeps.
        irq::enable();
        let served = space.map(|space| space.handle_fault(address, access));
        irq::save_and_mask();
        match served {
            Some(Ok(())) => return,
            Some(Err(error)) => Some(error),
            None => Some(FaultError::Unmapped),
        }
    };
    let reason = match error {
        None => "kernel address",
        Some(FaultError::Unmapped) => "unmapped address",
        Some(FaultError::Denied) => match access {
            Access::Write => "write to memory that is not writable",
            Access::Execute => "execution of memory that is not executable",
            Access::Read => "read of memory that is not readable",
        },
        Some(FaultError::OutOfMemory) => "out of memory",
        Some(FaultError::BeyondFile) => "access past the end of the mapped file",
        Some(FaultError::SwapIo) => "swapped-out page could not be read back",
    };
    let (signal, code, what) = match (abort.kind, error, address_mapped(address)) {
        (FaultKind::Alignment, _, _) => (SIGBUS, code::BUS_ADRALN, "alignment fault"),
        // Linux's SIGBUS for a page of a file mapping that the file does not reach.
        (_, Some(FaultError::BeyondFile | FaultError::SwapIo), _) => {
            (SIGBUS, code::BUS_ADRERR, "bus error")
        }
        (_, _, true) => (SIGSEGV, code::SEGV_ACCERR, "segfault"),
        (_, _, false) => (SIGSEGV, code::SEGV_MAPERR, "segfault"),
    };
    raise_fault(frame, signal, code, frame.far, what, reason);
}

/// Whether anything is mapped at user `address` in the running process.
fn address_mapped(address: usize) -> bool {
    let space = super::current().state.lock().address_space.clone();
    space.is_some_and(|space| address < USER_TOP && !space.is_free(&(address..address + 1)))
}

/// Any other synchronous exception from user space: SIGBUS or SIGILL.
pub fn handle_user_exception(frame: &TrapFrame) {
    let class = esr::exception_class(frame.esr);
    let (signal, code, what) = match class {
        esr::class::PC_ALIGNMENT | esr::class::SP_ALIGNMENT => {
            (SIGBUS, code::BUS_ADRALN, "alignment fault")
        }
        _ => (SIGILL, code::ILL_ILLOPC, "illegal instruction"),
    };
    // Where it went wrong: the instruction (SIGILL) or its misaligned address.
    let address = if signal == SIGILL {
        frame.elr
    } else {
        frame.far
    };
    raise_fault(frame, signal, code, address, what, esr::class_name(class))
}

/// A fault signal (`code`, at `address`) for what user code just did: its handler runs, or,
/// with none, the process dies here, saying why on the console.
pub fn raise_fault(
    frame: &TrapFrame,
    signal: u8,
    code: i32,
    address: u64,
    what: &str,
    reason: &str,
) {
    if signal::handled_by_current(signal) {
        let info = SignalInfo {
            address,
            ..SignalInfo::from_process(code, 0)
        };
        signal::raise_on_current(signal, info);
        return;
    }
    crate::println!(
        "{what}: pid={} pc={:#x} addr={address:#x} ({reason})",
        super::current().pid,
        frame.elr,
    );
    exit_group(WaitStatus::Signaled(signal))
}
