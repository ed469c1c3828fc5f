//! Kernel stacks for processes, each with an unmapped guard below it.
//!
//! Stacks live in their own part of the upper half, one 64 KiB slot each: 32 KiB of stack
//! at the slot's start, 32 KiB never mapped above it, which is the guard of the next slot
//! up. This is the geometry the exception vectors' overflow check relies on (vectors.s).

use super::page_table::{Attributes, PAGE_SIZE};
use super::{frames, kernel_space};
use crate::errno::{EAGAIN, ENOMEM, Errno};
use crate::sync::IrqMutex;

const STACKS_BASE: usize = 0xffff_9000_0000_0000;
pub const STACK_SIZE: usize = 32 * 1024;
const SLOT_SIZE: usize = 2 * STACK_SIZE;
/// More kernel stacks than this is a runaway (the process cap is lower).
const SLOTS: usize = 1024;

static USED: IrqMutex<[bool; SLOTS]> = IrqMutex::new([false; SLOTS]);

/// Builds the tables for every stack slot up front, so a stack costs exactly its own
/// frames and gives them all back (the free-memory count returns to where it was).
pub fn init() {
    kernel_space::prepare_tables(STACKS_BASE..STACKS_BASE + SLOTS * SLOT_SIZE)
        .expect("room for the kernel-stack tables at boot");
}

pub struct KernelStack {
    slot: usize,
}

impl KernelStack {
    pub fn new() -> Result<Self, Errno> {
        let slot = {
            let mut used = USED.lock();
            let slot = used.iter().position(|u| !u).ok_or(EAGAIN)?;
            used[slot] = true;
            slot
        };
        let stack = Self { slot };
        for page in (0..STACK_SIZE).step_by(PAGE_SIZE) {
            let frame = frames::allocate().map_err(|_| ENOMEM)?;
            if kernel_space::map_page(stack.bottom() + page, frame, Attributes::KERNEL_DATA)
                .is_err()
            {
                let _ = frames::deallocate(frame);
                return Err(ENOMEM);
            }
        }
        Ok(stack)
    }

    fn bottom(&self) -> usize {
        STACKS_BASE + self.slot * SLOT_SIZE
    }

    /// The initial stack pointer: one past the highest byte.
    pub fn top(&self) -> usize {
        self.bottom() + STACK_SIZE
    }
}

impl Drop for KernelStack {
    fn drop(&mut self) {
        for page in (0..STACK_SIZE).step_by(PAGE_SIZE) {
            if let Ok(Some(frame)) = kernel_space::unmap_page(self.bottom() + page) {
                frames::deallocate(frame).expect("kernel stack frames are allocated frames");
            }
        }
        USED.lock()[self.slot] = false;
    }
}

/// The kernel stack `address` lies on: the boot stack or a process's (for backtraces).
pub fn containing(address: usize) -> core::ops::Range<usize> {
    let boot = super::image::boot_stack();
    if boot.contains(&address) {
        return boot;
    }
    let slot = address.wrapping_sub(STACKS_BASE) / SLOT_SIZE;
    let bottom = STACKS_BASE.wrapping_add(slot * SLOT_SIZE);
    let stack = bottom..bottom + STACK_SIZE;
    if slot < SLOTS && stack.contains(&address) && USED.lock()[slot] {
        stack
    } else {
        0..0
    }
}
