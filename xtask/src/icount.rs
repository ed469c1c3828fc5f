//! QEMU's deterministic mode, in which counting time counts instructions: one instruction is one
//! virtual nanosecond (`-icount shift=0`), the PMU's retired-instruction counter is exact, and two
//! runs of the same guest give the same numbers.

use std::process::Command;

/// `shift=0`: one instruction per virtual nanosecond. `align=off`: virtual time never waits for
/// the host's clock. `sleep=off`: an idle CPU jumps to its next timer at once, so a guest that
/// sleeps costs no host time (the skipped time still shows on the guest's clocks).
pub const ICOUNT: &str = "shift=0,align=off,sleep=off";

/// QEMU puts random numbers into the virt device tree (kaslr-seed, rng-seed, which Linux uses
/// to place its image and seed its random generator); with a fixed seed they are the same in
/// every run.
const RANDOM_SEED: &str = "1";
/// The real-time clock (virt's PL031, which Linux reads at boot) starts at a fixed date and runs
/// on virtual time, instead of telling the host's time.
const REAL_TIME_CLOCK: &str = "base=2000-01-01T00:00:00,clock=vm";

/// Adds the deterministic settings to a QEMU command.
pub fn make_deterministic(qemu: &mut Command) {
    qemu.args([
        "-icount",
        ICOUNT,
        "-seed",
        RANDOM_SEED,
        "-rtc",
        REAL_TIME_CLOCK,
    ]);
}
