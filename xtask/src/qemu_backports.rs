//! QEMU from the distribution's backports suite (bookworm's own QEMU 7.2 has no raspi4b;
//! bookworm-backports has QEMU 10): the apt source and the pin that make apt take QEMU's packages,
//! and only those, from there, derived from this machine's os-release and apt sources.

use anyhow::{Result, bail};

use crate::apt_sources::Source;
use crate::qemu::QemuVersion;

/// The backports source the xtask adds when the machine's sources have none.
pub const SOURCES_FILE: &str = "/etc/apt/sources.list.d/aarch64-kernel-xtask-backports.sources";
/// The pin that prefers backports for QEMU's packages.
pub const PIN_FILE: &str = "/etc/apt/preferences.d/aarch64-kernel-xtask-qemu.pref";
/// The package with qemu-system-aarch64, on Debian and Ubuntu alike.
pub const QEMU_PACKAGE: &str = "qemu-system-arm";
/// Above 500 (a release's own packages) and 100 (backports, which is NotAutomatic), and under
/// 1000, so that apt upgrades an older QEMU already installed but never downgrades one.
const PIN_PRIORITY: u32 = 990;

/// The distribution and release this machine runs, from /etc/os-release.
#[derive(Debug, PartialEq, Eq)]
pub struct Release {
    /// `debian` or `ubuntu`: the last path segment of its archive's URIs starts with it.
    pub id: String,
    /// `bookworm`.
    pub codename: String,
}

/// What the xtask writes so that apt installs QEMU from backports.
#[derive(Debug, PartialEq, Eq)]
pub struct BackportsPlan {
    /// `bookworm-backports`.
    pub suite: String,
    /// The deb822 stanza for [`SOURCES_FILE`]; `None` when the machine's sources already name
    /// the suite (a second entry would only make apt warn about it).
    pub source: Option<String>,
    /// The text of [`PIN_FILE`].
    pub pin: String,
}

/// `ID` and `VERSION_CODENAME` (Ubuntu's `UBUNTU_CODENAME` where that is missing) of an
/// os-release file; `None` for a release without a codename, such as Debian's unstable.
pub fn parse_os_release(text: &str) -> Option<Release> {
    let field = |name: &str| {
        text.lines().find_map(|line| {
            let value = line.strip_prefix(name)?.strip_prefix('=')?.trim();
            let value = value.trim_matches(|quote| quote == '"' || quote == '\'');
            (!value.is_empty()).then(|| value.to_owned())
        })
    };
    Some(Release {
        id: field("ID")?,
        codename: field("VERSION_CODENAME").or_else(|| field("UBUNTU_CODENAME"))?,
    })
}

/// The source and pin that get QEMU from `release`'s backports, the source's mirror and keyring
/// taken from the entry of `sources` that follows the release itself.
pub fn plan(release: &Release, sources: &[Source]) -> Result<BackportsPlan> {
    let suite = format!("{}-backports", release.codename);
    // By codename (`n=`): the archive name (`a=`) of bookworm-backports became
    // oldstable-backports once trixie was released.
    let pin = format!(
        "Explanation: written by cargo xtask: QEMU from {suite}, for the raspi4b machine\n\
         Package: qemu-system-*\n\
         Pin: release n={suite}\n\
         Pin-Priority: {PIN_PRIORITY}\n"
    );
    if sources.iter().any(|source| source.suites.contains(&suite)) {
        return Ok(BackportsPlan {
            suite,
            source: None,
            pin,
        });
    }
    let Some((uri, archive)) = sources.iter().find_map(|source| {
        let follows_release = source.suites.contains(&release.codename)
            && source.components.iter().any(|c| c == "main");
        let uri = source
            .uris
            .iter()
            .find(|uri| is_distribution_archive(uri, &release.id))?;
        follows_release.then_some((uri, source))
    }) else {
        bail!(
            "this machine's apt sources (/etc/apt/sources.list and sources.list.d) name no {} \
             archive with {} main to take {suite}'s mirror from",
            release.id,
            release.codename
        );
    };
    let mut stanza = format!(
        "# Written by cargo xtask: QEMU from {suite} (see {PIN_FILE})\n\
         Types: deb\nURIs: {uri}\nSuites: {suite}\nComponents: main\n"
    );
    // The same keys as the release's own entry: backports is signed like the release.
    if let Some(keyring) = &archive.signed_by {
        stanza += &format!("Signed-By: {keyring}\n");
    }
    Ok(BackportsPlan {
        suite,
        source: Some(stanza),
        pin,
    })
}

