//! A lock whose waiters sleep, for work that itself sleeps (disk I/O): held across a
//! sleep, unlike an IrqMutex, which must never be.

use super::scheduler;
use super::thread::Channel;
use crate::arch::aarch64::irq;
use crate::sync::{InterruptsMasked, IrqMutex};

pub struct SleepLock {
    held: IrqMutex<bool>,
}

pub struct SleepLockGuard<'a> {
    lock: &'a SleepLock,
}

impl SleepLock {
    pub const fn new() -> Self {
        Self {
            held: IrqMutex::new(false),
        }
    }

    fn channel(&self) -> Channel {
        Channel::SleepLock(self as *const Self as usize)
    }

    /// Takes the lock, asleep while another thread holds it; `None` if it is held and the
    /// caller may not sleep (interrupts masked, or no thread to put to sleep).
    pub fn lock(&self) -> Option<SleepLockGuard<'_>> {
        let may_sleep = irq::enabled() && scheduler::current().is_some();
        loop {
            let _masked = InterruptsMasked::new();
            let mut held = self.held.lock();
            if !*held {
                *held = true;
                return Some(SleepLockGuard { lock: self });
            }
            drop(held);
            if !may_sleep {
                return None;
            }
            scheduler::sleep(self.channel());
        }
    }
}

impl Drop for SleepLockGuard<'_> {
    fn drop(&mut self) {
        *self.lock.held.lock() = false;
        scheduler::wake(self.lock.channel());
    }
}
