//! Debian's raspi-firmware package: the Raspberry Pi boot files, fetched and cached as
//! [`DebianPackage`] does.

use std::path::PathBuf;

use anyhow::Result;

use crate::debian_package::DebianPackage;

const PACKAGE: DebianPackage = DebianPackage {
    name: "raspi-firmware",
    // Debian 12 and later keep firmware in non-free-firmware, older releases in non-free.
    components: &["non-free-firmware", "non-free"],
    // An `all` package.
    architecture: None,
    cache: "firmware",
};
/// Where the package installs the boot files.
const FIRMWARE_DIRECTORY: &str = "usr/lib/raspi-firmware";

/// The directory with the unpacked firmware files, downloading the package on first use.
pub fn fetch() -> Result<PathBuf> {
    Ok(PACKAGE.fetch()?.join(FIRMWARE_DIRECTORY))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Downloads the package unless cached: `cargo test -p xtask -- --ignored firmware`.
    #[test]
    #[ignore = "fetches Debian's raspi-firmware with apt"]
    fn fetches_the_boot_files() {
        let directory = fetch().unwrap();
        assert!(
            directory.join("bootcode.bin").is_file(),
            "{}",
            directory.display()
        );
    }
}
