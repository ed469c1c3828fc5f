//! Debian's arm64 kernel for `bench --against-linux`: the newest `linux-image-<abi>-arm64` the
//! machine's apt sources offer, fetched with apt-get under a private configuration (its own
//! sources list, state and cache, arm64 only, so that the system's apt is untouched) and kept
//! under ~/.cache, outside the repository.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

use crate::apt_sources;
use crate::private_apt::PrivateApt;
use crate::process;
use crate::user_cache;

const PACKAGE_PREFIX: &str = "linux-image-";
const FLAVOUR_SUFFIX: &str = "-arm64";

/// A Debian kernel image, ready for QEMU's `-kernel`.
pub struct DebianKernel {
    pub package: String,
    pub version: String,
    /// The package's /boot/vmlinuz-*: an arm64 `Image`, which QEMU boots as it is (QEMU would
    /// also unpack a gzip-compressed one).
    pub image: PathBuf,
}

/// Finds the newest Debian arm64 kernel package, and downloads and unpacks it unless the cache
/// has it already.
pub fn fetch() -> Result<DebianKernel> {
    let cache = user_cache::directory("linux")?;
    let apt = arm64_apt(&cache.join("apt"))?;
    println!("looking for Debian's newest arm64 kernel with apt (arm64 only, own configuration)");
    if let Err(error) = process::run_checked(&mut apt.command("apt-get", &["update"])) {
        // Some sources may lack arm64 or be unreachable: whether the kernel is there decides.
        println!("apt-get update reported a problem ({error:#}); going on with what it fetched");
    }
    let (package, version) = newest_kernel(&apt).context(
        "cannot find Debian's arm64 kernel: --against-linux needs this machine's apt sources to \
         reach a Debian archive (linux-image-<abi>-arm64 packages)",
    )?;
    let directory = cache.join(format!("{package}_{version}"));
    let image = directory.join("vmlinuz");
    if image.is_file() {
        println!("using {package} {version} from {}", directory.display());
    } else {
        download(&apt, &package, &version, &directory)?;
    }
    Ok(DebianKernel {
        package,
        version,
        image,
    })
}

/// The newest kernel already in the cache, as it is (without asking apt whether Debian has a
/// newer one: a test run should neither need the network nor change kernels unasked; `bench
/// --against-linux` fetches the newest, which later test runs then use); [`fetch`] when the
/// cache holds none.
pub fn cached_or_fetch() -> Result<DebianKernel> {
    let cache = user_cache::directory("linux")?;
    let mut newest: Option<DebianKernel> = None;
    if let Ok(entries) = fs::read_dir(&cache) {
        for entry in entries {
            let directory = entry?.path();
            let image = directory.join("vmlinuz");
            let Some((package, version)) = directory
                .file_name()
                .and_then(|name| name.to_str())
                .and_then(cached_package_version)
            else {
                continue;
            };
            if !image.is_file() {
                continue;
            }
            let newer = match &newest {
                None => true,
                Some(best) => version_is_greater(version, &best.version)?,
            };
            if newer {
                newest = Some(DebianKernel {
                    package: package.to_owned(),
                    version: version.to_owned(),
                    image,
                });
            }
        }
    }
    match newest {
        Some(kernel) => {
            println!(
                "using {} {} from {}",
                kernel.package,
                kernel.version,
                cache.display()
            );
            Ok(kernel)
        }
        None => fetch(),
    }
}

/// The package and version of a cache directory `<package>_<version>` that [`download`] made
/// (Debian's package names and versions have no `_`).
fn cached_package_version(name: &str) -> Option<(&str, &str)> {
    let (package, version) = name.split_once('_')?;
    (is_plain_arm64_kernel(package) && !version.is_empty() && !version.contains('_'))
        .then_some((package, version))
}

