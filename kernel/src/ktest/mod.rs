//! In-kernel tests: a registry collected at link time and the runner of a test build.
//!
//! `ktest!` registers a test in the `ktests` linker section; `fault_scenario!` registers
//! code that must oops, run by the xtask in a boot of its own (`ktest.fault=<suite>::<name>`)
//! and checked against the report. Results use the line protocol of ARCHITECTURE.md.

mod asid;
mod bench;
mod disk;
mod exception;
mod extable;
mod frames;
mod heap;
mod memory_routines;
mod paging;
mod pan;
mod pan_state;
mod stack;
mod timer;
mod uaccess_basic;
mod uaccess_kernel_side;
mod uaccess_residue;
mod uaccess_scope;
mod uaccess_strings;
mod uaccess_structs;
mod user_memory;
mod wx;

use crate::arch::aarch64::semihosting;
use crate::cmdline;
use crate::println;
use alloc::string::String;
use core::fmt::Write;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicPtr, Ordering};

/// QEMU exit status: every test passed.
const EXIT_PASSED: u32 = 0;
/// QEMU exit status: at least one test failed.
const EXIT_FAILED: u32 = 1;
/// QEMU exit status: the kernel oopsed (what a fault scenario wants).
pub const EXIT_OOPS: u32 = 3;
/// QEMU exit status: the fault scenario does not apply to this configuration.
const EXIT_SKIPPED: u32 = 4;

pub enum TestError {
    Failed(String),
    /// The test does not apply to this configuration, for the reason given.
    Skipped(&'static str),
}

pub type TestResult = Result<(), TestError>;

/// Turns any error into a test failure naming the step that failed.
pub trait OrFail<T> {
    fn or_fail(self, step: &str) -> Result<T, TestError>;
}

impl<T, E: core::fmt::Debug> OrFail<T> for Result<T, E> {
    fn or_fail(self, step: &str) -> Result<T, TestError> {
        self.map_err(|error| TestError::Failed(alloc::format!("{step}: {error:?}")))
    }
}

#[repr(C)]
pub struct KTest {
    pub suite: &'static str,
    pub name: &'static str,
    pub run: fn() -> TestResult,
}

#[repr(C)]
pub struct FaultScenario {
    pub suite: &'static str,
    pub name: &'static str,
    /// Text the oops report must contain.
    pub expect: &'static str,
    pub run: fn(),
}

/// Registers `fn name() -> TestResult` as test `suite::name`.
macro_rules! ktest {
    ($suite:literal, fn $name:ident() $body:block) => {
        fn $name() -> $crate::ktest::TestResult $body
        const _: () = {
            #[used]
            #[unsafe(link_section = "ktests")]
            static ENTRY: $crate::ktest::KTest = $crate::ktest::KTest {
                suite: $suite,
                name: stringify!($name),
                run: $name,
            };
        };
    };
}

/// Registers `fn name()` as a fault scenario whose oops report must contain `expect`.
macro_rules! fault_scenario {
    ($suite:literal, expect = $expect:literal, fn $name:ident() $body:block) => {
        #[inline(never)]
        fn $name() $body
        const _: () = {
            #[used]
            #[unsafe(link_section = "kfaults")]
            static ENTRY: $crate::ktest::FaultScenario = $crate::ktest::FaultScenario {
                suite: $suite,
                name: stringify!($name),
                expect: $expect,
                run: $name,
            };
        };
    };
}

/// Fails the test with a formatted reason unless `condition` holds.
macro_rules! check {
    ($condition:expr, $($reason:tt)+) => {
        if !$condition {
            return Err($crate::ktest::TestError::Failed(alloc::format!($($reason)+)));
        }
    };
}

/// Fails the test unless both sides are equal, showing both.
macro_rules! check_eq {
    ($left:expr, $right:expr $(,)?) => {{
        let (left, right) = (&$left, &$right);
        check!(
            left == right,
            "{} == {}: {:?} != {:?}",
            stringify!($left),
            stringify!($right),
            left,
            right
        );
    }};
}

use {check, check_eq, fault_scenario, ktest};

unsafe extern "C" {
    static __ktests_start: u8;
    static __ktests_end: u8;
    static __kfaults_start: u8;
    static __kfaults_end: u8;
}

fn registry<T>(start: *const u8, end: *const u8) -> &'static [T] {
    let len = (end as usize - start as usize) / core::mem::size_of::<T>();
    // SAFETY: the linker script places only `T` entries, 8-aligned, between the symbols.
    unsafe { core::slice::from_raw_parts(start.cast::<T>(), len) }
}

