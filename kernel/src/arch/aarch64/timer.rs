//! The EL1 virtual timer (CNTV): a periodic tick.

use aarch64_cpu::registers::{CNTFRQ_EL0, CNTKCTL_EL1, CNTV_CTL_EL0, CNTV_TVAL_EL0, CNTVCT_EL0};
use core::sync::atomic::{AtomicU64, Ordering};
use tock_registers::interfaces::{ReadWriteable, Readable, Writeable};

/// Timer interrupts per second.
pub const TICK_HZ: u64 = 100;

static TICKS: AtomicU64 = AtomicU64::new(0);

fn reload() {
    CNTV_TVAL_EL0.set(CNTFRQ_EL0.get() / TICK_HZ);
}

/// Arms the first tick; the board's interrupt controller must already route the timer.
/// Also lets EL0 read the virtual counter and its frequency, as Linux does.
pub fn start() {
    CNTKCTL_EL1.modify(CNTKCTL_EL1::EL0VCTEN::SET);
    reload();
    CNTV_CTL_EL0.write(CNTV_CTL_EL0::ENABLE::SET + CNTV_CTL_EL0::IMASK::CLEAR);
}

/// Called from the IRQ handler: counts the tick and arms the next one.
pub fn on_interrupt() {
    TICKS.fetch_add(1, Ordering::Relaxed);
    reload();
}

#[cfg(feature = "ktest")]
/// Timer interrupts taken since boot.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// The virtual counter, in counter ticks of [`counter_frequency`] Hz.
pub fn counter() -> u64 {
    CNTVCT_EL0.get()
}

pub fn counter_frequency() -> u64 {
    CNTFRQ_EL0.get()
}

pub const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// Nanoseconds since boot. There is no real-time clock: the realtime clocks count from the
/// epoch as if the machine booted on 1 January 1970.
pub fn now_nanos() -> u64 {
    let (ticks, frequency) = (u128::from(counter()), u128::from(counter_frequency()));
    (ticks * u128::from(NANOS_PER_SECOND) / frequency) as u64
}
