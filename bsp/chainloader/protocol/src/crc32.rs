//! CRC-32 (IEEE 802.3, as zlib and `cksum -a crc32b`), bit by bit: the chainloader updates it
//! one received byte at a time, and a table would only make it bigger.

/// The reflected IEEE polynomial.
const POLYNOMIAL: u32 = 0xedb8_8320;

/// A CRC-32 being computed over bytes that arrive in pieces.
#[derive(Clone, Copy, Debug)]
pub struct Crc32 {
    state: u32,
}

impl Default for Crc32 {
    fn default() -> Self {
        Self { state: !0 }
    }
}

impl Crc32 {
    pub fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.state ^= u32::from(byte);
            for _ in 0..8 {
                // All ones when the low bit is set: the polynomial is XORed in without a branch.
                let mask = (self.state & 1).wrapping_neg();
                self.state = (self.state >> 1) ^ (POLYNOMIAL & mask);
            }
        }
    }

    pub fn finish(self) -> u32 {
        !self.state
    }
}

/// The CRC-32 of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = Crc32::default();
    crc.update(bytes);
    crc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_standard_check_values() {
        // The catalogue's check value for CRC-32/ISO-HDLC, and zlib's crc32 of "hello".
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b"hello"), 0x3610_a686);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn pieces_give_the_same_checksum_as_the_whole() {
        let image: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let mut crc = Crc32::default();
        for piece in image.chunks(7) {
            crc.update(piece);
        }
        assert_eq!(crc.finish(), crc32(&image));
    }

    #[test]
    fn any_single_bit_flip_changes_the_checksum() {
        let image = b"kernel image bytes".to_vec();
        let original = crc32(&image);
        for bit in 0..image.len() * 8 {
            let mut corrupted = image.clone();
            corrupted[bit / 8] ^= 1 << (bit % 8);
            assert_ne!(crc32(&corrupted), original, "bit {bit}");
        }
    }
}
