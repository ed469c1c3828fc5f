//! Files: the initramfs, devices, pipes, sockets and file descriptors.

pub mod cpio;
pub mod vfs;

#[cfg(target_os = "none")]
pub mod console_input;
#[cfg(target_os = "none")]
pub mod fd_table;
#[cfg(target_os = "none")]
pub mod file;
#[cfg(target_os = "none")]
pub mod initramfs;
#[cfg(target_os = "none")]
pub mod pipe;
#[cfg(target_os = "none")]
pub mod socket;
#[cfg(target_os = "none")]
pub mod user_buffers;
