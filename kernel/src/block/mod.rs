//! Block devices: the board's disk and its MBR partitions.

#[cfg(target_os = "none")]
pub mod disk;
pub mod partitions;
