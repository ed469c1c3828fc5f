//! Where the xtask keeps what it downloads between runs: under the user's cache directory, outside
//! the repository, so that a clean checkout or `cargo clean` does not fetch it again.

use std::env;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The directory under `$XDG_CACHE_HOME` (or `~/.cache`) that holds this project's downloads.
const PROJECT_DIRECTORY: &str = "aarch64-kernel-xtask";

/// `$XDG_CACHE_HOME/aarch64-kernel-xtask/<name>`, or the same under `~/.cache`.
pub fn directory(name: &str) -> Result<PathBuf> {
    let base = env::var_os("XDG_CACHE_HOME")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| Path::new(&home).join(".cache")))
        .context("neither XDG_CACHE_HOME nor HOME is set, so there is no cache directory")?;
    Ok(base.join(PROJECT_DIRECTORY).join(name))
}
