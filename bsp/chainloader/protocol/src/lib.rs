//! The chainloader's serial protocol, one crate for both ends (the chainloader on the board and
//! `cargo xtask chainboot` on the host) so that the two cannot drift apart.
//!
//! ```text
//! chainloader -> host   GREETING, then REQUEST             (repeated every ANNOUNCE_INTERVAL_MS)
//! host -> chainloader   Header: length (u32 LE), CRC-32 of the image (u32 LE)
//! host -> chainloader   the image, `length` bytes
//! chainloader -> host   ACCEPTED, then it jumps to the image;
//!                       or a reason line, REJECTED, and a new GREETING + REQUEST
//! ```
#![cfg_attr(not(test), no_std)]

mod crc32;
mod header;
mod receive;

pub use crc32::{Crc32, crc32};
pub use header::{HEADER_LEN, Header, Rejection, check_len};
pub use receive::{Line, receive};

/// A line a person watching the serial port can read, before every [`REQUEST`].
pub const GREETING: &[u8] = b"chainloader: send kernel\r\n";
/// What the host waits for before it sends a header: bytes no console text contains.
pub const REQUEST: &[u8] = b"\x03\x03\x03";
/// The image arrived intact; the chainloader starts it.
pub const ACCEPTED: &[u8] = b"OK\r\n";
/// The image did not arrive intact (after a line saying why); the chainloader asks again.
pub const REJECTED: &[u8] = b"BAD\r\n";

/// How long the chainloader waits for a header before it announces itself again, so that a
/// host which opened the line after the last announcement still hears one.
pub const ANNOUNCE_INTERVAL_MS: u32 = 1000;
/// A transfer silent for this long is abandoned (the host died or bytes were lost).
pub const BYTE_TIMEOUT_MS: u32 = 1000;
/// After a failed transfer the chainloader waits for the line to be silent this long before it
/// answers, so that the rest of a transfer it gave up on is not read as the next header.
pub const QUIET_MS: u32 = 100;

/// Physical address the chainloader moves itself to and runs at (its linker script's base):
/// high enough for any kernel image, low enough for the smallest board's RAM.
pub const CHAINLOADER_ADDRESS: usize = 0x0200_0000;

/// The longest image that fits between the kernel's load address and the chainloader.
pub const fn max_image_len(load_address: usize) -> usize {
    CHAINLOADER_ADDRESS - load_address
}
