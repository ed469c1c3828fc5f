//! The Raspberry Pi firmware files a card needs: from a directory the user names, or else from
//! Debian's raspi-firmware package.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::debian_firmware;
use crate::raspberry_pi::RaspberryPi;
use crate::sd_image::BootFile;

/// The firmware files for `pi`, read from `directory` or else from Debian's package.
pub fn load(pi: RaspberryPi, directory: Option<&Path>) -> Result<Vec<BootFile>> {
    let names = pi.firmware_files();
    if names.is_empty() {
        println!(
            "firmware: none on the card, as the {} boots from the bootloader in its EEPROM{}",
            pi.models(),
            if directory.is_some() {
                "; --firmware is not needed"
            } else {
                ""
            }
        );
        return Ok(Vec::new());
    }
    let fetched;
    let directory = match directory {
        Some(directory) => directory,
        None => {
            fetched = debian_firmware::fetch().with_context(|| {
                format!(
                    "no Raspberry Pi firmware to be had: Debian's raspi-firmware package could \
                     not be fetched with apt. Pass --firmware DIR with a folder holding {}: the \
                     boot/ folder of the Raspberry Pi firmware repository, \
                     /usr/lib/raspi-firmware where Debian's raspi-firmware package is \
                     installed, or the boot partition of a Raspberry Pi OS card",
                    names.join(", ")
                )
            })?;
            &fetched
        }
    };
    read_files(directory, names, pi)
}

fn read_files(directory: &Path, names: &[&str], pi: RaspberryPi) -> Result<Vec<BootFile>> {
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| !directory.join(name).is_file())
        .collect();
    if !missing.is_empty() {
        bail!(
            "the firmware directory {} lacks {}: the {} board needs {}",
            directory.display(),
            missing.join(", "),
            pi.board().name(),
            names.join(", ")
        );
    }
    names
        .iter()
        .map(|name| {
            let path = directory.join(name);
            Ok(BootFile {
                name: (*name).to_owned(),
                contents: fs::read(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_files_the_board_needs_and_only_those() {
        let directory = tempfile::tempdir().unwrap();
        for name in ["start4.elf", "fixup4.dat", "bootcode.bin", "start.elf"] {
            fs::write(directory.path().join(name), name).unwrap();
        }
        let files = load(RaspberryPi::Pi4, Some(directory.path())).unwrap();
        let names: Vec<&str> = files.iter().map(|file| file.name.as_str()).collect();
        assert_eq!(names, ["start4.elf", "fixup4.dat"]);
        assert_eq!(files[0].contents, b"start4.elf");
    }

    #[test]
    fn names_the_missing_files() {
        let directory = tempfile::tempdir().unwrap();
        fs::write(directory.path().join("start.elf"), b"").unwrap();
        let Err(error) = load(RaspberryPi::Pi3, Some(directory.path())) else {
            panic!("read firmware that is not there");
        };
        let error = error.to_string();
        assert!(
            error.contains(
                "lacks bootcode.bin, fixup.dat: the rpi3 board needs bootcode.bin, \
                            start.elf, fixup.dat"
            ),
            "{error}"
        );
    }

    #[test]
    fn the_pi_5_needs_no_firmware_and_no_download() {
        assert!(load(RaspberryPi::Pi5, None).unwrap().is_empty());
        let nowhere = Path::new("/nonexistent/firmware");
        assert!(load(RaspberryPi::Pi5, Some(nowhere)).unwrap().is_empty());
    }
}
