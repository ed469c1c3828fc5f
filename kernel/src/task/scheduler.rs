//! Round-robin scheduling of threads on one CPU: the thread table, the run queue, sleeping
//! and waking.
//!
//! The boot thread becomes the idle thread. Switches happen with IRQs masked; no lock is
//! held across one. A thread is preempted when it returns to user space after a tick.

use super::cpu_time;
use super::load_average;
use super::process::{Pid, Process};
use super::signal::alarm;
use super::thread::{Channel, RunState, Thread};
use crate::arch::aarch64::context::{self, Context};
use crate::arch::aarch64::irq;
use crate::mm::address_space;
use crate::sync::{InterruptsMasked, IrqMutex};
use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::mem::ManuallyDrop;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

struct Scheduler {
    /// Every thread by tid, and the first thread of every process not yet reaped.
    threads: BTreeMap<Pid, Arc<Thread>>,
    run_queue: VecDeque<Pid>,
    /// `None` while the idle thread runs.
    current: Option<Pid>,
}

static SCHEDULER: IrqMutex<Scheduler> = IrqMutex::new(Scheduler {
    threads: BTreeMap::new(),
    run_queue: VecDeque::new(),
    current: None,
});

/// Threads that exited and were switched away from for the last time: their kernel stacks
/// are freed by whoever runs next, on another stack.
static EXITED: IrqMutex<Vec<Arc<Thread>>> = IrqMutex::new(Vec::new());

struct IdleContext(UnsafeCell<Context>);
// SAFETY: used only by `schedule`, with IRQs masked, on one CPU.
unsafe impl Sync for IdleContext {}
static IDLE: IdleContext = IdleContext(UnsafeCell::new(Context::new(0, 0)));

/// The thread `Scheduler::current` names, as the table's `Arc` of it, or null: what every
/// system call asks for, read without the scheduler's lock. The pointee stays alive while it
/// is current: a thread leaves the table only once switched away from (`schedule`) or when
/// reaped, which only another thread does.
static CURRENT: AtomicPtr<Thread> = AtomicPtr::new(ptr::null_mut());

/// Set by the timer: the running process has had its time slice.
static NEED_RESCHEDULE: AtomicBool = AtomicBool::new(false);

/// Adds a new thread to the table and the run queue.
pub fn spawn(thread: Arc<Thread>) {
    let mut scheduler = SCHEDULER.lock();
    scheduler.run_queue.push_back(thread.tid);
    scheduler.threads.insert(thread.tid, thread);
}

/// Runs `f` on the running thread, without taking a reference to it.
pub fn with_current<R>(f: impl FnOnce(&Arc<Thread>) -> R) -> Option<R> {
    let thread = CURRENT.load(Ordering::Relaxed);
    // SAFETY: a non-null CURRENT is the table's `Arc` of the running thread, alive for as
    // long as this code runs on its behalf (see CURRENT); `ManuallyDrop` leaves the table's
    // count alone.
    (!thread.is_null()).then(|| f(&ManuallyDrop::new(unsafe { Arc::from_raw(thread) })))
}

pub fn current() -> Option<Arc<Thread>> {
    with_current(Arc::clone)
}

/// The running thread's process, without taking a reference to the thread on the way.
pub fn current_process() -> Option<Arc<Process>> {
    with_current(|thread| thread.process.clone())
}

/// The thread `tid`, if it has not exited.
pub fn find_thread(tid: Pid) -> Option<Arc<Thread>> {
    SCHEDULER
        .lock()
        .threads
        .get(&tid)
        .filter(|thread| thread.state.lock().run != RunState::Dead)
        .cloned()
}

/// The process `pid`, until it is reaped.
pub fn find(pid: Pid) -> Option<Arc<Process>> {
    SCHEDULER
        .lock()
        .threads
        .get(&pid)
        .filter(|thread| thread.is_leader())
        .map(|thread| thread.process.clone())
}

/// Every process not yet reaped, for scans (orphans, signals, sysinfo).
pub fn processes() -> Vec<Arc<Process>> {
    SCHEDULER
        .lock()
        .threads
        .values()
        .filter(|thread| thread.is_leader())
        .map(|thread| thread.process.clone())
        .collect()
}

/// The live processes of process group `group` (kill of a group, terminal signals).
pub fn process_group(group: Pid) -> Vec<Arc<Process>> {
    processes()
        .into_iter()
        .filter(|process| {
            let state = process.state.lock();
            state.group == group && state.zombie.is_none()
        })
        .collect()
}

/// The threads of `process` that have not exited.
pub fn threads_of(process: &Process) -> Vec<Arc<Thread>> {
    SCHEDULER
        .lock()
        .threads
        .values()
        .filter(|thread| core::ptr::eq(&*thread.process, process))
        .filter(|thread| thread.state.lock().run != RunState::Dead)
        .cloned()
        .collect()
}

/// Threads in the table, exited first threads of unreaped processes included.
pub fn count() -> usize {
    SCHEDULER.lock().threads.len()
}

/// Removes an ended process's first thread from the table; its kernel stack is freed with the
/// last reference.
pub fn reap(pid: Pid) -> Option<Arc<Thread>> {
    SCHEDULER.lock().threads.remove(&pid)
}

/// Makes every thread sleeping on `channel` runnable.
pub fn wake(channel: Channel) {
    let mut scheduler = SCHEDULER.lock();
    let woken: Vec<Pid> = scheduler
        .threads
        .values()
        .filter(|thread| {
            let mut state = thread.state.lock();
            let sleeping = state.run == RunState::Sleeping(channel);
            if sleeping {
                state.run = RunState::Runnable;
            }
            sleeping
        })
        .map(|thread| thread.tid)
        .collect();
    scheduler.run_queue.extend(woken);
}

