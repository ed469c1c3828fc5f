//! `cargo xtask flash`: the SD-card image written to a card, after the checks and a confirmation,
//! with a progress bar, then read back from the card and compared.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use indicatif::{ProgressBar, ProgressStyle};

use crate::flash_target::{self, DeviceFacts, Refusal};
use crate::sd_card;

pub struct Options {
    pub card: sd_card::Options,
    pub device: PathBuf,
    /// Write without asking.
    pub yes: bool,
    /// Write despite the refusals that `--force` may override.
    pub force: bool,
}

/// Large enough to keep a card's writes sequential, small enough for a lively progress bar.
const CHUNK: usize = 4 << 20;

pub fn run(options: &Options) -> Result<ExitCode> {
    let image_bytes = sd_card::check(&options.card)?.image_bytes;
    // Before the build, so that a wrong device name fails at once.
    let facts = check_device(options, image_bytes)?;
    let image = sd_card::build(&options.card, None)?;
    if !options.yes {
        confirm(&facts, &mut io::stdin().lock())?;
    }
    let started = Instant::now();
    write_image(&image, &options.device)?;
    verify(&image, &options.device)?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "wrote {} bytes to {} and read them back unchanged in {seconds:.1} s; the card can be \
         removed",
        image_bytes,
        options.device.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The device's facts, once none of its refusals stands (or `--force` overrides them all).
fn check_device(options: &Options, image_bytes: u64) -> Result<DeviceFacts> {
    let facts = flash_target::inspect(&options.device)?;
    let refusals = flash_target::refusals(&facts, image_bytes);
    let blocking: Vec<&Refusal> = refusals
        .iter()
        .filter(|refusal| !options.force || !refusal.can_be_forced())
        .collect();
    if !blocking.is_empty() {
        let reasons: Vec<String> = blocking.iter().map(ToString::to_string).collect();
        let hint = if blocking.iter().all(|refusal| refusal.can_be_forced()) {
            "; if you are sure, pass --force"
        } else {
            ""
        };
        bail!(
            "will not write to {}: {}{hint}",
            options.device.display(),
            reasons.join("; ")
        );
    }
    for refusal in &refusals {
        println!(
            "warning: writing to {} despite --force: {refusal}",
            options.device.display()
        );
    }
    Ok(facts)
}

/// Asks to type the device's name, which a stray Enter key cannot do.
fn confirm(facts: &DeviceFacts, input: &mut impl BufRead) -> Result<()> {
    let name = facts
        .path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut description = vec![facts.path.display().to_string()];
    description.extend(facts.model.clone());
    description.extend(
        facts
            .size_bytes
            .map(|bytes| format!("{:.1} GB", bytes as f64 / 1e9)),
    );
    print!(
        "Everything on {} will be lost. Type its name ({name}) to write the image: ",
        description.join(", ")
    );
    io::stdout().flush()?;
    let mut answer = String::new();
    input.read_line(&mut answer)?;
    let answer = answer.trim();
    ensure!(
        !answer.is_empty() && (answer == name || Path::new(answer) == facts.path),
        "not confirmed, nothing written (--yes skips the question)"
    );
    Ok(())
}

pub fn progress_bar(bytes: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(bytes);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:9} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
        )
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    bar.set_message(what.to_owned());
    bar
}

/// Copies the image over the start of `device` and waits until it is on the card.
fn write_image(image: &Path, device: &Path) -> Result<()> {
    let mut source =
        File::open(image).with_context(|| format!("cannot open {}", image.display()))?;
    let mut target = OpenOptions::new()
        .write(true)
        .open(device)
        .with_context(|| format!("cannot open {} for writing", device.display()))?;
    let bar = progress_bar(source.metadata()?.len(), "writing");
    let mut buffer = vec![0; CHUNK];
    loop {
        let read = read_chunk(&mut source, &mut buffer)?;
        if read == 0 {
            break;
        }
        target
            .write_all(&buffer[..read])
            .with_context(|| format!("cannot write to {}", device.display()))?;
        bar.inc(read as u64);
    }
    bar.set_message("syncing");
    target
        .sync_all()
        .with_context(|| format!("cannot flush {} to the card", device.display()))?;
    bar.finish();
    Ok(())
}

