//! Round-robin scheduling on one CPU: the process table, the run queue, sleeping and waking.
//!
//! The boot thread becomes the idle thread. Switches happen with IRQs masked; no lock is
//! held across one. A process is preempted when it returns to user space after a tick.

use super::process::{Channel, Pid, Process, RunState};
use crate::arch::aarch64::context::{self, Context};
use crate::arch::aarch64::irq;
use crate::mm::address_space;
use crate::sync::{InterruptsMasked, IrqMutex};
use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

struct Scheduler {
    processes: BTreeMap<Pid, Arc<Process>>,
    run_queue: VecDeque<Pid>,
    /// `None` while the idle thread runs.
    current: Option<Pid>,
}

static SCHEDULER: IrqMutex<Scheduler> = IrqMutex::new(Scheduler {
    processes: BTreeMap::new(),
    run_queue: VecDeque::new(),
    current: None,
});

struct IdleContext(UnsafeCell<Context>);
// SAFETY: used only by `schedule`, with IRQs masked, on one CPU.
unsafe impl Sync for IdleContext {}
static IDLE: IdleContext = IdleContext(UnsafeCell::new(Context::new(0, 0)));

/// Set by the timer: the running process has had its time slice.
static NEED_RESCHEDULE: AtomicBool = AtomicBool::new(false);

/// Adds a new process to the table and the run queue.
pub fn spawn(process: Arc<Process>) {
    let mut scheduler = SCHEDULER.lock();
    scheduler.run_queue.push_back(process.pid);
    scheduler.processes.insert(process.pid, process);
}

pub fn current() -> Option<Arc<Process>> {
    let scheduler = SCHEDULER.lock();
    scheduler
        .current
        .and_then(|pid| scheduler.processes.get(&pid).cloned())
}

pub fn find(pid: Pid) -> Option<Arc<Process>> {
    SCHEDULER.lock().processes.get(&pid).cloned()
}

/// Every process, for scans (orphans, sysinfo).
pub fn all() -> Vec<Arc<Process>> {
    SCHEDULER.lock().processes.values().cloned().collect()
}

pub fn count() -> usize {
    SCHEDULER.lock().processes.len()
}

/// Removes a zombie from the table; its kernel stack is freed with the last reference.
pub fn reap(pid: Pid) -> Option<Arc<Process>> {
    SCHEDULER.lock().processes.remove(&pid)
}

/// Makes every process sleeping on `channel` runnable.
pub fn wake(channel: Channel) {
    let mut scheduler = SCHEDULER.lock();
    let woken: Vec<Pid> = scheduler
        .processes
        .values()
        .filter(|process| {
            let mut state = process.state.lock();
            let sleeping = state.run == RunState::Sleeping(channel);
            if sleeping {
                state.run = RunState::Runnable;
            }
            sleeping
        })
        .map(|process| process.pid)
        .collect();
    scheduler.run_queue.extend(woken);
}

/// Makes one process runnable again if it sleeps (to deliver a signal).
pub fn interrupt(process: &Process) {
    let runnable = {
        let mut state = process.state.lock();
        let sleeping = matches!(state.run, RunState::Sleeping(_));
        if sleeping {
            state.run = RunState::Runnable;
        }
        sleeping
    };
    if runnable {
        SCHEDULER.lock().run_queue.push_back(process.pid);
    }
}

/// Puts the current process to sleep on `channel` until woken. The caller checks its
/// condition with IRQs masked before calling, so no wake-up is lost in between.
pub fn sleep(channel: Channel) {
    if let Some(process) = current() {
        process.state.lock().run = RunState::Sleeping(channel);
    }
    schedule();
}

/// Lets other runnable processes run first.
pub fn yield_now() {
    schedule();
}

/// Called by the timer: ask for a switch on the next return to user space.
pub fn tick() {
    NEED_RESCHEDULE.store(true, Ordering::Relaxed);
}

/// Switches away if the time slice is over.
pub fn preempt_if_due() {
    if NEED_RESCHEDULE.swap(false, Ordering::Relaxed) {
        schedule();
    }
}

/// Runs the next runnable process, or the idle thread if there is none.
pub fn schedule() {
    let daif = irq::save_and_mask();
    let switch = {
        let mut scheduler = SCHEDULER.lock();
        let previous = scheduler.current;
        let runnable = |scheduler: &Scheduler, pid: Pid| {
            scheduler
                .processes
                .get(&pid)
                .is_some_and(|p| p.state.lock().run == RunState::Runnable)
        };
        if let Some(pid) = previous
            && runnable(&scheduler, pid)
            && !scheduler.run_queue.contains(&pid)
        {
            scheduler.run_queue.push_back(pid);
        }
        let next = loop {
            match scheduler.run_queue.pop_front() {
                Some(pid) if runnable(&scheduler, pid) => break Some(pid),
                Some(_) => continue,
                None => break None,
            }
        };
        if next == previous {
            None
        } else {
            scheduler.current = next;
            let context_of =
                |pid: Option<Pid>| match pid.and_then(|pid| scheduler.processes.get(&pid)) {
                    Some(process) => process.context(),
                    None => IDLE.0.get(),
                };
            let space = next
                .and_then(|pid| scheduler.processes.get(&pid))
                .and_then(|process| process.state.lock().address_space.clone());
            Some((context_of(previous), context_of(next), space))
        }
    };
    if let Some((save, resume, space)) = switch {
        let scope = crate::uaccess::scope::switch_out();
        address_space::switch_to(space);
        // SAFETY: both contexts belong to processes kept alive by the table (or to the idle
        // thread), IRQs are masked and no lock is held.
        unsafe { context::switch(save, resume) };
        crate::uaccess::scope::switch_in(scope);
    }
    irq::restore(daif);
}

/// The idle thread: the boot thread once everything is set up.
pub fn run_idle() -> ! {
    loop {
        // Masked from the run-queue check to the wait: an interrupt in between still ends
        // the wait (WFI wakes on a pending IRQ) and is taken when the mask lifts.
        let masked = InterruptsMasked::new();
        schedule();
        irq::wait_for_interrupt();
        drop(masked);
    }
}

/// The first thing a new process runs, on its own stack (see context.rs), with the trap frame
/// it leaves through: signals that came before it ever ran are acted on here; then on to
/// user space.
#[unsafe(no_mangle)]
extern "C" fn process_first_run(frame: &mut crate::arch::aarch64::trap_frame::TrapFrame) {
    if let Some(process) = current() {
        let set_child_tid = core::mem::take(&mut process.state.lock().set_child_tid);
        if set_child_tid != 0 {
            // As Linux's schedule_tail: in the child's own memory, a fault ignored.
            let _ = crate::uaccess::put_user(
                crate::uaccess::UserPtr::<i32>::new(set_child_tid),
                process.pid as i32,
            );
        }
    }
    crate::task::before_return_to_user(frame, None);
    crate::arch::aarch64::pan::enter_user();
}
