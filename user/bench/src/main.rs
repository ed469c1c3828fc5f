//! bench: user-space benchmarks that use only the Linux AArch64 ABI, so the same binary times
//! this kernel and Linux. Each prints `bench <operation> size=<bytes> instructions=<n>`, the
//! cost of one operation in CLOCK_MONOTONIC nanoseconds, which are instructions under QEMU's
//! `-icount shift=0`. As process 1 it powers the machine off when done.
#![no_std]
#![no_main]

mod boot;
mod failure;
mod page_faults;
mod processes;
mod stopwatch;
mod system_calls;

use core::ffi::CStr;

use rt::args::Args;
use rt::errno::Errno;
use rt::println;
use rt::sys::memory::swapon;
use rt::sys::process::getpid;
use rt::sys::system::power_off;
use rt::sys::time::sleep_millis;

use failure::Failure;

rt::entry!(main);

/// One benchmark: what it measures, on how many bytes, and how.
struct Benchmark {
    operation: &'static str,
    size: usize,
    run: fn() -> Result<u64, Failure>,
}

/// Measured only when `--swap` names a swap area.
const SWAP_BENCHMARKS: &[Benchmark] = &[Benchmark {
    operation: "swap_in_fault",
    size: 4096,
    run: page_faults::swap_in_fault,
}];

const BENCHMARKS: &[Benchmark] = &[
    Benchmark {
        operation: "getpid",
        size: 0,
        run: system_calls::getpid,
    },
    Benchmark {
        operation: "read_dev_zero",
        size: system_calls::TRANSFER,
        run: system_calls::read_dev_zero,
    },
    Benchmark {
        operation: "write_dev_null",
        size: system_calls::TRANSFER,
        run: system_calls::write_dev_null,
    },
    Benchmark {
        operation: "pipe_round_trip",
        size: 1,
        run: processes::pipe_round_trip,
    },
    Benchmark {
        operation: "sched_yield_round_trip",
        size: 0,
        run: processes::sched_yield_round_trip,
    },
    Benchmark {
        operation: "demand_zero_fault",
        size: 4096,
        run: page_faults::demand_zero_fault,
    },
    Benchmark {
        operation: "shared_fault",
        size: 4096,
        run: page_faults::shared_fault,
    },
    Benchmark {
        operation: "fork_exit_wait",
        size: 0,
        run: processes::fork_exit_wait,
    },
    Benchmark {
        operation: "execve",
        size: 0,
        run: processes::execve,
    },
];

/// `--settle-ms N`: sleep N ms before measuring, for a kernel that finishes booting in the
/// background after it starts init, as Linux does; the sleep costs no host time under
/// `-icount sleep=off` on a single CPU, which skips idle time.
const SETTLE_OPTION: &CStr = c"--settle-ms";
/// `--swap DEVICE`: swap to DEVICE (a partition mkswap formatted) and measure swapping too.
const SWAP_OPTION: &CStr = c"--swap";

/// The process that boots the machine: powering off is its way to end it, since Linux
/// panics when it exits.
const INIT_PID: i32 = 1;

fn settle(millis: &CStr) -> Result<(), Failure> {
    let millis = millis.to_str().ok().and_then(|text| text.parse().ok());
    Ok(sleep_millis(millis.ok_or(Errno::EINVAL)?)?)
}

fn main(args: Args) -> i32 {
    // First, so that as few of the program's own instructions as possible are counted.
    let since_reset = boot::nanoseconds_since_reset();
    if args
        .get(1)
        .is_some_and(|option| option == processes::EXIT_AT_ONCE)
    {
        return 0;
    }
    let mut failures = 0;
    let mut swapping = false;
    for index in (1..args.count()).step_by(2) {
        match (args.get(index), args.get(index + 1)) {
            (Some(option), Some(millis)) if option == SETTLE_OPTION => {
                if let Err(failure) = settle(millis) {
                    println!("bench error: settling: {failure}");
                }
            }
            (Some(option), Some(device)) if option == SWAP_OPTION => match swapon(device, 0) {
                Ok(()) => swapping = true,
                Err(errno) => {
                    println!("bench error: swapon: {errno}");
                    failures += 1;
                }
            },
            _ => {
                rt::eprintln!(
                    "usage: bench [{} MILLISECONDS] [{} DEVICE]",
                    SETTLE_OPTION.to_bytes().escape_ascii(),
                    SWAP_OPTION.to_bytes().escape_ascii()
                );
                return 2;
            }
        }
    }
    println!("bench boot_to_first_instruction size=0 instructions={since_reset}");
    let swap_benchmarks = if swapping { SWAP_BENCHMARKS } else { &[] };
    for benchmark in BENCHMARKS.iter().chain(swap_benchmarks) {
        match (benchmark.run)() {
            Ok(instructions) => println!(
                "bench {} size={} instructions={instructions}",
                benchmark.operation, benchmark.size
            ),
            Err(failure) => {
                println!("bench error: {}: {failure}", benchmark.operation);
                failures += 1;
            }
        }
    }
    println!("bench: done, {failures} failed");
    if getpid() == INIT_PID {
        let errno = power_off();
        println!("bench error: power off: {errno}");
    }
    i32::from(failures != 0)
}