/// Reads `device` back and compares it with the image. The page cache would answer with what was
/// just written, so it is dropped first and the bytes come from the card.
fn verify(image: &Path, device: &Path) -> Result<()> {
    let mut expected =
        File::open(image).with_context(|| format!("cannot open {}", image.display()))?;
    let mut written =
        File::open(device).with_context(|| format!("cannot open {}", device.display()))?;
    drop_cached_pages(&written);
    let bar = progress_bar(expected.metadata()?.len(), "verifying");
    let (mut want, mut got) = (vec![0; CHUNK], vec![0; CHUNK]);
    let mut offset = 0u64;
    loop {
        let read = read_chunk(&mut expected, &mut want)?;
        if read == 0 {
            break;
        }
        let got_bytes = read_chunk(&mut written, &mut got[..read])?;
        if let Some(at) = (0..read).find(|&at| at >= got_bytes || want[at] != got[at]) {
            bar.abandon();
            bail!(
                "{} differs from the image at byte {}: the card may be faulty or fake",
                device.display(),
                offset + at as u64
            );
        }
        offset += read as u64;
        bar.inc(read as u64);
    }
    bar.finish();
    Ok(())
}

fn drop_cached_pages(file: &File) {
    // SAFETY: a plain system call on an open descriptor; it only drops clean cached pages. Should
    // it fail, the comparison reads the cache and proves less, which it cannot make wrong.
    unsafe {
        libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
    }
}

/// Fills `buffer` unless the file ends first, and returns how much it read.
fn read_chunk(file: &mut File, buffer: &mut [u8]) -> Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::flash_target::DeviceKind;

    fn facts(path: &str) -> DeviceFacts {
        DeviceFacts {
            path: path.into(),
            kind: DeviceKind::WholeDisk {
                name: "sdx".to_owned(),
            },
            mount_points: Vec::new(),
            removable: Some(true),
            size_bytes: Some(32_000_000_000),
            model: Some("Generic SD".to_owned()),
        }
    }

    #[test]
    fn confirmation_needs_the_device_name() {
        for answer in ["sdx\n", "/dev/sdx\n"] {
            assert!(confirm(&facts("/dev/sdx"), &mut answer.as_bytes()).is_ok());
        }
        for answer in ["\n", "y\n", "sdy\n", ""] {
            let error = confirm(&facts("/dev/sdx"), &mut answer.as_bytes()).unwrap_err();
            assert!(error.to_string().contains("not confirmed"), "{answer:?}");
        }
    }

    #[test]
    fn writes_over_a_file_and_verifies_it() {
        let directory = tempfile::tempdir().unwrap();
        let image = directory.path().join("sdcard.img");
        let contents: Vec<u8> = (0..CHUNK + 1000).map(|at| (at % 251) as u8).collect();
        fs::write(&image, &contents).unwrap();
        let target = directory.path().join("target");
        fs::write(&target, vec![0xff; CHUNK * 2]).unwrap();
        write_image(&image, &target).unwrap();
        verify(&image, &target).unwrap();
        assert_eq!(fs::read(&target).unwrap()[..contents.len()], contents[..]);

        let mut damaged = fs::read(&target).unwrap();
        damaged[CHUNK + 10] ^= 1;
        fs::write(&target, &damaged).unwrap();
        let error = verify(&image, &target).unwrap_err().to_string();
        assert!(
            error.contains(&format!("at byte {}", CHUNK + 10)),
            "{error}"
        );
    }

    #[test]
    fn a_device_shorter_than_the_image_fails_verification() {
        let directory = tempfile::tempdir().unwrap();
        let image = directory.path().join("sdcard.img");
        fs::write(&image, [7u8; 100]).unwrap();
        let target = directory.path().join("target");
        fs::write(&target, [7u8; 60]).unwrap();
        let error = verify(&image, &target).unwrap_err().to_string();
        assert!(error.contains("at byte 60"), "{error}");
    }
}
