//! Where the workspace and its build outputs live, and how to show those paths to people.

use std::env;
use std::path::{Display, Path, PathBuf};
use std::process::Command;

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is a member directly inside the workspace")
}

pub fn target_dir() -> PathBuf {
    env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), |dir| root().join(dir))
}

/// A cargo command running in the workspace root, with the same cargo that runs xtask.
pub fn cargo() -> Command {
    let mut cargo = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo.current_dir(root());
    cargo
}

/// Paths inside the workspace are shown relative to it: shorter, and the same on every machine.
pub fn relative(path: &Path) -> Display<'_> {
    path.strip_prefix(root()).unwrap_or(path).display()
}

/// The last component of `path` as text, lossily; empty if it has none.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}
