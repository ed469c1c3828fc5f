//! Futexes: threads sleeping until another thread wakes them at a user address.
//!
//! A waiter is keyed by its address space and the user address, so the threads of a process
//! (and a vfork child with its parent) meet; separate processes never do, as no memory is
//! shared between them yet.
//!
//! FUTEX_WAIT's "sleep only if the word still holds the expected value" needs the read and
//! the enqueueing to be one step for wakers. Here the read is an ordinary `get_user` (LDTR:
//! PAN stays on, a bad address is EFAULT through the exception table) done with interrupts
//! masked on the one CPU, and nothing else runs until the waiter is queued and asleep. With
//! several CPUs the same holds if the read and the enqueueing happen under the lock wakers
//! take, as Linux's hash-bucket lock does; no atomic read-modify-write of user memory is
//! needed for WAIT, WAKE or REQUEUE. Only FUTEX_WAKE_OP and the PI operations need one, and
//! exclusive loads and stores have no unprivileged form: Linux clears PSTATE.PAN for the one
//! LDXR/STXR loop (with an exception-table entry) after access_ok and pointer masking, and
//! under software PAN the same loop would run inside the uaccess TTBR0 window. Those
//! operations are not implemented (ENOSYS), and glibc and musl do not need them.

use super::process::{Pid, Process};
use super::thread::Channel;
use super::{current_thread, scheduler, signal_pending};
use crate::arch::aarch64::timer;
use crate::errno::{EAGAIN, EINVAL, ERESTARTSYS, ETIMEDOUT, Errno};
use crate::sync::{InterruptsMasked, IrqMutex};
use crate::uaccess::{UserPtr, get_user};
use alloc::vec::Vec;

/// Where a waiter sleeps: the address space (by identity) and the user address in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    space: usize,
    address: usize,
}

struct Waiter {
    key: Key,
    tid: Pid,
    /// FUTEX_WAIT_BITSET's mask; a wake-up must share a bit with it.
    bitset: u32,
}

/// Threads waiting, oldest first; a waker removes the waiters it wakes.
static WAITERS: IrqMutex<Vec<Waiter>> = IrqMutex::new(Vec::new());

/// Matches every waiter: plain FUTEX_WAIT and FUTEX_WAKE.
pub const ANY: u32 = u32::MAX;

/// The key for `address` in `process`'s memory. The word must be 4-aligned.
fn key(process: &Process, address: usize) -> Result<Key, Errno> {
    if !address.is_multiple_of(4) {
        return Err(EINVAL);
    }
    let space = process.state.lock().address_space.clone().ok_or(EINVAL)?;
    Ok(Key {
        space: alloc::sync::Arc::as_ptr(&space) as usize,
        address,
    })
}

/// FUTEX_WAIT(_BITSET): sleeps while the word at `address` holds `expected`, until a wake-up
/// matching `bitset`, the `deadline` (nanoseconds since boot) or a signal.
pub fn wait(
    address: usize,
    expected: u32,
    bitset: u32,
    deadline: Option<u64>,
) -> Result<(), Errno> {
    if bitset == 0 {
        return Err(EINVAL);
    }
    let thread = current_thread();
    let key = key(&thread.process, address)?;
    {
        let _masked = InterruptsMasked::new();
        if get_user(UserPtr::<u32>::new(address))? != expected {
            return Err(EAGAIN);
        }
        WAITERS.lock().push(Waiter {
            key,
            tid: thread.tid,
            bitset,
        });
    }
    loop {
        let _masked = InterruptsMasked::new();
        let queued = WAITERS.lock().iter().any(|waiter| waiter.tid == thread.tid);
        if !queued {
            return Ok(());
        }
        let timed_out = deadline.is_some_and(|deadline| timer::now_nanos() >= deadline);
        if timed_out || signal_pending() {
            WAITERS.lock().retain(|waiter| waiter.tid != thread.tid);
            return Err(if timed_out { ETIMEDOUT } else { ERESTARTSYS });
        }
        scheduler::sleep(if deadline.is_some() {
            Channel::Tick
        } else {
            Channel::Futex
        });
    }
}

/// Takes up to `count` waiters on `key` matching `bitset` off the queue, oldest first.
fn take_waiters(key: Key, bitset: u32, count: usize) -> Vec<Pid> {
    let mut waiters = WAITERS.lock();
    let mut taken = Vec::new();
    waiters.retain(|waiter| {
        let take = taken.len() < count && waiter.key == key && waiter.bitset & bitset != 0;
        if take {
            taken.push(waiter.tid);
        }
        !take
    });
    taken
}

fn wake_threads(tids: &[Pid]) {
    for &tid in tids {
        if let Some(thread) = scheduler::find_thread(tid) {
            scheduler::interrupt(&thread);
        }
    }
}

/// FUTEX_WAKE(_BITSET): wakes up to `count` waiters at `address`; returns how many.
pub fn wake(address: usize, count: usize, bitset: u32) -> Result<usize, Errno> {
    if bitset == 0 {
        return Err(EINVAL);
    }
    let key = key(&current_thread().process, address)?;
    let woken = take_waiters(key, bitset, count);
    wake_threads(&woken);
    Ok(woken.len())
}

/// Wakes up to `count` waiters at `address` in `process` (a thread's exit, for pthread_join).
pub fn wake_address(process: &Process, address: usize, count: usize) {
    if let Ok(key) = key(process, address) {
        wake_threads(&take_waiters(key, ANY, count));
    }
}

/// FUTEX_(CMP_)REQUEUE: wakes up to `wake_count` waiters at `address` and moves up to
/// `move_count` more to wait at `target`, if the word at `address` still holds `expected`
/// (when given). Returns how many were woken and moved.
pub fn requeue(
    address: usize,
    target: usize,
    wake_count: usize,
    move_count: usize,
    expected: Option<u32>,
) -> Result<usize, Errno> {
    let process = current_thread().process.clone();
    let (from, to) = (key(&process, address)?, key(&process, target)?);
    let _masked = InterruptsMasked::new();
    if let Some(expected) = expected
        && get_user(UserPtr::<u32>::new(address))? != expected
    {
        return Err(EAGAIN);
    }
    let woken = take_waiters(from, ANY, wake_count);
    let mut moved = 0;
    for waiter in WAITERS.lock().iter_mut() {
        if moved < move_count && waiter.key == from {
            waiter.key = to;
            moved += 1;
        }
    }
    wake_threads(&woken);
    Ok(woken.len() + moved)
}