fn tests() -> &'static [KTest] {
    registry(&raw const __ktests_start, &raw const __ktests_end)
}

fn fault_scenarios() -> &'static [FaultScenario] {
    registry(&raw const __kfaults_start, &raw const __kfaults_end)
}

/// The test being run, for the panic handler.
static RUNNING: AtomicPtr<KTest> = AtomicPtr::new(core::ptr::null_mut());

/// Runs what the command line asks for. Exits QEMU with the result, unless every test passed
/// and the command line names an `init=` to go on with (user-space tests).
pub fn run() {
    let command_line = cmdline::boot();
    if command_line.has("bench") {
        bench::run();
        semihosting::exit(EXIT_PASSED);
    }
    if let Some(wanted) = command_line.value("ktest.fault") {
        run_fault_scenario(wanted);
    }
    let filter = command_line.value("ktest.filter").unwrap_or("");
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for test in tests() {
        let mut full_name = String::new();
        let _ = write!(full_name, "{}::{}", test.suite, test.name);
        if !full_name.contains(filter) {
            continue;
        }
        crate::print!("test {full_name} ... ");
        RUNNING.store(core::ptr::from_ref(test).cast_mut(), Ordering::SeqCst);
        let result = (test.run)();
        RUNNING.store(core::ptr::null_mut(), Ordering::SeqCst);
        match result {
            Ok(()) => {
                passed += 1;
                println!("ok");
            }
            Err(TestError::Failed(reason)) => {
                failed += 1;
                println!("FAILED ({reason})");
            }
            Err(TestError::Skipped(reason)) => {
                skipped += 1;
                println!("skipped ({reason})");
            }
        }
    }
    for scenario in fault_scenarios() {
        println!(
            "ktest: fault-scenario {}::{} expect=\"{}\"",
            scenario.suite, scenario.name, scenario.expect
        );
    }
    println!("ktest: {passed} passed, {failed} failed, {skipped} skipped");
    if failed == 0 && command_line.value("init").is_some() {
        return;
    }
    semihosting::exit(if failed == 0 {
        EXIT_PASSED
    } else {
        EXIT_FAILED
    })
}

fn run_fault_scenario(wanted: &str) -> ! {
    let scenario = fault_scenarios()
        .iter()
        .find(|s| wanted.split_once("::") == Some((s.suite, s.name)));
    let Some(scenario) = scenario else {
        println!("ktest: no fault scenario named {wanted}");
        semihosting::exit(EXIT_FAILED);
    };
    println!("ktest: running fault scenario {wanted}, expecting an oops");
    (scenario.run)();
    println!("ktest: fault scenario {wanted} returned without an oops");
    semihosting::exit(EXIT_FAILED)
}

/// Ends a fault scenario that cannot apply here, saying why.
pub fn skip_fault_scenario(reason: &str) -> ! {
    println!("ktest: skipped ({reason})");
    semihosting::exit(EXIT_SKIPPED)
}

/// From the panic handler: a panic inside a test fails that test and the run.
pub fn fail_running_test(info: &PanicInfo<'_>) {
    if !RUNNING.load(Ordering::SeqCst).is_null() {
        println!("FAILED (panic: {})", info.message());
        semihosting::exit(EXIT_FAILED);
    }
}
