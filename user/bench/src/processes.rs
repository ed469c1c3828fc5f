//! Two processes passing control back and forth (a pipe, sched_yield), and making and ending
//! processes (fork+exit+wait, execve).

use core::ffi::CStr;

use rt::args::{args, env};
use rt::errno::Errno;
use rt::spawn::spawn;
use rt::sys::file::{pipe2, read, write};
use rt::sys::process::{Fork, Pid, exit_group, fork, sched_yield, wait};
use rt::wait::Termination;

use crate::failure::Failure;
use crate::stopwatch::{measure, per_operation};

const ROUND_TRIPS: usize = 1_000;
/// Each race is a fork and [`ROUND_TRIPS`] yields on either side.
const YIELD_RACES: usize = 5;
/// Making a process costs a hundred times more than a round trip.
const PROCESSES: usize = 50;
/// The argument that makes the benchmark exit as soon as it starts: the image execve loads.
pub const EXIT_AT_ONCE: &CStr = c"--exit";

/// One byte to a child and one byte back, through two pipes.
pub fn pipe_round_trip() -> Result<u64, Failure> {
    let (from_parent, to_child) = pipe2(0)?;
    let (from_child, to_parent) = pipe2(0)?;
    let child = match fork()? {
        Fork::Child => {
            drop((to_child, from_child));
            echo_bytes(from_parent.raw(), to_parent.raw())
        }
        Fork::Parent(child) => child,
    };
    drop((from_parent, to_parent));
    let mut byte = [0u8];
    let cost = measure(ROUND_TRIPS, |_| {
        write(to_child.raw(), &byte)?;
        match read(from_child.raw(), &mut byte)? {
            1 => Ok(()),
            moved => Err(Failure::ShortTransfer { asked: 1, moved }),
        }
    });
    // End of file tells the child to exit.
    drop(to_child);
    reap(child)?;
    cost
}

/// The child's side of the round trip: every byte read is written back, until end of file.
fn echo_bytes(input: i32, output: i32) -> ! {
    let mut byte = [0u8];
    while let Ok(1) = read(input, &mut byte) {
        if write(output, &byte).is_err() {
            break;
        }
    }
    exit_group(0)
}

/// Two processes that each call sched_yield [`ROUND_TRIPS`] times, per pair of calls: two
/// system calls and, where the scheduler hands over on every yield, two context switches.
/// Both do a fixed number of calls, so the total stays bounded whatever the scheduler does.
pub fn sched_yield_round_trip() -> Result<u64, Failure> {
    let race = measure(YIELD_RACES, |_| {
        let child = match fork()? {
            Fork::Child => {
                yield_repeatedly();
                exit_group(0)
            }
            Fork::Parent(child) => child,
        };
        yield_repeatedly();
        reap(child)
    })?;
    Ok(per_operation(
        race.saturating_sub(fork_exit_wait()?),
        ROUND_TRIPS,
    ))
}

fn yield_repeatedly() {
    for _ in 0..ROUND_TRIPS {
        // It cannot fail on Linux.
        let _ = sched_yield();
    }
}

/// A child that exits at once, and the parent's wait for it.
pub fn fork_exit_wait() -> Result<u64, Failure> {
    measure(PROCESSES, |_| match fork()? {
        Fork::Child => exit_group(0),
        Fork::Parent(child) => reap(child),
    })
}

/// What execve adds to fork+exit+wait: the child replaces itself with this program, told to
/// exit at once, before it exits.
pub fn execve() -> Result<u64, Failure> {
    let program = args().get(0).ok_or(Failure::Errno(Errno::ENOENT))?;
    let with_execve = measure(PROCESSES, |_| {
        let child = spawn("bench", program, [program, EXIT_AT_ONCE], env())?;
        reap(child)
    })?;
    Ok(with_execve.saturating_sub(fork_exit_wait()?))
}

/// Waits for `child`, which must have exited with status 0.
fn reap(child: Pid) -> Result<(), Failure> {
    match wait(child)? {
        (_, Termination::Exited(0)) => Ok(()),
        (_, termination) => Err(Failure::Child(termination)),
    }
}
