//! One Debian package, downloaded once with a private apt from the Debian archive this machine
//! already uses, unpacked with dpkg-deb and kept in the user's cache directory: the way the xtask
//! gets Raspberry Pi firmware and busybox.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::apt_sources;
use crate::prereq;
use crate::private_apt::PrivateApt;
use crate::process;
use crate::user_cache;
use crate::workspace::file_name;

/// A package to fetch.
pub struct DebianPackage {
    /// `raspi-firmware`.
    pub name: &'static str,
    /// The archive components it may be in; apt only warns about one a release lacks.
    pub components: &'static [&'static str],
    /// The architecture it is fetched for (`arm64`), or `None` for this machine's (and `all`).
    pub architecture: Option<&'static str>,
    /// Its directory in the user's cache (`firmware`), also the word its messages start with.
    pub cache: &'static str,
}

impl DebianPackage {
    /// The directory the package is unpacked into, laid out as it installs (`usr/lib/...`),
    /// downloading and unpacking it on first use.
    pub fn fetch(&self) -> Result<PathBuf> {
        let cache = user_cache::directory(self.cache)?;
        let deb = match self.cached_deb(&cache)? {
            Some(deb) => deb,
            None => self.download(&cache)?,
        };
        let unpacked = deb.with_extension("");
        if !unpacked.is_dir() {
            self.unpack(&deb, &unpacked)?;
        }
        println!(
            "{}: Debian's {}, cached in {}",
            self.cache,
            file_name(&deb),
            cache.display()
        );
        Ok(unpacked)
    }

    /// The package a previous run downloaded; a new one is fetched only once this is deleted.
    fn cached_deb(&self, cache: &Path) -> Result<Option<PathBuf>> {
        let Ok(entries) = fs::read_dir(cache) else {
            return Ok(None);
        };
        let mut debs = Vec::new();
        for entry in entries {
            let path = entry?.path();
            if self.is_deb_of_this_package(&file_name(&path)) {
                debs.push(path);
            }
        }
        // Versions of one package sort by name well enough to pick one deterministically.
        debs.sort();
        Ok(debs.pop())
    }

    /// `<name>_<version>_<architecture>.deb`, the name apt-get download gives the file, with the
    /// architecture asked for if any.
    fn is_deb_of_this_package(&self, file_name: &str) -> bool {
        let Some(rest) = file_name
            .strip_prefix(self.name)
            .and_then(|rest| rest.strip_prefix('_'))
            .and_then(|rest| rest.strip_suffix(".deb"))
        else {
            return false;
        };
        match self.architecture {
            Some(architecture) => rest
                .rsplit_once('_')
                .is_some_and(|(_, found)| found == architecture),
            None => true,
        }
    }

    /// Downloads the package into `cache` and returns its path.
    fn download(&self, cache: &Path) -> Result<PathBuf> {
        self.require("apt-get")?;
        let archive = apt_sources::debian_release_archive(&apt_sources::system_sources()?)
            .with_context(|| {
                format!(
                    "this machine's apt sources (/etc/apt/sources.list and sources.list.d) name \
                     no Debian release archive to fetch {} from",
                    self.name
                )
            })?;
        let apt = PrivateApt::set_up(
            &cache.join("apt"),
            &archive.sources_list_line(self.components),
            self.architecture,
        )?;
        println!(
            "fetching Debian's {}{} from {} {} ({}) with apt, under its own configuration in {}",
            self.name,
            self.architecture
                .map(|architecture| format!(" for {architecture}"))
                .unwrap_or_default(),
            archive.uri,
            archive.suite,
            self.components.join(", "),
            cache.join("apt").display()
        );
        process::run_checked(&mut apt.command("apt-get", &["-q", "update"]))?;
        let scratch = cache.join("download.partial");
        if scratch.exists() {
            fs::remove_dir_all(&scratch)
                .with_context(|| format!("cannot remove {}", scratch.display()))?;
        }
        fs::create_dir_all(&scratch)
            .with_context(|| format!("cannot create {}", scratch.display()))?;
        let wanted = match self.architecture {
            Some(architecture) => format!("{}:{architecture}", self.name),
            None => self.name.to_owned(),
        };
        process::run_checked(
            apt.command("apt-get", &["-q", "download", &wanted])
                .current_dir(&scratch),
        )?;
        let Some(downloaded) = self.cached_deb(&scratch)? else {
            bail!("apt-get download {wanted} left no .deb file");
        };
        // Moved into the cache only once complete, so an interrupted download is never taken for
        // one.
        let deb = cache.join(file_name(&downloaded));
        fs::rename(&downloaded, &deb)
            .with_context(|| format!("cannot move {} into the cache", downloaded.display()))?;
        fs::remove_dir_all(&scratch)
            .with_context(|| format!("cannot remove {}", scratch.display()))?;
        Ok(deb)
    }

    fn unpack(&self, deb: &Path, unpacked: &Path) -> Result<()> {
        self.require("dpkg-deb")?;
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

    /// Fails, saying what for, unless `program` is on PATH.
    fn require(&self, program: &str) -> Result<()> {
        if !prereq::on_path(program) {
            bail!(
                "{program} is not installed: Debian's {} package is fetched with apt-get and \
                 unpacked with dpkg-deb, which Debian and Ubuntu have (packages apt and dpkg)",
                self.name
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRMWARE: DebianPackage = DebianPackage {
        name: "raspi-firmware",
        components: &["non-free-firmware"],
        architecture: None,
        cache: "firmware",
    };

    const BUSYBOX: DebianPackage = DebianPackage {
        name: "busybox-static",
        components: &["main"],
        architecture: Some("arm64"),
        cache: "busybox",
    };

    #[test]
    fn finds_the_cached_package_and_nothing_else() {
        let cache = tempfile::tempdir().unwrap();
        assert_eq!(FIRMWARE.cached_deb(cache.path()).unwrap(), None);
        assert_eq!(
            FIRMWARE.cached_deb(&cache.path().join("missing")).unwrap(),
            None
        );
        for name in [
            "raspi-firmware_1.20220830+ds-1_all.deb",
            "raspi-firmware_1.20220830+ds-1_all",
            "raspi-firmware-extra_1.0_all.deb",
            "other_1.0_all.deb",
        ] {
            fs::write(cache.path().join(name), b"").unwrap();
        }
        assert_eq!(
            FIRMWARE.cached_deb(cache.path()).unwrap(),
            Some(cache.path().join("raspi-firmware_1.20220830+ds-1_all.deb"))
        );
    }

    #[test]
    fn takes_only_the_architecture_asked_for() {
        assert!(BUSYBOX.is_deb_of_this_package("busybox-static_1%3a1.35.0-4+deb12u1+b1_arm64.deb"));
        for other in [
            "busybox-static_1%3a1.35.0-4+deb12u1+b1_amd64.deb",
            "busybox-static_1%3a1.35.0-4_arm64",
            "busybox_1%3a1.35.0-4_arm64.deb",
            "busybox-static.deb",
        ] {
            assert!(!BUSYBOX.is_deb_of_this_package(other), "{other}");
        }
        assert!(FIRMWARE.is_deb_of_this_package("raspi-firmware_1.20220830+ds-1_all.deb"));
    }
}
