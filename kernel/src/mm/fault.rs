//! What a data or instruction abort taken in the kernel means, and what to do about it.
//!
//! For a fault on a lower-half (user) address, in this order:
//! 1. the faulting instruction has no exception-table entry: the kernel touched user memory
//!    outside uaccess, a PAN violation (PXN for a fetch). Decided by the PC, not by the fault
//!    status: under software PAN the stray access is a translation fault.
//! 2. the current address space can serve it (demand paging): retry the instruction.
//! 3. otherwise: continue at the fixup, and the uaccess routine reports its residue.
//!
//! A guarded access to a kernel address (a kernel-pointer scope) goes straight to its fixup,
//! unless it is a FEAT_MOPS copy's: its kernel address is the kernel's side of the copy.

use super::USER_TOP;
use super::address_space::{self, Access};
use crate::arch::aarch64::esr::Abort;
use crate::arch::aarch64::irq;
use crate::arch::aarch64::trap_frame::TrapFrame;
use crate::oops::oops;
use crate::uaccess::extable;
use ::extable::Kind;

pub fn handle_kernel_abort(frame: &mut TrapFrame, abort: Abort) {
    let address = frame.far as usize;
    let fixup = extable::fixup_for(frame.elr);
    if address < USER_TOP {
        let Some(fixup) = fixup else {
            report_violation(frame, abort);
        };
        let access = if abort.write {
            Access::Write
        } else {
            Access::Read
        };
        // Interrupts back on if the faulting code had them: bringing a page back from swap
        // sleeps, which code holding an IrqMutex (interrupts masked) may not do.
        let interrupts_were_on = frame.spsr & irq::IRQ_MASKED == 0;
        if interrupts_were_on {
            irq::enable();
        }
        let served = address_space::current()
            .is_some_and(|space| space.handle_fault(address, access).is_ok());
        irq::save_and_mask();
        if !served {
            frame.elr = fixup.fixup;
        }
        return;
    }
    match fixup {
        // A MOPS copy's kernel side is the kernel's own buffer: a fault there is a kernel bug.
        Some(fixup) if Kind::from_raw(fixup.kind) != Some(Kind::UserMops) => {
            frame.elr = fixup.fixup;
        }
        _ => oops(
            frame,
            format_args!("unexpected {} fault in the kernel", abort.access_name()),
        ),
    }
}

fn report_violation(frame: &TrapFrame, abort: Abort) -> ! {
    if abort.instruction_fetch {
        oops(
            frame,
            format_args!(
                "PXN violation: kernel instruction fetch from user address {:#x} at pc {:#x}",
                frame.far, frame.elr
            ),
        )
    }
    oops(
        frame,
        format_args!(
            "PAN violation: kernel {} of user address {:#x} at pc {:#x}",
            abort.access_name(),
            frame.far,
            frame.elr
        ),
    )
}
