//! The header the host sends before the image, and the reasons an image is refused.

/// Length (u32, little-endian) then CRC-32 (u32, little-endian).
pub const HEADER_LEN: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Image length in bytes.
    pub len: u32,
    /// [`crc32`](crate::crc32) of the image.
    pub checksum: u32,
}

/// Why the chainloader refuses an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// A length of zero: nothing to start.
    Empty,
    /// The image would reach the chainloader and overwrite it while it runs.
    TooLong,
    /// The line fell silent for [`BYTE_TIMEOUT_MS`](crate::BYTE_TIMEOUT_MS) in the middle of a
    /// transfer.
    Stalled,
    /// The bytes received do not have the checksum the header announced.
    ChecksumMismatch,
}

impl Header {
    pub fn to_bytes(self) -> [u8; HEADER_LEN] {
        let mut bytes = [0; HEADER_LEN];
        bytes[..4].copy_from_slice(&self.len.to_le_bytes());
        bytes[4..].copy_from_slice(&self.checksum.to_le_bytes());
        bytes
    }

    pub fn from_bytes(bytes: [u8; HEADER_LEN]) -> Self {
        let [l0, l1, l2, l3, c0, c1, c2, c3] = bytes;
        Self {
            len: u32::from_le_bytes([l0, l1, l2, l3]),
            checksum: u32::from_le_bytes([c0, c1, c2, c3]),
        }
    }
}

impl Rejection {
    /// The chainloader's line saying why, without its line ending.
    pub fn message(self) -> &'static str {
        match self {
            Rejection::Empty => "chainloader: empty image",
            Rejection::TooLong => "chainloader: image too long, it would overwrite the chainloader",
            Rejection::Stalled => "chainloader: transfer stalled",
            Rejection::ChecksumMismatch => "chainloader: checksum mismatch",
        }
    }
}

/// Whether an image of `len` bytes can be received into `capacity` bytes: the same rule on the
/// host, which checks before sending, and on the board.
pub fn check_len(len: usize, capacity: usize) -> Result<(), Rejection> {
    match len {
        0 => Err(Rejection::Empty),
        len if len > capacity => Err(Rejection::TooLong),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_length_then_checksum_little_endian() {
        let header = Header {
            len: 0x0001_2345,
            checksum: 0xcbf4_3926,
        };
        assert_eq!(
            header.to_bytes(),
            [0x45, 0x23, 0x01, 0x00, 0x26, 0x39, 0xf4, 0xcb]
        );
        assert_eq!(Header::from_bytes(header.to_bytes()), header);
    }

    #[test]
    fn lengths_from_one_to_the_capacity_fit() {
        assert_eq!(check_len(0, 100), Err(Rejection::Empty));
        assert_eq!(check_len(1, 100), Ok(()));
        assert_eq!(check_len(100, 100), Ok(()));
        assert_eq!(check_len(101, 100), Err(Rejection::TooLong));
    }
}
