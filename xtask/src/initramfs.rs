//! The kernel's initramfs: what goes where (/bin, /tests, /testdata, /corpus, Debian's busybox,
//! host files), written to target/xtask/initramfs.cpio.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};

use crate::debian_busybox;
use crate::linux_programs;
use crate::newc::{self, ArchiveFile};
use crate::rust_std_program;
use crate::user_programs;
use crate::workspace;

/// Programs whose name starts with it are test programs, which `init --test` runs.
pub const TEST_PROGRAM_PREFIX: &str = "test-";
/// Debian's busybox: the interpreter of the busybox scripts (`#!/bin/busybox sh`) and the first
/// process of `cargo xtask qemu --busybox`.
pub const BUSYBOX: &str = "/bin/busybox";
/// Shell scripts for busybox's `sh`, in user/linux: (name in the initramfs, source).
pub const BUSYBOX_SCRIPTS: [(&str, &str); 1] = [("test-busybox", "test-busybox.sh")];

/// Host files to put into the initramfs besides the standard contents.
#[derive(Default)]
pub struct HostFiles<'a> {
    /// A program for the first process, put into /bin under its file name, in place of a user
    /// program of that name.
    pub init: Option<&'a Path>,
    /// Files put into / under their file names.
    pub added: &'a [PathBuf],
}

/// An initramfs written for the kernel build.
pub struct Initramfs {
    /// Absolute, as the kernel's build script needs it.
    pub path: PathBuf,
    /// Where `HostFiles::init` is inside the initramfs: `/bin/<file name>`.
    pub init: Option<String>,
    /// What it holds, for another archive made of some of the same files.
    pub files: Vec<ArchiveFile>,
}

/// A file from the host, by its file name.
#[derive(Debug)]
struct HostFile {
    name: String,
    executable: bool,
    data: Vec<u8>,
}

/// Builds the user programs and writes the initramfs with them and `host_files`.
pub fn build(host_files: &HostFiles) -> Result<Initramfs> {
    // Read first, so that a wrong path fails before anything is built.
    let init = host_files
        .init
        .map(|path| read_host_file(path, "--init"))
        .transpose()?;
    let init_path = init.as_ref().map(|file| format!("/bin/{}", file.name));
    let added = host_files
        .added
        .iter()
        .map(|path| read_host_file(path, "--add"))
        .collect::<Result<_>>()?;
    let mut files = Vec::new();
    let programs = user_programs::build()?
        .into_iter()
        .chain(linux_programs::build()?)
        .chain([rust_std_program::build()?]);
    for program in programs {
        files.push(ArchiveFile {
            path: program_path(&program.name),
            executable: true,
            data: read(&program.path)?,
        });
    }
    files.extend(busybox()?);
    files.extend(test_data()?);
    files.extend(corpus());
    let files = with_host_files(files, init, added);

    let archive = newc::archive(&files).context("cannot lay out the initramfs")?;
    let path = workspace::target_dir().join("xtask").join("initramfs.cpio");
    write_if_changed(&path, &archive)?;
    println!(
        "initramfs:  {} ({} files, {} KiB)",
        workspace::relative(&path),
        files.len(),
        archive.len().div_ceil(1024)
    );
    Ok(Initramfs {
        path,
        init: init_path,
        files,
    })
}

/// `bin/<name>` for a program, `tests/<name>` for a test program.
pub fn program_path(name: &str) -> String {
    if name.starts_with(TEST_PROGRAM_PREFIX) {
        format!("tests/{name}")
    } else {
        format!("bin/{name}")
    }
}

/// Debian's busybox (fetched on first use) and the scripts it runs, test scripts in /tests.
fn busybox() -> Result<Vec<ArchiveFile>> {
    let mut files = vec![ArchiveFile {
        path: BUSYBOX.trim_start_matches('/').to_owned(),
        executable: true,
        data: read(&debian_busybox::fetch()?)?,
    }];
    let sources = workspace::root().join("user").join("linux");
    for (name, source) in BUSYBOX_SCRIPTS {
        files.push(ArchiveFile {
            path: program_path(name),
            // The kernel runs a script, through its #! line, only with the execute bits.
            executable: true,
            data: read(&sources.join(source))?,
        });
    }
    Ok(files)
}

/// Every file in user/testdata/, for the test programs to open and to execute.
fn test_data() -> Result<Vec<ArchiveFile>> {
    let directory = workspace::root().join("user").join("testdata");
    let mut entries = fs::read_dir(&directory)
        .with_context(|| format!("cannot list {}", directory.display()))?
        .collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.path();
        ensure!(
            entry.file_type()?.is_file(),
            "{} is not a regular file: the initramfs takes only the files of user/testdata",
            path.display()
        );
        let name = entry.file_name();
        let name = name
            .to_str()
            .with_context(|| format!("{} has no UTF-8 name", path.display()))?;
        files.push(ArchiveFile {
            path: format!("testdata/{name}"),
            executable: true,
            data: read(&path)?,
        });
    }
    Ok(files)
}

/// The malformed ELF files, which execve must reject however they are permitted, under
/// /corpus; the ones laid out as GNU ld lays them out, which must run and exit 0, under
/// /linux-layouts.
fn corpus() -> impl Iterator<Item = ArchiveFile> {
    let malformed = elf_corpus::malformed()
        .into_iter()
        .map(|(name, data)| (format!("corpus/{name}"), data));
    let accepted = elf_corpus::linux_layouts()
        .into_iter()
        .map(|(name, data)| (format!("linux-layouts/{name}"), data));
    malformed.chain(accepted).map(|(path, data)| ArchiveFile {
        path,
        executable: true,
        data,
    })
}

