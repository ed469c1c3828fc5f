//! Mutual exclusion with interrupt handlers: masking IRQs, and a spin lock that also masks them.

use crate::arch::aarch64::irq;
use core::ops::{Deref, DerefMut};

pub struct IrqMutex<T> {
    inner: spin::Mutex<T>,
}

pub struct IrqMutexGuard<'a, T> {
    guard: Option<spin::MutexGuard<'a, T>>,
    saved_daif: u64,
}

impl<T> IrqMutex<T> {
    pub const fn new(value: T) -> Self {
        Self {
            inner: spin::Mutex::new(value),
        }
    }

    /// Masks IRQs on this core, then takes the lock; both are undone when the guard drops.
    pub fn lock(&self) -> IrqMutexGuard<'_, T> {
        let saved_daif = irq::save_and_mask();
        IrqMutexGuard {
            guard: Some(self.inner.lock()),
            saved_daif,
        }
    }
}

impl<T> Deref for IrqMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_deref().expect("guard is held until drop")
    }
}

impl<T> DerefMut for IrqMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_deref_mut().expect("guard is held until drop")
    }
}

impl<T> Drop for IrqMutexGuard<'_, T> {
    fn drop(&mut self) {
        // Release the lock before letting interrupts in again.
        self.guard = None;
        irq::restore(self.saved_daif);
    }
}

/// IRQs masked on this CPU while this lives (then restored as they were).
pub struct InterruptsMasked {
    saved_daif: u64,
}

impl InterruptsMasked {
    pub fn new() -> Self {
        Self {
            saved_daif: irq::save_and_mask(),
        }
    }
}

impl Drop for InterruptsMasked {
    fn drop(&mut self) {
        irq::restore(self.saved_daif);
    }
}