/// Makes one thread runnable again if it sleeps (to deliver a signal, or a futex wake-up).
pub fn interrupt(thread: &Thread) {
    let runnable = {
        let mut state = thread.state.lock();
        let sleeping = matches!(state.run, RunState::Sleeping(_));
        if sleeping {
            state.run = RunState::Runnable;
        }
        sleeping
    };
    if runnable {
        SCHEDULER.lock().run_queue.push_back(thread.tid);
    }
}

/// Puts the current thread to sleep on `channel` until woken. The caller checks its
/// condition with IRQs masked before calling, so no wake-up is lost in between.
pub fn sleep(channel: Channel) {
    if let Some(thread) = current() {
        thread.state.lock().run = RunState::Sleeping(channel);
    }
    schedule();
}

/// Lets other runnable threads run first.
pub fn yield_now() {
    schedule();
}

/// Called by the timer: charges the tick to the thread it interrupted (to idle time when
/// there was none), and samples the load average.
pub fn charge_tick(in_user_space: bool) {
    let process = {
        let scheduler = SCHEDULER.lock();
        let current = scheduler
            .current
            .and_then(|tid| scheduler.threads.get(&tid));
        if let Some(thread) = current {
            thread.cpu_clock.charge_tick(in_user_space);
            thread.process.cpu_clock.charge_tick(in_user_space);
        }
        cpu_time::MACHINE.charge_tick(current.map(|_| in_user_space));
        load_average::on_tick(|| scheduler.runnable_count());
        current.map(|thread| thread.process.clone())
    };
    // Outside the scheduler's lock, which sending a signal takes.
    if let Some(process) = process {
        alarm::on_cpu_tick(&process, in_user_space);
    }
}

/// Threads that are running or ready to (/proc/loadavg, /proc/stat).
pub fn runnable_count() -> usize {
    SCHEDULER.lock().runnable_count()
}

impl Scheduler {
    fn runnable_count(&self) -> usize {
        let runnable = |thread: &&Arc<Thread>| thread.state.lock().run == RunState::Runnable;
        self.threads.values().filter(runnable).count()
    }
}

/// Called by the timer: ask for a switch on the next return to user space.
pub fn tick() {
    NEED_RESCHEDULE.store(true, Ordering::Relaxed);
}

/// Switches away if the time slice is over.
pub fn preempt_if_due() {
    // Looked at before it is taken: the flag is rarely set, and a load is cheaper.
    if NEED_RESCHEDULE.load(Ordering::Relaxed) && NEED_RESCHEDULE.swap(false, Ordering::Relaxed) {
        schedule();
    }
}

/// Runs the next runnable thread, or the idle thread if there is none.
pub fn schedule() {
    let daif = irq::save_and_mask();
    let switch = {
        let mut scheduler = SCHEDULER.lock();
        let previous = scheduler.current;
        let runnable = |scheduler: &Scheduler, tid: Pid| {
            scheduler
                .threads
                .get(&tid)
                .is_some_and(|t| t.state.lock().run == RunState::Runnable)
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
            let thread = next.and_then(|tid| scheduler.threads.get(&tid));
            CURRENT.store(
                thread.map_or(ptr::null_mut(), |thread| Arc::as_ptr(thread).cast_mut()),
                Ordering::Relaxed,
            );
            let context_of =
                |tid: Option<Pid>| match tid.and_then(|tid| scheduler.threads.get(&tid)) {
                    Some(thread) => thread.context(),
                    None => IDLE.0.get(),
                };
            let switch = (context_of(previous), context_of(next));
            let space = next
                .and_then(|tid| scheduler.threads.get(&tid))
                .and_then(|thread| thread.process.state.lock().address_space.clone());
            let exited = previous
                .and_then(|tid| scheduler.threads.get(&tid))
                .is_some_and(|t| !t.is_leader() && t.state.lock().run == RunState::Dead);
            if exited && let Some(thread) = previous.and_then(|t| scheduler.threads.remove(&t)) {
                EXITED.lock().push(thread);
            }
            Some((switch, space))
        }
    };
    if let Some(((save, resume), space)) = switch {
        let scope = crate::uaccess::scope::switch_out();
        address_space::switch_to(space);
        // SAFETY: both contexts belong to threads kept alive by the table or by EXITED (or to
        // the idle thread), IRQs are masked and no lock is held.
        unsafe { context::switch(save, resume) };
        crate::uaccess::scope::switch_in(scope);
        free_exited();
    }
    irq::restore(daif);
}

/// Frees the threads that exited, now that the CPU is on another stack than theirs.
fn free_exited() {
    let exited = core::mem::take(&mut *EXITED.lock());
    drop(exited);
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

/// The first thing a new thread runs, on its own stack (see context.rs), with the trap frame
/// it leaves through: signals that came before it ever ran are acted on here; then on to
/// user space.
#[unsafe(no_mangle)]
extern "C" fn process_first_run(frame: &mut crate::arch::aarch64::trap_frame::TrapFrame) {
    free_exited();
    if let Some(thread) = current() {
        let set_child_tid = core::mem::take(&mut thread.state.lock().set_child_tid);
        if set_child_tid != 0 {
            // As Linux's schedule_tail: in the child's own memory, a fault ignored.
            let _ = crate::uaccess::put_user(
                crate::uaccess::UserPtr::<i32>::new(set_child_tid),
                thread.tid as i32,
            );
        }
    }
    crate::task::before_return_to_user(frame, None);
    crate::arch::aarch64::pan::enter_user();
}
