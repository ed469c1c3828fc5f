//! execve's argv and envp: bad arrays, bad strings in them, and NULL arrays (which Linux
//! takes as empty lists). Every attempt runs in a child, so a kernel that wrongly goes ahead
//! replaces the child, not the test.

use core::ffi::c_char;
use core::ptr::null;

use rt::errno::Errno;
use rt::test::Failure;
use rt::wait::Termination;
use testkit::bad_pointers::BadPointers;
use testkit::child::{ExecOutcome, raw_execve_in_child};
use testkit::edge::{Beyond, PageEdge};

const PROGRAM: &core::ffi::CStr = c"/bin/echo-args";

/// Which of the two lists a case corrupts.
#[derive(Clone, Copy)]
enum List {
    Argv,
    Envp,
}

/// Runs execve with `list` at `array` and the other list empty; it must be EFAULT.
fn check_refused(list: List, label: &str, array: usize) -> Result<(), Failure> {
    let empty: [*const c_char; 1] = [null()];
    let empty = empty.as_ptr() as usize;
    let (argv, envp) = match list {
        List::Argv => (array, empty),
        List::Envp => (empty, array),
    };
    let outcome = raw_execve_in_child(PROGRAM.as_ptr() as usize, argv, envp)?;
    rt::check_eq!(
        outcome,
        ExecOutcome::Refused(Errno::EFAULT),
        "{label} array {array:#x}"
    );
    Ok(())
}

/// Pointer arrays execve cannot read: unreadable addresses (NULL is a valid empty list), and
/// an array whose terminating NULL would lie past a page edge.
fn check_bad_arrays(list: List) -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let [_null, rest @ ..] = bad.unreadable();
    for (label, address) in rest {
        check_refused(list, label, address)?;
    }
    let edge = PageEdge::new(Beyond::Unmapped)?;
    let array = edge.place_at_end(&(c"string".as_ptr() as usize).to_ne_bytes());
    check_refused(list, "unterminated before an unmapped page", array)
}

/// Arrays whose one string execve cannot read: at an unreadable address (NULL would end the
/// list), or running into a page edge before its NUL.
fn check_bad_strings(list: List) -> Result<(), Failure> {
    let bad = BadPointers::new()?;
    let [_null, rest @ ..] = bad.unreadable();
    for (label, address) in rest {
        let array = [address, 0];
        check_refused(list, label, array.as_ptr() as usize)?;
    }
    let edge = PageEdge::new(Beyond::Unmapped)?;
    let string = edge.place_at_end(b"unterminated");
    let array = [string, 0];
    check_refused(
        list,
        "string unterminated before an unmapped page",
        array.as_ptr() as usize,
    )
}

pub fn execve_with_bad_argv_array_is_efault() -> Result<(), Failure> {
    check_bad_arrays(List::Argv)
}

pub fn execve_with_bad_argv_string_is_efault() -> Result<(), Failure> {
    check_bad_strings(List::Argv)
}

pub fn execve_with_bad_envp_array_is_efault() -> Result<(), Failure> {
    check_bad_arrays(List::Envp)
}

pub fn execve_with_bad_envp_string_is_efault() -> Result<(), Failure> {
    check_bad_strings(List::Envp)
}

/// Linux treats NULL argv and envp as empty lists (since 5.18 it also supplies argv[0] = "").
pub fn execve_with_null_argv_and_envp_runs() -> Result<(), Failure> {
    let outcome = raw_execve_in_child(PROGRAM.as_ptr() as usize, 0, 0)?;
    rt::check_eq!(outcome, ExecOutcome::Ran(Termination::Exited(0)));
    Ok(())
}
