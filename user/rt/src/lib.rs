//! The runtime every user program links: entry point, Linux system calls, printing, panics and a test harness.
#![no_std]

pub mod args;
mod entry;
pub mod errno;
pub mod fd;
pub mod fixed_str;
pub mod nr;
mod panic;
pub mod path;
pub mod print;
pub mod signal;
pub mod spawn;
pub mod sys;
pub mod syscall;
pub mod test;
pub mod wait;