/// A private apt (see [`PrivateApt`]) whose sources are this machine's, for arm64 alone.
fn arm64_apt(directory: &Path) -> Result<PrivateApt> {
    let sources = apt_sources::arm64_stanzas(&apt_sources::system_sources()?);
    ensure!(
        !sources.is_empty(),
        "this machine has no apt sources to fetch Debian's kernel from"
    );
    let apt = PrivateApt::set_up(directory, "", Some("arm64"))?;
    let stanzas = directory.join("sources.list.d").join("arm64.sources");
    fs::write(&stanzas, sources).with_context(|| format!("cannot write {}", stanzas.display()))?;
    Ok(apt)
}

/// The package and version of the newest plain arm64 kernel image.
fn newest_kernel(apt: &PrivateApt) -> Result<(String, String)> {
    let names = process::output_of(&mut apt.command("apt-cache", &["pkgnames", PACKAGE_PREFIX]))?;
    let mut flavours: Vec<&str> = names
        .lines()
        .filter(|name| is_plain_arm64_kernel(name))
        .collect();
    ensure!(
        !flavours.is_empty(),
        "apt knows no linux-image-<abi>-arm64 package"
    );
    flavours.sort_unstable();
    let mut arguments = vec!["madison"];
    arguments.extend(&flavours);
    let table = process::output_of(&mut apt.command("apt-cache", &arguments))?;
    let mut newest: Option<(String, String)> = None;
    for (package, version) in madison_rows(&table) {
        let newer = match &newest {
            None => true,
            Some((_, best)) => version_is_greater(version, best)?,
        };
        if newer {
            newest = Some((package.to_owned(), version.to_owned()));
        }
    }
    newest.context("apt-cache madison listed no version of the kernel packages")
}

/// `linux-image-6.1.0-28-arm64` or `linux-image-6.12.117+deb12-arm64`: a full kernel version
/// (three numbers) and at most an ABI number. Metapackages (`linux-image-6.12-arm64`), the
/// cloud and real-time flavours and the -dbg and -unsigned packages do not match.
fn is_plain_arm64_kernel(name: &str) -> bool {
    let Some(abi) = name
        .strip_prefix(PACKAGE_PREFIX)
        .and_then(|rest| rest.strip_suffix(FLAVOUR_SUFFIX))
    else {
        return false;
    };
    let mut parts = abi.split('-');
    let release = parts.next().unwrap_or_default();
    let numbers = release.split(['+', '~']).next().unwrap_or_default();
    let numbers_ok = numbers.split('.').count() == 3
        && numbers
            .split('.')
            .all(|number| !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit()));
    numbers_ok
        && parts.all(|part| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit()))
}

/// `package | version | source` rows.
fn madison_rows(table: &str) -> impl Iterator<Item = (&str, &str)> {
    table.lines().filter_map(|row| {
        let mut columns = row.split('|').map(str::trim);
        Some((columns.next()?, columns.next()?))
    })
}

/// Debian's version ordering, which only dpkg gets exactly right.
fn version_is_greater(version: &str, than: &str) -> Result<bool> {
    let status = Command::new("dpkg")
        .args(["--compare-versions", version, "gt", than])
        .status()
        .context("cannot run dpkg to compare package versions")?;
    match status.code() {
        Some(0) => Ok(true),
        Some(1) => Ok(false),
        _ => bail!("dpkg --compare-versions {version} gt {than} failed ({status})"),
    }
}

/// Downloads the package into a scratch directory beside `directory`, unpacks it there and
/// moves its kernel image into `directory`, so that the cache only ever holds whole images.
fn download(apt: &PrivateApt, package: &str, version: &str, directory: &Path) -> Result<()> {
    let mut scratch = directory.as_os_str().to_owned();
    scratch.push(".partial");
    let scratch = PathBuf::from(scratch);
    if scratch.exists() {
        fs::remove_dir_all(&scratch)
            .with_context(|| format!("cannot remove {}", scratch.display()))?;
    }
    let unpacked = scratch.join("unpacked");
    fs::create_dir_all(&unpacked)
        .with_context(|| format!("cannot create {}", unpacked.display()))?;
    println!("downloading {package} {version}");
    let wanted = format!("{package}={version}");
    process::run_checked(
        apt.command("apt-get", &["download", &wanted])
            .current_dir(&scratch),
    )?;
    let deb = only_file_with_extension(&scratch, "deb")?;
    process::run_checked(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&unpacked))?;
    let image = only_file_with_prefix(&unpacked.join("boot"), "vmlinuz-")?;
    fs::create_dir_all(directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    fs::rename(&image, directory.join("vmlinuz"))
        .with_context(|| format!("cannot move {} into the cache", image.display()))?;
    fs::remove_dir_all(&scratch).with_context(|| format!("cannot remove {}", scratch.display()))?;
    println!("cached {package} {version} in {}", directory.display());
    Ok(())
}

