//! The chainloader's end of the protocol: announce, receive, check, answer; again until an
//! image arrives intact.

use crate::{
    ACCEPTED, ANNOUNCE_INTERVAL_MS, BYTE_TIMEOUT_MS, Crc32, GREETING, HEADER_LEN, Header, QUIET_MS,
    REJECTED, REQUEST, Rejection, check_len,
};

/// The chainloader's side of the serial line.
pub trait Line {
    /// Sends `bytes`, waiting for room as needed.
    fn write(&mut self, bytes: &[u8]);
    /// The next received byte, or `None` once `timeout_ms` milliseconds pass without one.
    fn read(&mut self, timeout_ms: u32) -> Option<u8>;
}

/// Asks the host for an image until one arrives intact, stores it at the start of `destination`
/// and returns its length. The answer to the host ([`ACCEPTED`]) is sent, not necessarily gone.
pub fn receive(line: &mut impl Line, destination: &mut [u8]) -> usize {
    loop {
        line.write(GREETING);
        line.write(REQUEST);
        let Some(first) = line.read(ANNOUNCE_INTERVAL_MS) else {
            continue;
        };
        match receive_image(line, first, destination) {
            Ok(len) => {
                line.write(ACCEPTED);
                return len;
            }
            Err(rejection) => {
                while line.read(QUIET_MS).is_some() {}
                line.write(rejection.message().as_bytes());
                line.write(b"\r\n");
                line.write(REJECTED);
            }
        }
    }
}

/// One transfer, whose first byte has arrived.
fn receive_image(
    line: &mut impl Line,
    first: u8,
    destination: &mut [u8],
) -> Result<usize, Rejection> {
    let mut header = [first; HEADER_LEN];
    for byte in &mut header[1..] {
        *byte = line.read(BYTE_TIMEOUT_MS).ok_or(Rejection::Stalled)?;
    }
    let header = Header::from_bytes(header);
    let len = header.len as usize;
    check_len(len, destination.len())?;
    let mut crc = Crc32::default();
    for slot in &mut destination[..len] {
        let byte = line.read(BYTE_TIMEOUT_MS).ok_or(Rejection::Stalled)?;
        crc.update(&[byte]);
        *slot = byte;
    }
    if crc.finish() == header.checksum {
        Ok(len)
    } else {
        Err(Rejection::ChecksumMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crc32;
    use std::collections::VecDeque;

    /// A host that sends a script: bytes, and `None` where it stays silent past the timeout.
    struct ScriptedHost {
        script: VecDeque<Option<u8>>,
        received: Vec<u8>,
        timeouts: Vec<u32>,
    }

    impl ScriptedHost {
        fn new(parts: &[&[Option<u8>]]) -> Self {
            Self {
                script: parts.concat().into(),
                received: Vec::new(),
                timeouts: Vec::new(),
            }
        }
    }

    impl Line for ScriptedHost {
        fn write(&mut self, bytes: &[u8]) {
            self.received.extend_from_slice(bytes);
        }

        fn read(&mut self, timeout_ms: u32) -> Option<u8> {
            self.timeouts.push(timeout_ms);
            self.script
                .pop_front()
                .expect("the chainloader still waits after the script ended")
        }
    }

    const SILENCE: &[Option<u8>] = &[None];

    fn bytes(bytes: &[u8]) -> Vec<Option<u8>> {
        bytes.iter().copied().map(Some).collect()
    }

    fn transfer(image: &[u8], checksum: u32) -> Vec<Option<u8>> {
        let header = Header {
            len: image.len() as u32,
            checksum,
        };
        [bytes(&header.to_bytes()), bytes(image)].concat()
    }

    fn intact(image: &[u8]) -> Vec<Option<u8>> {
        transfer(image, crc32(image))
    }

    fn announcement() -> Vec<u8> {
        [GREETING, REQUEST].concat()
    }

    fn refusal(rejection: Rejection) -> Vec<u8> {
        [rejection.message().as_bytes(), b"\r\n", REJECTED].concat()
    }

    const IMAGE: &[u8] = b"\x00\x01\x02 a kernel image \xff\xfe";

    #[test]
    fn stores_an_intact_image_and_accepts_it() {
        let mut host = ScriptedHost::new(&[&intact(IMAGE)]);
        let mut memory = [0xaa; 64];
        assert_eq!(receive(&mut host, &mut memory), IMAGE.len());
        assert_eq!(&memory[..IMAGE.len()], IMAGE);
        assert!(memory[IMAGE.len()..].iter().all(|&byte| byte == 0xaa));
        assert_eq!(host.received, [&announcement()[..], ACCEPTED].concat());
    }

    #[test]
    fn announces_again_while_nobody_answers() {
        let mut host = ScriptedHost::new(&[SILENCE, SILENCE, &intact(IMAGE)]);
        receive(&mut host, &mut [0; 64]);
        assert_eq!(
            host.received,
            [announcement().repeat(3), ACCEPTED.to_vec()].concat()
        );
        assert_eq!(host.timeouts[..3], [ANNOUNCE_INTERVAL_MS; 3]);
        assert!(host.timeouts[3..].iter().all(|&ms| ms == BYTE_TIMEOUT_MS));
    }

    #[test]
    fn refuses_a_corrupted_image_and_takes_the_next() {
        let mut corrupted = IMAGE.to_vec();
        corrupted[3] ^= 0x10;
        let mut host =
            ScriptedHost::new(&[&transfer(&corrupted, crc32(IMAGE)), SILENCE, &intact(IMAGE)]);
        let mut memory = [0; 64];
        assert_eq!(receive(&mut host, &mut memory), IMAGE.len());
        assert_eq!(&memory[..IMAGE.len()], IMAGE);
        let expected = [
            announcement(),
            refusal(Rejection::ChecksumMismatch),
            announcement(),
            ACCEPTED.to_vec(),
        ]
        .concat();
        assert_eq!(host.received, expected);
        assert!(host.timeouts.contains(&QUIET_MS));
    }

    #[test]
    fn a_refused_length_discards_the_rest_of_its_transfer() {
        let image = [7; 65];
        let mut host = ScriptedHost::new(&[&intact(&image), SILENCE, &intact(IMAGE)]);
        let mut memory = [0; 64];
        assert_eq!(receive(&mut host, &mut memory), IMAGE.len());
        assert_eq!(&memory[..IMAGE.len()], IMAGE);
        let expected = [
            announcement(),
            refusal(Rejection::TooLong),
            announcement(),
            ACCEPTED.to_vec(),
        ]
        .concat();
        assert_eq!(host.received, expected);
    }

    #[test]
    fn an_empty_image_is_refused() {
        let mut host = ScriptedHost::new(&[&intact(b""), SILENCE, &intact(IMAGE)]);
        receive(&mut host, &mut [0; 64]);
        let expected = [
            announcement(),
            refusal(Rejection::Empty),
            announcement(),
            ACCEPTED.to_vec(),
        ]
        .concat();
        assert_eq!(host.received, expected);
    }

    #[test]
    fn a_transfer_that_stops_halfway_is_refused() {
        let whole = intact(IMAGE);
        let half = &whole[..HEADER_LEN + IMAGE.len() / 2];
        let mut host = ScriptedHost::new(&[half, SILENCE, SILENCE, &whole]);
        assert_eq!(receive(&mut host, &mut [0; 64]), IMAGE.len());
        let expected = [
            announcement(),
            refusal(Rejection::Stalled),
            announcement(),
            ACCEPTED.to_vec(),
        ]
        .concat();
        assert_eq!(host.received, expected);
    }
}
