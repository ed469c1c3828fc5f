//! Debian's raspi-firmware package: downloaded once with a private apt from the Debian archive
//! this machine already uses, unpacked with dpkg-deb and kept in the user's cache directory.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::apt_sources;
use crate::private_apt::PrivateApt;
use crate::process;
use crate::user_cache;

const PACKAGE: &str = "raspi-firmware";
/// Debian 12 and later keep firmware in non-free-firmware, older releases in non-free; apt
/// only warns about a component a release lacks.
const COMPONENTS: &[&str] = &["non-free-firmware", "non-free"];
/// Where the package installs the boot files.
const FIRMWARE_DIRECTORY: &str = "usr/lib/raspi-firmware";

/// The directory with the unpacked firmware files, downloading the package on first use.
pub fn fetch() -> Result<PathBuf> {
    let cache = user_cache::directory("firmware")?;
    let deb = match cached_deb(&cache)? {
        Some(deb) => deb,
        None => download(&cache)?,
    };
    let unpacked = deb.with_extension("");
    if !unpacked.is_dir() {
        unpack(&deb, &unpacked)?;
    }
    println!(
        "firmware: Debian's {}, cached in {}",
        file_name(&deb),
        cache.display()
    );
    Ok(unpacked.join(FIRMWARE_DIRECTORY))
}

/// The package a previous run downloaded; a new one is fetched only once this is deleted.
fn cached_deb(cache: &Path) -> Result<Option<PathBuf>> {
    let Ok(entries) = fs::read_dir(cache) else {
        return Ok(None);
    };
    let mut debs = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|extension| extension == "deb")
            && file_name(&path).starts_with(&format!("{PACKAGE}_"))
        {
            debs.push(path);
        }
    }
    // Versions of one package sort by name well enough to pick one deterministically.
    debs.sort();
    Ok(debs.pop())
}

/// Downloads the package into `cache` and returns its path.
fn download(cache: &Path) -> Result<PathBuf> {
    let archive = apt_sources::debian_release_archive(&apt_sources::system_sources()?).context(
        "this machine's apt sources (/etc/apt/sources.list and sources.list.d) name no Debian \
         release archive to fetch the package from",
    )?;
    let apt = PrivateApt::set_up(&cache.join("apt"), &archive.sources_list_line(COMPONENTS))?;
    println!(
        "fetching Debian's {PACKAGE} from {} {} ({}) with apt, under its own configuration in {}",
        archive.uri,
        archive.suite,
        COMPONENTS.join(", "),
        cache.join("apt").display()
    );
    process::run_checked(&mut apt.command("apt-get", &["-q", "update"]))?;
    let scratch = cache.join("download.partial");
    if scratch.exists() {
        fs::remove_dir_all(&scratch)
            .with_context(|| format!("cannot remove {}", scratch.display()))?;
    }
    fs::create_dir_all(&scratch).with_context(|| format!("cannot create {}", scratch.display()))?;
    process::run_checked(
        apt.command("apt-get", &["-q", "download", PACKAGE])
            .current_dir(&scratch),
    )?;
    let Some(downloaded) = cached_deb(&scratch)? else {
        bail!("apt-get download {PACKAGE} left no .deb file");
    };
    // Moved into the cache only once complete, so an interrupted download is never taken for one.
    let deb = cache.join(file_name(&downloaded));
    fs::rename(&downloaded, &deb)
        .with_context(|| format!("cannot move {} into the cache", downloaded.display()))?;
    fs::remove_dir_all(&scratch).with_context(|| format!("cannot remove {}", scratch.display()))?;
    Ok(deb)
}

fn unpack(deb: &Path, unpacked: &Path) -> Result<()> {
    // Not with_extension: the version's dots would be taken for one.
    let scratch = unpacked.with_file_name(format!("{}.partial", file_name(unpacked)));
    if scratch.exists() {
        fs::remove_dir_all(&scratch)
            .with_context(|| format!("cannot remove {}", scratch.display()))?;
    }
    process::run_checked(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&scratch))?;
    fs::rename(&scratch, unpacked)
        .with_context(|| format!("cannot move {} into place", scratch.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cached_package_and_nothing_else() {
        let cache = tempfile::tempdir().unwrap();
        assert_eq!(cached_deb(cache.path()).unwrap(), None);
        assert_eq!(cached_deb(&cache.path().join("missing")).unwrap(), None);
        for name in [
            "raspi-firmware_1.20220830+ds-1_all.deb",
            "raspi-firmware_1.20220830+ds-1_all",
            "other_1.0_all.deb",
        ] {
            fs::write(cache.path().join(name), b"").unwrap();
        }
        assert_eq!(
            cached_deb(cache.path()).unwrap(),
            Some(cache.path().join("raspi-firmware_1.20220830+ds-1_all.deb"))
        );
    }
}
