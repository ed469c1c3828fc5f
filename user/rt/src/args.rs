//! The arguments, environment and auxiliary vector the kernel laid out on the initial stack:
//! argc, argv[0..argc], NULL, envp..., NULL, then (type, value) pairs up to AT_NULL.

use core::ffi::{CStr, c_char};
use core::sync::atomic::{AtomicUsize, Ordering};

/// Auxiliary vector types (linux/auxvec.h) the programs look at.
pub mod at {
    pub const NULL: usize = 0;
    pub const PHDR: usize = 3;
    pub const PHENT: usize = 4;
    pub const PHNUM: usize = 5;
    pub const PAGESZ: usize = 6;
    pub const ENTRY: usize = 9;
    pub const RANDOM: usize = 25;
}

static INITIAL_STACK: AtomicUsize = AtomicUsize::new(0);

/// Remembers where the initial stack is; `_start` calls it before anything else runs.
pub(crate) fn record_initial_stack(stack: *const usize) {
    INITIAL_STACK.store(stack as usize, Ordering::Relaxed);
}

/// The stack pointer the kernel handed to `_start`, before any alignment.
pub fn initial_stack() -> usize {
    INITIAL_STACK.load(Ordering::Relaxed)
}

fn argc() -> usize {
    // SAFETY: the initial stack starts with argc and stays untouched for the whole run: the
    // program's own stack grows down from below it.
    unsafe { *(initial_stack() as *const usize) }
}

fn argv() -> *const *const c_char {
    (initial_stack() as *const usize).wrapping_add(1).cast()
}

fn envp() -> *const *const c_char {
    argv().wrapping_add(argc() + 1)
}

/// The strings of a NULL-terminated pointer array on the initial stack.
#[derive(Clone, Copy)]
pub struct Strings {
    next: *const *const c_char,
}

impl Iterator for Strings {
    type Item = &'static CStr;

    fn next(&mut self) -> Option<&'static CStr> {
        // SAFETY: the kernel terminates the array with NULL and every entry before it points
        // at a NUL-terminated string that lives as long as the process.
        unsafe {
            let pointer = *self.next;
            if pointer.is_null() {
                return None;
            }
            self.next = self.next.add(1);
            Some(CStr::from_ptr(pointer))
        }
    }
}

/// The program's arguments, argv[0] first.
#[derive(Clone, Copy)]
pub struct Args;

impl Args {
    /// How many arguments there are (argc).
    pub fn count(&self) -> usize {
        argc()
    }

    pub fn get(&self, index: usize) -> Option<&'static CStr> {
        self.iter().nth(index)
    }

    pub fn iter(&self) -> Strings {
        Strings { next: argv() }
    }
}

/// The program's arguments.
pub fn args() -> Args {
    Args
}

/// The environment strings (`NAME=value`).
pub fn env() -> Strings {
    Strings { next: envp() }
}

/// The value of auxiliary-vector entry `kind`, if the kernel supplied one.
pub fn auxv(kind: usize) -> Option<usize> {
    let mut strings = env();
    while strings.next().is_some() {}
    // After the environment's NULL come (type, value) pairs.
    let mut entry = strings.next.wrapping_add(1).cast::<[usize; 2]>();
    loop {
        // SAFETY: the vector ends with an AT_NULL entry, so every entry up to it is readable.
        let [entry_kind, value] = unsafe { *entry };
        match entry_kind {
            at::NULL => return None,
            _ if entry_kind == kind => return Some(value),
            _ => entry = entry.wrapping_add(1),
        }
    }
}

/// The page size the kernel announces (AT_PAGESZ), 4096 if it announces none.
pub fn page_size() -> usize {
    auxv(at::PAGESZ).unwrap_or(4096)
}
