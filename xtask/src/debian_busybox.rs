//! Debian's busybox-static for arm64: one static AArch64 Linux program holding a shell (ash) and
//! the usual tools as applets, fetched and cached as [`DebianPackage`] does, for the initramfs's
//! /bin/busybox.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::debian_package::DebianPackage;
use crate::rust_std_program;

const PACKAGE: DebianPackage = DebianPackage {
    name: "busybox-static",
    components: &["main"],
    architecture: Some("arm64"),
    cache: "busybox",
};
/// Where the package installs the program.
const PROGRAM: &str = "bin/busybox";

/// The static busybox program, downloading the package on first use.
pub fn fetch() -> Result<PathBuf> {
    let path = PACKAGE
        .fetch()
        .context("cannot fetch Debian's busybox for the initramfs's /bin/busybox")?
        .join(PROGRAM);
    let program = fs::read(&path).with_context(|| {
        format!(
            "cannot read {}, which Debian's {} package should hold",
            path.display(),
            PACKAGE.name
        )
    })?;
    rust_std_program::ensure_static_aarch64(&program)
        .with_context(|| format!("{} cannot run on the kernel", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Downloads the package unless cached: `cargo test -p xtask -- --ignored busybox`.
    #[test]
    #[ignore = "fetches Debian's busybox-static with apt"]
    fn fetches_a_static_aarch64_busybox() {
        let path = fetch().unwrap();
        assert!(path.ends_with(PROGRAM), "{}", path.display());
    }
}