/// Whether `uri` is the distribution's own archive: its last path segment is the distribution's
/// name (`.../debian`, `.../ubuntu`, `.../ubuntu-ports`), not `debian-security` or a third party's
/// repository under another name.
fn is_distribution_archive(uri: &str, id: &str) -> bool {
    let last_segment = uri.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    last_segment == id || last_segment == format!("{id}-ports")
}

impl BackportsPlan {
    /// The files to write as root, path and text, in the order apt needs them.
    pub fn files(&self) -> Vec<(&'static str, &str)> {
        let mut files = Vec::new();
        if let Some(source) = &self.source {
            files.push((SOURCES_FILE, source.as_str()));
        }
        files.push((PIN_FILE, self.pin.as_str()));
        files
    }

    /// The shell commands a person with sudo runs to do what the xtask would, one line each, so
    /// that they still work when copied with the indentation they are shown with (a here-document
    /// would not end at an indented terminator).
    pub fn commands(&self) -> String {
        let mut commands = String::new();
        for (path, text) in self.files() {
            let lines: Vec<String> = text.lines().map(single_quoted).collect();
            commands += &format!(
                "printf '%s\\n' {} | sudo tee {path} >/dev/null\n",
                lines.join(" ")
            );
        }
        commands += &format!(
            "sudo apt-get update && sudo apt-get install -y --no-install-recommends {QEMU_PACKAGE}\n"
        );
        commands
    }
}

