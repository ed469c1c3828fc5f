//! Fixtures the test binaries share: mappings with chosen protections, bad pointers, memory
//! ending at a page edge, and child processes whose end or output a test checks.
#![no_std]

pub mod bad_pointers;
pub mod child;
pub mod edge;
pub mod expect;
pub mod fds;
pub mod pages;
