//! The Rust std test program: user/linux/rust-std, a cargo project of its own built for
//! aarch64-unknown-linux-musl and linked statically, which the kernel must run unmodified.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result, ensure};
use goblin::elf::Elf;
use goblin::elf::header::EM_AARCH64;

use crate::process;
use crate::user_programs::UserProgram;
use crate::workspace;

/// Rust's target for static AArch64 Linux programs: std on musl, whose C runtime and libc.a
/// come with the target, so that no C cross toolchain is needed.
pub const TARGET: &str = "aarch64-unknown-linux-musl";
/// A test program (the `test-` prefix): init runs it from /tests.
pub const NAME: &str = "test-rust-std";

fn project() -> PathBuf {
    workspace::root()
        .join("user")
        .join("linux")
        .join("rust-std")
}

/// Builds the program (release: it is embedded in the kernel image) and checks that the kernel
/// can run it.
pub fn build() -> Result<UserProgram> {
    let target_dir = workspace::target_dir().join("rust-std");
    let mut cargo = workspace::cargo();
    // Cargo reads the project's .cargo/config.toml, with the linker and its flags, only from
    // inside the project.
    cargo.current_dir(project());
    cargo.args(["build", "--release", "--target", TARGET]);
    cargo.arg("--target-dir").arg(&target_dir);
    println!("building the Rust std test program for {TARGET}");
    process::run_checked(&mut cargo)?;
    let path = target_dir.join(TARGET).join("release").join(NAME);
    let program = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    ensure_static_aarch64(&program).with_context(|| format!("{} cannot run", path.display()))?;
    Ok(UserProgram {
        name: NAME.to_owned(),
        path,
    })
}

/// The kernel loads static AArch64 programs only: a dynamically linked one (here, the project's
/// linker settings not applied; Debian's busybox package no longer the static one) would fail
/// there, far from its cause.
pub fn ensure_static_aarch64(program: &[u8]) -> Result<()> {
    let elf = Elf::parse(program).context("not an ELF file")?;
    ensure!(elf.header.e_machine == EM_AARCH64, "not an AArch64 program");
    ensure!(
        elf.interpreter.is_none(),
        "not static: it asks for the dynamic loader {:?}",
        elf.interpreter.unwrap_or_default()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn the_project_is_configured_for_the_target_built() {
        let config = project().join(".cargo").join("config.toml");
        let text = fs::read_to_string(&config).unwrap();
        // The default target (for cargo run in the project, clippy) and the linker settings
        // are for the target the xtask asks for.
        assert!(text.contains(&format!("target = \"{TARGET}\"")), "{text}");
        assert!(text.contains(&format!("[target.{TARGET}]")), "{text}");
        assert!(project().join("src").join("main.rs").is_file());
    }

    #[test]
    fn only_static_aarch64_programs_pass() {
        ensure_static_aarch64(&elf_corpus::valid()).unwrap();
        let malformed: HashMap<_, _> = elf_corpus::malformed().into_iter().collect();
        let refused =
            |name: &str| format!("{:#}", ensure_static_aarch64(&malformed[name]).unwrap_err());
        assert!(refused("interpreter").contains("not static"));
        assert!(refused("machine-x86-64").contains("not an AArch64 program"));
        assert!(refused("truncated-header").contains("not an ELF file"));
    }
}