/// The host file at `path`, given with command line option `option`.
fn read_host_file(path: &Path, option: &str) -> Result<HostFile> {
    let not_readable = || format!("{option} {}: not a readable file", path.display());
    let metadata = fs::metadata(path).with_context(not_readable)?;
    ensure!(metadata.is_file(), not_readable());
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .with_context(|| format!("{option} {}: the file name is not UTF-8", path.display()))?;
    Ok(HostFile {
        name: name.to_owned(),
        executable: metadata.permissions().mode() & 0o111 != 0,
        data: fs::read(path).with_context(not_readable)?,
    })
}

/// `files` with `init` in /bin, replacing a program of the same name, and `added` in /.
fn with_host_files(
    mut files: Vec<ArchiveFile>,
    init: Option<HostFile>,
    added: Vec<HostFile>,
) -> Vec<ArchiveFile> {
    if let Some(init) = init {
        let program = ArchiveFile {
            path: format!("bin/{}", init.name),
            // The kernel runs only files with the execute bits, and this one is to be run.
            executable: true,
            data: init.data,
        };
        match files.iter_mut().find(|file| file.path == program.path) {
            Some(built) => *built = program,
            None => files.push(program),
        }
    }
    files.extend(added.into_iter().map(|file| ArchiveFile {
        path: file.name,
        executable: file.executable,
        data: file.data,
    }));
    files
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Leaves an archive that did not change untouched: the kernel's build script watches it, and a
/// new timestamp would rebuild the kernel for nothing.
fn write_if_changed(path: &Path, archive: &[u8]) -> Result<()> {
    if fs::read(path).is_ok_and(|old| old == archive) {
        return Ok(());
    }
    if let Some(directory) = path.parent() {
        fs::create_dir_all(directory)
            .with_context(|| format!("cannot create {}", directory.display()))?;
    }
    fs::write(path, archive).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(path: &str) -> ArchiveFile {
        ArchiveFile {
            path: path.to_owned(),
            executable: true,
            data: b"built".to_vec(),
        }
    }

    fn host(name: &str, executable: bool) -> HostFile {
        HostFile {
            name: name.to_owned(),
            executable,
            data: b"host".to_vec(),
        }
    }

    #[test]
    fn test_programs_go_to_tests_and_the_others_to_bin() {
        assert_eq!(program_path("test-memory"), "tests/test-memory");
        assert_eq!(program_path("init"), "bin/init");
        assert_eq!(program_path("echo-args"), "bin/echo-args");
        assert_eq!(program_path("tester"), "bin/tester");
    }

    #[test]
    fn busybox_scripts_name_busybox_as_their_interpreter() {
        let sources = workspace::root().join("user").join("linux");
        for (_, source) in BUSYBOX_SCRIPTS {
            let script = fs::read_to_string(sources.join(source)).unwrap();
            assert_eq!(
                script.lines().next(),
                Some(format!("#!{BUSYBOX} sh").as_str()),
                "{source}"
            );
        }
    }

    #[test]
    fn the_init_program_takes_the_place_of_a_built_one_of_its_name() {
        let files = with_host_files(
            vec![built("bin/init"), built("bin/echo-args")],
            Some(host("echo-args", false)),
            Vec::new(),
        );
        assert_eq!(files.len(), 2);
        assert_eq!(files[0], built("bin/init"));
        assert_eq!(files[1].path, "bin/echo-args");
        assert_eq!(files[1].data, b"host");
        assert!(files[1].executable, "the first process must be executable");
    }

    #[test]
    fn a_new_init_program_and_added_files_join_the_built_ones() {
        let files = with_host_files(
            vec![built("bin/init")],
            Some(host("hello", true)),
            vec![host("notes.txt", false), host("tool", true)],
        );
        let placed: Vec<(&str, bool)> = files
            .iter()
            .map(|file| (file.path.as_str(), file.executable))
            .collect();
        assert_eq!(
            placed,
            [
                ("bin/init", true),
                ("bin/hello", true),
                ("notes.txt", false),
                ("tool", true)
            ]
        );
    }

    #[test]
    fn the_corpus_is_executable_under_its_two_directories() {
        let corpus: Vec<ArchiveFile> = corpus().collect();
        let under = |directory: &str| {
            corpus
                .iter()
                .filter(|file| file.path.starts_with(directory))
                .count()
        };
        assert!(under("corpus/") >= 30, "only {} files", under("corpus/"));
        assert!(under("linux-layouts/") >= 4);
        assert_eq!(under("corpus/") + under("linux-layouts/"), corpus.len());
        assert!(corpus.iter().all(|file| file.executable));
    }

    #[test]
    fn host_files_must_be_readable_files() {
        let directory = workspace::root().join("xtask");
        let error = read_host_file(&directory, "--add").unwrap_err().to_string();
        assert!(
            error.contains("--add") && error.contains("not a readable file"),
            "{error}"
        );
        let missing = directory.join("no-such-file");
        let error = read_host_file(&missing, "--init").unwrap_err();
        assert!(format!("{error:#}").contains("--init"), "{error:#}");
        let manifest = read_host_file(&directory.join("Cargo.toml"), "--add").unwrap();
        assert_eq!(manifest.name, "Cargo.toml");
        assert!(!manifest.executable);
    }
}
