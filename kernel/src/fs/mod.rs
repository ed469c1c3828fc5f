//! Files: the file tree (a tmpfs filled from the initramfs), devices, pipes, sockets, message
//! queues and file descriptors.

pub mod cpio;
pub mod fbdev;
pub mod file_data;
pub mod page;
pub mod termios;
pub mod vfs;

#[cfg(target_os = "none")]
pub mod fd_table;
#[cfg(target_os = "none")]
pub mod file;
#[cfg(target_os = "none")]
pub mod initramfs;
#[cfg(target_os = "none")]
pub mod message_queue;
#[cfg(target_os = "none")]
pub mod pipe;
#[cfg(target_os = "none")]
pub mod proc;
#[cfg(target_os = "none")]
pub mod socket;
#[cfg(target_os = "none")]
pub mod stat;
#[cfg(target_os = "none")]
pub mod tty;
#[cfg(target_os = "none")]
pub mod user_buffers;
