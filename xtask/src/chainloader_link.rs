//! The host's end of the chainloader protocol (crate `chainloader-protocol`): wait for the
//! chainloader's request, send the header and the image, read its verdict. The line is a serial
//! port, or QEMU's standard input and output in the test.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use chainloader_protocol::{
    ACCEPTED, BYTE_TIMEOUT_MS, CHAINLOADER_ADDRESS, Header, QUIET_MS, REJECTED, REQUEST, check_len,
    crc32, max_image_len,
};
use rustix::event::{PollFd, PollFlags, Timespec, poll};

/// How long the chainloader may take to answer once the image is sent: a transfer that lost
/// bytes takes it BYTE_TIMEOUT_MS to notice and QUIET_MS more to answer, and the last bytes may
/// still be on their way through the serial port's buffers.
const VERDICT_TIMEOUT: Duration =
    Duration::from_millis(BYTE_TIMEOUT_MS as u64 + QUIET_MS as u64 + 3000);
/// Sent between progress reports.
const CHUNK: usize = 1024;

/// The host's end of the line to the chainloader.
pub struct Link<R, W> {
    input: R,
    output: W,
    /// Bytes read past the token a wait ended on: the start of what comes next.
    unread: VecDeque<u8>,
}

/// The chainloader's answer to a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    Rejected,
}

/// Finds tokens in a byte stream that arrives in pieces of any size.
struct TokenScanner<'a> {
    tokens: &'a [&'a [u8]],
    /// The last bytes seen, as many as the longest token has.
    recent: VecDeque<u8>,
}

impl<R: Read + AsFd, W: Write> Link<R, W> {
    pub fn new(input: R, output: W) -> Self {
        Self {
            input,
            output,
            unread: VecDeque::new(),
        }
    }

    /// Reads until the chainloader asks for an image, copying what comes before (its greeting)
    /// to `echo`. Without a deadline it waits for as long as the board takes to be reset.
    pub fn wait_for_request(
        &mut self,
        deadline: Option<Instant>,
        echo: &mut dyn Write,
    ) -> Result<()> {
        self.wait_for(&[REQUEST], deadline, echo)
            .context("waiting for the chainloader to ask for a kernel")?;
        Ok(())
    }

    /// Sends `header` and then `image`, telling `progress` how many image bytes went out so far.
    pub fn send(
        &mut self,
        header: Header,
        image: &[u8],
        progress: &mut dyn FnMut(usize),
    ) -> Result<()> {
        self.output.write_all(&header.to_bytes())?;
        let mut sent = 0;
        for chunk in image.chunks(CHUNK) {
            self.output.write_all(chunk)?;
            sent += chunk.len();
            progress(sent);
        }
        self.output.flush()?;
        Ok(())
    }

    /// Reads the chainloader's answer to a transfer, copying what comes with it (a refusal's
    /// reason) to `echo`.
    pub fn read_verdict(&mut self, echo: &mut dyn Write) -> Result<Verdict> {
        let deadline = Instant::now() + VERDICT_TIMEOUT;
        let token = self
            .wait_for(&[ACCEPTED, REJECTED], Some(deadline), echo)
            .context("waiting for the chainloader's answer")?;
        Ok(if token == 0 {
            Verdict::Accepted
        } else {
            Verdict::Rejected
        })
    }

    /// One transfer of `image`: waits for the request, sends, reads the verdict.
    pub fn send_once(
        &mut self,
        image: &[u8],
        deadline: Option<Instant>,
        echo: &mut dyn Write,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Verdict> {
        let header = Header {
            len: u32::try_from(image.len()).context("the image is over 4 GiB")?,
            checksum: crc32(image),
        };
        self.wait_for_request(deadline, echo)?;
        self.send(header, image, progress)?;
        self.read_verdict(echo)
    }

    /// Sends `image` for a board that loads kernels at `load_address`, again while the
    /// chainloader refuses it (bytes lost or changed on the line), at most `attempts` times.
    pub fn send_image(
        &mut self,
        image: &[u8],
        load_address: u64,
        attempts: usize,
        deadline: Option<Instant>,
        echo: &mut dyn Write,
        progress: &mut dyn FnMut(usize),
    ) -> Result<()> {
        let capacity = max_image_len(usize::try_from(load_address)?);
        ensure!(
            check_len(image.len(), capacity).is_ok(),
            "the chainloader takes images of 1 to {capacity} bytes, up to itself at \
             {CHAINLOADER_ADDRESS:#x}; this one has {} bytes",
            image.len()
        );
        for attempt in 1..=attempts {
            if self.send_once(image, deadline, echo, progress)? == Verdict::Accepted {
                return Ok(());
            }
            writeln!(
                echo,
                "transfer {attempt} of {attempts} refused by the chainloader"
            )?;
        }
        bail!("the chainloader refused the image {attempts} times: the line loses or changes bytes")
    }

    /// Received bytes into `buffer`, the unread ones first: 0 at the end of the input, an error
    /// once `deadline` passes without any.
    pub fn read(&mut self, buffer: &mut [u8], deadline: Option<Instant>) -> Result<usize> {
        if !self.unread.is_empty() {
            let len = buffer.len().min(self.unread.len());
            for (slot, byte) in buffer.iter_mut().zip(self.unread.drain(..len)) {
                *slot = byte;
            }
            return Ok(len);
        }
        if let Some(deadline) = deadline {
            wait_readable(&self.input, deadline)?;
        }
        loop {
            match self.input.read(buffer) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                read => return Ok(read?),
            }
        }
    }

