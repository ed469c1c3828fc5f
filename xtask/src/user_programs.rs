//! The user programs: building user/, a cargo workspace of its own, and finding what it built.

use std::path::PathBuf;

use anyhow::{Context, Result, ensure};
use serde_json::Value;

use crate::process;
use crate::workspace;

/// User space is hard-float, unlike the kernel.
pub const USER_TARGET: &str = "aarch64-unknown-none";

/// A program built from the user workspace.
#[derive(Debug, PartialEq, Eq)]
pub struct UserProgram {
    pub name: String,
    pub path: PathBuf,
}

/// Builds every user program (release: they are embedded in the kernel image) and returns them
/// sorted by name.
pub fn build() -> Result<Vec<UserProgram>> {
    let mut cargo = workspace::cargo();
    // Cargo reads user/.cargo/config.toml, with the programs' linker script, only from inside
    // user/.
    cargo.current_dir(workspace::root().join("user"));
    cargo.args(["build", "--release", "--target", USER_TARGET]);
    cargo
        .arg("--target-dir")
        .arg(workspace::target_dir().join("user"));
    // The JSON messages name the executables; diagnostics still reach the terminal as text.
    cargo.arg("--message-format=json-render-diagnostics");
    println!("building the user programs");
    let messages = process::output_of(&mut cargo)?;
    let programs = executables(&messages)?;
    ensure!(!programs.is_empty(), "the user workspace built no program");
    Ok(programs)
}

/// The executables in cargo's JSON messages, one message a line, sorted by name.
fn executables(messages: &str) -> Result<Vec<UserProgram>> {
    let mut programs = Vec::new();
    for line in messages.lines() {
        let message: Value = serde_json::from_str(line)
            .with_context(|| format!("cargo printed something other than JSON: {line}"))?;
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        // Libraries and build scripts have a null executable.
        if let Some(executable) = message["executable"].as_str() {
            let path = PathBuf::from(executable);
            let name = path
                .file_name()
                .and_then(|name| name.to_str())
                .with_context(|| format!("the program {executable} has no UTF-8 file name"))?
                .to_owned();
            programs.push(UserProgram { name, path });
        }
    }
    programs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(programs)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Cargo's messages, shortened to the fields that matter (a message is one line).
    const MESSAGES: &str = r#"{"reason":"compiler-artifact","executable":null}
{"reason":"build-script-executed","out_dir":"/t/out"}
{"reason":"compiler-artifact","filenames":["/t/librt.rlib"],"executable":null}
{"reason":"compiler-artifact","executable":"/t/release/sh","fresh":false}
{"reason":"compiler-artifact","executable":"/t/release/test-memory","fresh":true}
{"reason":"compiler-artifact","executable":"/t/release/init","fresh":true}
{"reason":"build-finished","success":true}
"#;

    #[test]
    fn finds_the_executables_among_cargo_s_messages() {
        let programs = executables(MESSAGES).unwrap();
        let release = Path::new("/t/release");
        let program = |name: &str| UserProgram {
            name: name.to_owned(),
            path: release.join(name),
        };
        assert_eq!(
            programs,
            [program("init"), program("sh"), program("test-memory")]
        );
    }

    #[test]
    fn output_that_is_not_json_is_an_error() {
        let error = executables("warning: something\n").unwrap_err().to_string();
        assert!(error.contains("warning: something"), "{error}");
    }
}