fn only_file_with_extension(directory: &Path, extension: &str) -> Result<PathBuf> {
    only_file(directory, |path| {
        path.extension().is_some_and(|found| found == extension)
    })
}

fn only_file_with_prefix(directory: &Path, prefix: &str) -> Result<PathBuf> {
    only_file(directory, |path| {
        path.file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with(prefix))
    })
}

/// The one file in `directory` that `wanted` picks.
fn only_file(directory: &Path, wanted: impl Fn(&Path) -> bool) -> Result<PathBuf> {
    let mut found = Vec::new();
    for entry in
        fs::read_dir(directory).with_context(|| format!("cannot list {}", directory.display()))?
    {
        let path = entry?.path();
        if wanted(&path) {
            found.push(path);
        }
    }
    match <[PathBuf; 1]>::try_from(found) {
        Ok([path]) => Ok(path),
        Err(found) => bail!(
            "expected one such file in {}, found {}",
            directory.display(),
            found.len()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_plain_kernel_images_only() {
        for plain in [
            "linux-image-6.1.0-28-arm64",
            "linux-image-6.12.117+deb12-arm64",
            "linux-image-6.12.90+deb12.1-arm64",
        ] {
            assert!(is_plain_arm64_kernel(plain), "{plain}");
        }
        for other in [
            "linux-image-6.12-arm64",
            "linux-image-arm64",
            "linux-image-6.1.0-28-cloud-arm64",
            "linux-image-6.1.0-28-rt-arm64",
            "linux-image-6.1.0-28-arm64-dbg",
            "linux-image-6.1.0-28-arm64-unsigned",
            "linux-image-6.1.0-28-amd64",
            "linux-headers-6.1.0-28-arm64",
        ] {
            assert!(!is_plain_arm64_kernel(other), "{other}");
        }
    }

    #[test]
    fn reads_cache_directory_names() {
        assert_eq!(
            cached_package_version("linux-image-6.12.117+deb12-arm64_6.12.117-1~deb12u1"),
            Some(("linux-image-6.12.117+deb12-arm64", "6.12.117-1~deb12u1"))
        );
        for other in [
            "apt",
            "linux-image-6.1.0-28-arm64_6.1.119-1.partial_x",
            "linux-image-6.1.0-28-arm64_",
            "linux-image-6.12-arm64_6.12.117-1",
        ] {
            assert_eq!(cached_package_version(other), None, "{other}");
        }
    }

    #[test]
    fn reads_madison_rows() {
        let table = "linux-image-6.1.0-56-arm64 |  6.1.192-2 | http://archive.example/debian-security bookworm-security/main arm64 Packages\n\
                     linux-image-6.12.117+deb12-arm64 | 6.12.117-1~deb12u1 | http://archive.example/debian bookworm-backports/main arm64 Packages\n";
        let rows: Vec<_> = madison_rows(table).collect();
        assert_eq!(
            rows,
            [
                ("linux-image-6.1.0-56-arm64", "6.1.192-2"),
                ("linux-image-6.12.117+deb12-arm64", "6.12.117-1~deb12u1")
            ]
        );
    }

    #[test]
    fn debian_versions_order_as_dpkg_says() {
        if !process::succeeds(Command::new("dpkg").arg("--version")) {
            return;
        }
        assert!(version_is_greater("6.12.117-1~deb12u1", "6.1.192-2").unwrap());
        assert!(!version_is_greater("6.12.95-1~bpo12+1", "6.12.117-1~deb12u1").unwrap());
        assert!(version_is_greater("6.12.117-1", "6.12.117-1~deb12u1").unwrap());
    }
}