    /// The line's two directions and the bytes already read from it but not yet looked at.
    pub fn into_parts(self) -> (R, W, Vec<u8>) {
        (self.input, self.output, self.unread.into())
    }

    /// Reads until one of `tokens` arrives, copying everything read up to its end to `echo`;
    /// returns the token's index.
    fn wait_for(
        &mut self,
        tokens: &[&[u8]],
        deadline: Option<Instant>,
        echo: &mut dyn Write,
    ) -> Result<usize> {
        let mut scanner = TokenScanner::new(tokens);
        let mut buffer = [0; 256];
        loop {
            let read = self.read(&mut buffer, deadline)?;
            if read == 0 {
                bail!("the line closed");
            }
            for (at, &byte) in buffer[..read].iter().enumerate() {
                if let Some(token) = scanner.push(byte) {
                    echo.write_all(&buffer[..=at])?;
                    self.unread.extend(&buffer[at + 1..read]);
                    return Ok(token);
                }
            }
            echo.write_all(&buffer[..read])?;
            echo.flush()?;
        }
    }
}

/// Waits until `input` has something to read (or has closed), failing at `deadline`.
fn wait_readable(input: &impl AsFd, deadline: Instant) -> Result<()> {
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let timeout = Timespec::try_from(remaining)?;
        let mut fds = [PollFd::new(input, PollFlags::IN)];
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) => bail!("nothing arrived before the deadline"),
            Ok(_) => return Ok(()),
            Err(rustix::io::Errno::INTR) => continue,
            Err(error) => return Err(error.into()),
        }
    }
}

