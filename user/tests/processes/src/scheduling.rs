//! Preemption and context switches: a child that never makes a system call does not stop
//! its parent, and each process keeps its own FP/SIMD registers across switches.

use rt::signal::SIGKILL;
use rt::sys::file::{pipe2, read, write};
use rt::sys::process::{kill, wait};
use rt::sys::time::sleep_millis;
use rt::test::{Context, Failure};
use rt::wait::Termination;
use testkit::child::{in_child, spawn};

/// The child spins between progress reports. Each time the parent reads one, the child is
/// still spinning: the parent can only run again because the timer takes the CPU away.
pub fn looping_child_does_not_stop_the_parent() -> Result<(), Failure> {
    let (reader, writer) = pipe2(0).context("pipe2")?;
    let child = spawn(|| {
        let mut spins = 0u64;
        loop {
            spins = core::hint::black_box(spins + 1);
            if spins.is_multiple_of(1 << 20) && write(writer.raw(), b".") != Ok(1) {
                return 1;
            }
        }
    })?;
    for report in 0..3 {
        rt::check_eq!(
            read(reader.raw(), &mut [0u8]),
            Ok(1),
            "progress report {report}"
        );
    }
    sleep_millis(10).context("nanosleep while the child spins")?;
    kill(child, SIGKILL).context("kill")?;
    rt::check_eq!(
        wait(child).context("wait4")?.1,
        Termination::Killed(SIGKILL)
    );
    Ok(())
}

/// Fills v0-v31 with values derived from `seed`, yields the CPU `rounds` times, and counts
/// the 64-bit lanes that no longer hold their value.
fn fp_registers_survive_yields(seed: u64, rounds: u64) -> u64 {
    let mismatches: u64;
    // SAFETY: the block only uses the registers it declares; svc is sched_yield.
    unsafe {
        core::arch::asm!(
            ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
            "add x9, x10, #\\n",
            "dup v\\n\\().2d, x9",
            ".endr",
            "1:",
            "mov x8, #124",
            "svc #0",
            "subs x11, x11, #1",
            "b.ne 1b",
            "mov x13, #0",
            ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
            "add x9, x10, #\\n",
            "umov x12, v\\n\\().d[0]",
            "cmp x12, x9",
            "cinc x13, x13, ne",
            "umov x12, v\\n\\().d[1]",
            "cmp x12, x9",
            "cinc x13, x13, ne",
            ".endr",
            in("x10") seed,
            inout("x11") rounds => _,
            out("x13") mismatches,
            out("v8") _, out("v9") _, out("v10") _, out("v11") _,
            out("v12") _, out("v13") _, out("v14") _, out("v15") _,
            clobber_abi("C"),
        );
    }
    mismatches
}

pub fn fp_simd_registers_are_per_process() -> Result<(), Failure> {
    const ROUNDS: u64 = 200;
    let child = spawn(|| fp_registers_survive_yields(0x2000, ROUNDS) as i32)?;
    let in_parent = fp_registers_survive_yields(0x1000, ROUNDS);
    let in_child = wait(child).context("wait4")?.1;
    rt::check_eq!(in_parent, 0, "lanes changed in the parent");
    rt::check_eq!(
        in_child,
        Termination::Exited(0),
        "lanes changed in the child"
    );
    let alone = in_child_yielding()?;
    rt::check_eq!(
        alone,
        Termination::Exited(0),
        "lanes changed in a process alone"
    );
    Ok(())
}

fn in_child_yielding() -> Result<Termination, Failure> {
    in_child(|| fp_registers_survive_yields(0x3000, 10) as i32)
}
