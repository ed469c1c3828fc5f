//! The Linux test programs: C sources in user/linux built with the standard AArch64 Linux
//! toolchain (gcc and glibc, static), which the kernel must run unmodified.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::prereq::{self, CROSS_GCC};
use crate::process;
use crate::user_programs::UserProgram;
use crate::workspace;

/// One program: its name in the initramfs, its source in user/linux, how it is linked.
struct LinuxProgram {
    name: &'static str,
    source: &'static str,
    flags: &'static [&'static str],
}

const PROGRAMS: [LinuxProgram; 13] = [
    LinuxProgram {
        name: "test-glibc",
        source: "test-glibc.c",
        flags: &["-static"],
    },
    // The same tests as a static position-independent executable (ET_DYN), which relocates
    // itself.
    LinuxProgram {
        name: "test-glibc-pie",
        source: "test-glibc.c",
        flags: &["-static-pie", "-DSUITE=\"glibc_pie\""],
    },
    LinuxProgram {
        name: "test-signals",
        source: "test-signals.c",
        flags: &["-static"],
    },
    LinuxProgram {
        name: "test-threads",
        source: "test-threads.c",
        flags: &["-static", "-pthread"],
    },
    LinuxProgram {
        name: "test-system",
        source: "test-system.c",
        flags: &["-static"],
    },
    LinuxProgram {
        name: "test-sockets",
        source: "test-sockets.c",
        flags: &["-static"],
    },
    LinuxProgram {
        name: "test-tmpfs",
        source: "test-tmpfs.c",
        flags: &["-static"],
    },
    LinuxProgram {
        name: "test-mmap",
        source: "test-mmap.c",
        flags: &["-static"],
    },
    LinuxProgram {
        name: "test-fb",
        source: "test-fb.c",
        flags: &["-static"],
    },
    LinuxProgram {
        name: "test-mqueue",
        source: "test-mqueue.c",
        flags: &["-static"],
    },
    LinuxProgram {
        name: "test-proc",
        source: "test-proc.c",
        flags: &["-static"],
    },
    // Not in /tests: the swap boot runs it as the first process, with a disk.
    LinuxProgram {
        name: "swap-test",
        source: "swap-test.c",
        flags: &["-static"],
    },
    // Bss alone at an unaligned address with a file offset past the file's end: test-glibc
    // runs it.
    LinuxProgram {
        name: "bss-only",
        source: "bss-only.c",
        flags: &["-static", "-nostdlib"],
    },
];

/// The programs' names in the initramfs: the test programs (`test-*`) and their helpers.
pub fn names() -> impl Iterator<Item = &'static str> {
    PROGRAMS.iter().map(|program| program.name)
}

/// Builds every Linux test program (installing the compiler first if need be).
pub fn build() -> Result<Vec<UserProgram>> {
    prereq::ensure_cross_gcc()?;
    let sources = workspace::root().join("user").join("linux");
    let output = workspace::target_dir().join("linux-programs");
    std::fs::create_dir_all(&output)?;
    println!("building the Linux test programs with {CROSS_GCC}");
    PROGRAMS
        .iter()
        .map(|program| {
            let path = output.join(program.name);
            process::run_checked(&mut compile(program, &sources, &path))?;
            Ok(UserProgram {
                name: program.name.to_owned(),
                path,
            })
        })
        .collect()
}

fn compile(program: &LinuxProgram, sources: &Path, output: &Path) -> Command {
    let mut gcc = Command::new(CROSS_GCC);
    gcc.args(["-O2", "-Wall", "-Wextra", "-Werror", "-std=gnu11"])
        .args(program.flags)
        .arg("-o")
        .arg(output)
        .arg(sources.join(program.source));
    gcc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_exists_and_names_are_unique() {
        let sources = workspace::root().join("user").join("linux");
        for program in &PROGRAMS {
            assert!(sources.join(program.source).is_file(), "{}", program.source);
        }
        let mut names: Vec<_> = PROGRAMS.iter().map(|p| p.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), PROGRAMS.len());
    }

    #[test]
    fn programs_are_static_and_warnings_are_errors() {
        let sources = Path::new("/src");
        for program in &PROGRAMS {
            let gcc = compile(program, sources, Path::new("/out"));
            let words: Vec<_> = gcc
                .get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            assert!(words.iter().any(|w| w.starts_with("-static")), "{words:?}");
            assert!(words.contains(&"-Werror".to_owned()), "{words:?}");
            assert_eq!(words.last().unwrap(), &format!("/src/{}", program.source));
        }
    }
}
