//! The display test's host half: when test-fb (user/linux/test-fb.c) has drawn its picture and
//! says so, take QEMU's screendump through QMP and check every pixel, then let it go on.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

/// What test-fb prints once the picture is drawn; it then waits for a line on its input.
pub const REQUEST: &str = "screendump: ready";
/// The test the runner reports for the picture.
pub const SUITE: &str = "fb";
pub const TEST: &str = "screen_shows_what_was_drawn";
const QMP_TIMEOUT: Duration = Duration::from_secs(30);

/// QEMU's arguments for a QMP server on the socket at `socket`.
pub fn qemu_arguments(socket: &Path) -> [String; 2] {
    [
        "-qmp".to_owned(),
        format!("unix:{},server=on,wait=off", socket.display()),
    ]
}

/// Takes the screendump of the QEMU listening on `socket` into `picture` (PPM), and checks it
/// shows test-fb's picture.
pub fn check(socket: &Path, picture: &Path) -> Result<()> {
    screendump(socket, picture, "ppm")?;
    let bytes =
        std::fs::read(picture).with_context(|| format!("cannot read {}", picture.display()))?;
    check_picture(&Ppm::parse(&bytes)?)
}

/// Asks the QEMU listening on `socket` to write its display to `file` in `format` (ppm, png).
pub fn screendump(socket: &Path, file: &Path, format: &str) -> Result<()> {
    let stream = UnixStream::connect(socket)
        .with_context(|| format!("cannot connect to QEMU's QMP socket {}", socket.display()))?;
    stream.set_read_timeout(Some(QMP_TIMEOUT))?;
    let mut qmp = Qmp {
        reader: BufReader::new(stream.try_clone()?),
        writer: stream,
    };
    let greeting = qmp.read()?;
    ensure!(
        greeting.get("QMP").is_some(),
        "not a QMP greeting: {greeting}"
    );
    qmp.execute(json!({"execute": "qmp_capabilities"}))?;
    qmp.execute(json!({
        "execute": "screendump",
        "arguments": {"filename": absolute(file)?, "format": format},
    }))
}

fn absolute(file: &Path) -> Result<PathBuf> {
    Ok(std::env::current_dir()?.join(file))
}

struct Qmp {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Qmp {
    fn read(&mut self) -> Result<Value> {
        let mut line = String::new();
        ensure!(
            self.reader.read_line(&mut line)? > 0,
            "QEMU closed the QMP connection"
        );
        serde_json::from_str(&line).with_context(|| format!("QMP sent `{}`", line.trim()))
    }

    /// Runs one command and waits for its answer, passing over events.
    fn execute(&mut self, command: Value) -> Result<()> {
        writeln!(self.writer, "{command}")?;
        loop {
            let answer = self.read()?;
            if answer.get("return").is_some() {
                return Ok(());
            }
            if let Some(error) = answer.get("error") {
                bail!("QEMU refused {command}: {error}");
            }
        }
    }
}

/// A binary PPM (P6) picture with 8-bit channels.
struct Ppm {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Ppm {
    fn parse(bytes: &[u8]) -> Result<Self> {
        // The header: magic, width, height and maximum value, then one whitespace byte.
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
                at += 1;
            }
            let start = at;
            while bytes
                .get(at)
                .is_some_and(|byte| !byte.is_ascii_whitespace())
            {
                at += 1;
            }
            ensure!(at > start, "the screendump's PPM header ends early");
            fields.push(std::str::from_utf8(&bytes[start..at])?);
        }
        ensure!(fields[0] == "P6", "the screendump is not a binary PPM");
        let number = |text: &str| text.parse::<usize>().context("a PPM header number");
        let (width, height) = (number(fields[1])?, number(fields[2])?);
        ensure!(
            fields[3] == "255",
            "the screendump's channels are not 8-bit"
        );
        let pixels = bytes.get(at + 1..).unwrap_or_default().to_vec();
        ensure!(
            pixels.len() == width * height * 3,
            "the screendump has {} bytes of pixels for {width}x{height}",
            pixels.len()
        );
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    fn rgb(&self, x: usize, y: usize) -> [u8; 3] {
        let at = (y * self.width + x) * 3;
        [self.pixels[at], self.pixels[at + 1], self.pixels[at + 2]]
    }
}

/// test-fb's picture at (x, y) of a `width` x `height` screen: red rising left to right, green
/// top to bottom, blue in 32-pixel squares of a checkerboard.
fn expected_colour(x: usize, y: usize, width: usize, height: usize) -> [u8; 3] {
    let blue = if (x / 32 + y / 32) % 2 == 1 { 255 } else { 0 };
    [
        (x * 255 / (width - 1)) as u8,
        (y * 255 / (height - 1)) as u8,
        blue,
    ]
}

/// Checks every pixel of the picture against [`expected_colour`].
fn check_picture(picture: &Ppm) -> Result<()> {
    let (width, height) = (picture.width, picture.height);
    ensure!(
        width >= 2 && height >= 2,
        "the screendump is {width}x{height}"
    );
    let mut wrong = 0;
    let mut first_wrong = None;
    for y in 0..height {
        for x in 0..width {
            let (seen, expected) = (picture.rgb(x, y), expected_colour(x, y, width, height));
            if seen != expected {
                wrong += 1;
                first_wrong.get_or_insert((x, y, seen, expected));
            }
        }
    }
    match first_wrong {
        None => Ok(()),
        Some((x, y, seen, expected)) => bail!(
            "{wrong} of {} pixels are wrong; the first, ({x}, {y}), is {seen:?}, not {expected:?}",
            width * height
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(width: usize, height: usize, colour: impl Fn(usize, usize) -> [u8; 3]) -> Vec<u8> {
        let mut bytes = format!("P6\n{width} {height}\n255\n").into_bytes();
        for y in 0..height {
            for x in 0..width {
                bytes.extend(colour(x, y));
            }
        }
        bytes
    }

    fn drawn(x: usize, y: usize) -> [u8; 3] {
        expected_colour(x, y, 64, 48)
    }

    #[test]
    fn the_drawn_picture_passes() {
        let ppm = Ppm::parse(&picture(64, 48, drawn)).unwrap();
        assert_eq!((ppm.width, ppm.height), (64, 48));
        assert_eq!(ppm.rgb(63, 47), [255, 255, 0]);
        assert_eq!(ppm.rgb(32, 0), [129, 0, 255]);
        check_picture(&ppm).unwrap();
    }

    #[test]
    fn swapped_channels_or_a_wrong_stride_fail_naming_a_pixel() {
        let swapped = |x, y| {
            let [r, g, b] = drawn(x, y);
            [b, g, r]
        };
        let error = check_picture(&Ppm::parse(&picture(64, 48, swapped)).unwrap()).unwrap_err();
        assert!(
            error
                .to_string()
                .ends_with("pixels are wrong; the first, (1, 0), is [0, 0, 4], not [4, 0, 0]"),
            "{error}"
        );
        let sheared = |x: usize, y: usize| drawn((x + y) % 64, y);
        assert!(check_picture(&Ppm::parse(&picture(64, 48, sheared)).unwrap()).is_err());
    }

    #[test]
    fn malformed_pictures_are_errors() {
        assert!(Ppm::parse(b"P3\n1 1\n255\n000").is_err());
        assert!(Ppm::parse(b"P6\n2 2\n255\n\0\0\0").is_err());
        assert!(Ppm::parse(b"P6\n2").is_err());
    }
}
