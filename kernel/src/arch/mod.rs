//! Architecture support; the kernel runs on AArch64 only.

pub mod aarch64;
