//! Measuring that a scenario gives back every frame: sysinfo's free memory after it must be
//! back where it was before.

use rt::sys::system::sysinfo;
use rt::sys::time::sleep_millis;
use rt::test::{Context, Failure};

/// How long the kernel may take to free what dead processes held.
const SETTLE_MILLIS: i64 = 2000;
const POLL_MILLIS: i64 = 20;

pub fn free_bytes() -> Result<u64, Failure> {
    Ok(sysinfo().context("sysinfo")?.free_bytes())
}

/// Touches the stack below the caller, so that the scenario's own stack use does not take
/// frames between the two measurements.
#[inline(never)]
fn warm_stack() {
    let area = [1u8; 32 * 1024];
    core::hint::black_box(&area);
}

/// Runs `scenario` and checks that free memory returns to its level before it.
pub fn check_gives_back(scenario: impl FnOnce() -> Result<(), Failure>) -> Result<(), Failure> {
    warm_stack();
    let before = free_bytes()?;
    scenario()?;
    let mut after = free_bytes()?;
    let mut waited = 0;
    while after < before && waited < SETTLE_MILLIS {
        sleep_millis(POLL_MILLIS).context("nanosleep")?;
        waited += POLL_MILLIS;
        after = free_bytes()?;
    }
    rt::check!(
        after >= before,
        "{} bytes not given back (free {before} before, {after} after)",
        before - after
    );
    Ok(())
}