impl<'a> TokenScanner<'a> {
    fn new(tokens: &'a [&'a [u8]]) -> Self {
        Self {
            tokens,
            recent: VecDeque::new(),
        }
    }

    /// Takes the next byte; returns the index of the token it completes, if any.
    fn push(&mut self, byte: u8) -> Option<usize> {
        let longest = self.tokens.iter().map(|token| token.len()).max()?;
        if self.recent.len() == longest {
            self.recent.pop_front();
        }
        self.recent.push_back(byte);
        self.tokens.iter().position(|token| {
            self.recent.len() >= token.len()
                && self
                    .recent
                    .iter()
                    .skip(self.recent.len() - token.len())
                    .eq(token.iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::net::UnixStream;
    use std::thread;

    use chainloader_protocol::{GREETING, Line, Rejection, receive};

    use super::*;

    fn scan(tokens: &[&[u8]], stream: &[u8]) -> Vec<(usize, usize)> {
        let mut scanner = TokenScanner::new(tokens);
        stream
            .iter()
            .enumerate()
            .filter_map(|(at, &byte)| scanner.push(byte).map(|token| (at, token)))
            .collect()
    }

    #[test]
    fn finds_each_token_where_it_ends() {
        let stream = b"chainloader: checksum mismatch\r\nBAD\r\nxOK\r\n";
        assert_eq!(
            scan(&[ACCEPTED, REJECTED], stream),
            [(36, 1), (stream.len() - 1, 0)]
        );
        assert_eq!(scan(&[REQUEST], b"\x03\x03"), []);
        // Overlapping: each further byte completes the request again.
        assert_eq!(scan(&[REQUEST], b"\x03\x03\x03\x03"), [(2, 0), (3, 0)]);
        assert_eq!(scan(&[ACCEPTED], b"O\r\nK\r\n"), []);
    }

    /// The chainloader's receiving loop, run on the host against one end of a socket pair.
    struct SocketLine(UnixStream);

    impl Line for SocketLine {
        fn write(&mut self, bytes: &[u8]) {
            self.0.write_all(bytes).unwrap();
        }

        fn read(&mut self, timeout_ms: u32) -> Option<u8> {
            let timeout = Duration::from_millis(u64::from(timeout_ms));
            self.0.set_read_timeout(Some(timeout)).unwrap();
            let mut byte = [0];
            match self.0.read(&mut byte) {
                Ok(1) => Some(byte[0]),
                _ => None,
            }
        }
    }

    /// A link to a chainloader (the protocol crate's `receive`) in a thread, which returns what
    /// it received.
    fn link_to_chainloader() -> (Link<UnixStream, UnixStream>, thread::JoinHandle<Vec<u8>>) {
        let (host, board) = UnixStream::pair().unwrap();
        let chainloader = thread::spawn(move || {
            let mut memory = vec![0; 4096];
            let len = receive(&mut SocketLine(board), &mut memory);
            memory.truncate(len);
            memory
        });
        (Link::new(host.try_clone().unwrap(), host), chainloader)
    }

    fn deadline() -> Option<Instant> {
        Some(Instant::now() + Duration::from_secs(10))
    }

    #[test]
    fn sends_an_image_the_chainloader_accepts() {
        let image: Vec<u8> = (0..3000u32).map(|i| (i * 7) as u8).collect();
        let (mut link, chainloader) = link_to_chainloader();
        let mut echo = Vec::new();
        let mut reported = Vec::new();
        let verdict = link
            .send_once(&image, deadline(), &mut echo, &mut |sent| {
                reported.push(sent)
            })
            .unwrap();
        assert_eq!(verdict, Verdict::Accepted);
        assert_eq!(chainloader.join().unwrap(), image);
        // The greeting may come twice if this thread was slow to answer the first.
        assert!(echo.starts_with(&[GREETING, REQUEST].concat()));
        assert!(echo.ends_with(ACCEPTED));
        assert_eq!(reported, [1024, 2048, 3000]);
    }

    #[test]
    fn a_corrupted_transfer_is_refused_and_the_next_accepted() {
        let image = b"the kernel".to_vec();
        let (mut link, chainloader) = link_to_chainloader();
        let mut echo = Vec::new();
        link.wait_for_request(deadline(), &mut echo).unwrap();
        let wrong = Header {
            len: image.len() as u32,
            checksum: !crc32(&image),
        };
        link.send(wrong, &image, &mut |_| {}).unwrap();
        assert_eq!(link.read_verdict(&mut echo).unwrap(), Verdict::Rejected);
        let reason = Rejection::ChecksumMismatch.message().as_bytes();
        assert!(echo.windows(reason.len()).any(|window| window == reason));
        link.send_image(&image, 0x8_0000, 1, deadline(), &mut echo, &mut |_| {})
            .unwrap();
        assert_eq!(chainloader.join().unwrap(), image);
    }

    #[test]
    fn an_image_too_long_for_the_board_is_not_sent() {
        let (host, _board) = UnixStream::pair().unwrap();
        let mut link = Link::new(host.try_clone().unwrap(), host);
        let too_long = vec![0; max_image_len(0x8_0000) + 1];
        let error = link
            .send_image(
                &too_long,
                0x8_0000,
                1,
                deadline(),
                &mut Vec::new(),
                &mut |_| {},
            )
            .unwrap_err()
            .to_string();
        assert!(error.contains("1 to 33030144 bytes"), "{error}");
    }

    #[test]
    fn bytes_after_the_verdict_are_kept_for_the_next_read() {
        let (host, mut board) = UnixStream::pair().unwrap();
        let mut link = Link::new(host.try_clone().unwrap(), host);
        board.write_all(b"OK\r\nboot: board=rpi3").unwrap();
        let mut echo = Vec::new();
        assert_eq!(link.read_verdict(&mut echo).unwrap(), Verdict::Accepted);
        assert_eq!(echo, b"OK\r\n");
        let mut buffer = [0; 64];
        let read = link.read(&mut buffer, deadline()).unwrap();
        assert_eq!(&buffer[..read], b"boot: board=rpi3");
    }

    #[test]
    fn a_silent_line_times_out() {
        let (host, _board) = UnixStream::pair().unwrap();
        let mut link = Link::new(host.try_clone().unwrap(), host);
        let soon = Some(Instant::now() + Duration::from_millis(50));
        let error = link.wait_for_request(soon, &mut Vec::new()).unwrap_err();
        assert!(format!("{error:#}").contains("deadline"), "{error:#}");
    }
}