/// `text` as one shell word.
fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The version `apt-get install` would install, from `apt-cache policy`'s `Candidate:` line
/// (`1:10.0.2+ds-2+deb13u1~bpo12+1`: epoch, upstream version, Debian revision); `None` when
/// there is none.
pub fn candidate_version(policy: &str) -> Option<QemuVersion> {
    let candidate = policy
        .lines()
        .find_map(|line| line.trim().strip_prefix("Candidate:"))?
        .trim();
    let without_epoch = candidate
        .split_once(':')
        .map_or(candidate, |(_, rest)| rest);
    let upstream = without_epoch
        .split(['+', '~', '-'])
        .next()
        .unwrap_or_default();
    QemuVersion::from_number(upstream).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYRING: &str = "/usr/share/keyrings/debian-archive-keyring.gpg";

    fn source(uri: &str, suites: &[&str], signed_by: Option<&str>) -> Source {
        Source {
            uris: vec![uri.to_owned()],
            suites: suites.iter().map(|suite| (*suite).to_owned()).collect(),
            components: vec!["main".to_owned()],
            signed_by: signed_by.map(str::to_owned),
        }
    }

    fn bookworm() -> Release {
        Release {
            id: "debian".to_owned(),
            codename: "bookworm".to_owned(),
        }
    }

    #[test]
    fn reads_debian_and_ubuntu_os_release() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\n\
                      VERSION_CODENAME=bookworm\nID=debian\n";
        assert_eq!(parse_os_release(debian), Some(bookworm()));
        let ubuntu = "NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=noble\n";
        assert_eq!(
            parse_os_release(ubuntu),
            Some(Release {
                id: "ubuntu".to_owned(),
                codename: "noble".to_owned()
            })
        );
        assert_eq!(parse_os_release("ID=debian\nVERSION_CODENAME=\n"), None);
    }

    /// What `.ci/run` wrote on a fresh Debian 12 machine, which the xtask now writes itself.
    #[test]
    fn bookworm_gets_backports_from_its_own_mirror_with_its_keyring() {
        let sources = [
            source(
                "http://mirror.example/debian",
                &["bookworm", "bookworm-updates"],
                Some(KEYRING),
            ),
            source(
                "http://mirror.example/debian-security",
                &["bookworm-security"],
                Some(KEYRING),
            ),
        ];
        let plan = plan(&bookworm(), &sources).unwrap();
        assert_eq!(plan.suite, "bookworm-backports");
        assert_eq!(
            plan.source.as_deref(),
            Some(
                "# Written by cargo xtask: QEMU from bookworm-backports (see \
                 /etc/apt/preferences.d/aarch64-kernel-xtask-qemu.pref)\n\
                 Types: deb\n\
                 URIs: http://mirror.example/debian\n\
                 Suites: bookworm-backports\n\
                 Components: main\n\
                 Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
            )
        );
        // Every qemu-system-* package: qemu-system-arm wants qemu-system-common and
        // qemu-system-data at its very own version.
        assert_eq!(
            plan.pin,
            "Explanation: written by cargo xtask: QEMU from bookworm-backports, for the raspi4b \
             machine\n\
             Package: qemu-system-*\n\
             Pin: release n=bookworm-backports\n\
             Pin-Priority: 990\n"
        );
        assert_eq!(
            plan.files()
                .iter()
                .map(|(path, _)| *path)
                .collect::<Vec<_>>(),
            [SOURCES_FILE, PIN_FILE]
        );
    }

    #[test]
    fn adds_no_second_source_for_a_backports_suite_the_machine_has() {
        let sources = [
            source("http://m.example/debian", &["bookworm"], None),
            source("http://m.example/debian", &["bookworm-backports"], None),
        ];
        let plan = plan(&bookworm(), &sources).unwrap();
        assert_eq!(plan.source, None);
        assert_eq!(plan.files(), [(PIN_FILE, plan.pin.as_str())]);
    }

    #[test]
    fn takes_the_mirror_of_the_distribution_s_own_archive_only() {
        let mut third_party = source("https://download.example/linux/debian", &["bookworm"], None);
        third_party.components = vec!["stable".to_owned()];
        let sources = [
            third_party,
            source("http://m.example/debian-security", &["bookworm"], None),
            source("http://m.example/debian/", &["bookworm"], None),
        ];
        let stanza = plan(&bookworm(), &sources).unwrap().source.unwrap();
        assert!(
            stanza.contains("\nURIs: http://m.example/debian/\n"),
            "{stanza}"
        );
        // No keyring named: apt verifies it as it does the release's entry.
        assert!(!stanza.contains("Signed-By"), "{stanza}");

        let ubuntu = Release {
            id: "ubuntu".to_owned(),
            codename: "noble".to_owned(),
        };
        let ports = [source(
            "http://ports.example/ubuntu-ports",
            &["noble"],
            None,
        )];
        assert!(plan(&ubuntu, &ports).is_ok());
        let error = plan(&bookworm(), &ports).unwrap_err().to_string();
        assert!(
            error.contains("no debian archive with bookworm main"),
            "{error}"
        );
    }

    #[test]
    fn tells_a_person_the_commands_that_do_the_same() {
        let sources = [source(
            "http://m.example/debian",
            &["bookworm"],
            Some(KEYRING),
        )];
        let commands = plan(&bookworm(), &sources).unwrap().commands();
        let lines: Vec<&str> = commands.lines().collect();
        assert_eq!(lines.len(), 3, "{commands}");
        assert!(
            lines[0].starts_with("printf '%s\\n' '# Written by cargo xtask: QEMU from ")
                && lines[0].contains(" 'Types: deb' 'URIs: http://m.example/debian' ")
                && lines[0].ends_with(
                    " | sudo tee /etc/apt/sources.list.d/aarch64-kernel-xtask-backports.sources \
                     >/dev/null"
                ),
            "{commands}"
        );
        assert!(
            lines[1].ends_with(
                " 'Pin-Priority: 990' | sudo tee \
                 /etc/apt/preferences.d/aarch64-kernel-xtask-qemu.pref >/dev/null"
            ),
            "{commands}"
        );
        assert_eq!(
            lines[2],
            "sudo apt-get update && sudo apt-get install -y --no-install-recommends \
             qemu-system-arm"
        );
        assert_eq!(single_quoted("it's"), r"'it'\''s'");
    }

    #[test]
    fn reads_the_candidate_version_from_apt_cache_policy() {
        let policy = "qemu-system-arm:\n  Installed: (none)\n  Candidate: 1:10.0.2+ds-2+deb13u1~bpo12+1\n  Version table:\n";
        assert_eq!(
            candidate_version(policy),
            Some(QemuVersion {
                major: 10,
                minor: 0,
                patch: 2
            })
        );
        let distribution = "  Installed: (none)\n  Candidate: 1:7.2+dfsg-7+deb12u18+b3\n";
        assert_eq!(
            candidate_version(distribution),
            Some(QemuVersion {
                major: 7,
                minor: 2,
                patch: 0
            })
        );
        assert_eq!(candidate_version("  Candidate: (none)\n"), None);
        assert_eq!(candidate_version(""), None);
    }
}
