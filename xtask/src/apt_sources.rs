//! This machine's apt sources (one-line `.list` and deb822 `.sources` files), read so that the
//! xtask's private apt configurations reach the same archives without naming a mirror itself.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

const SOURCES_LIST: &str = "/etc/apt/sources.list";
const SOURCES_PARTS: &str = "/etc/apt/sources.list.d";

/// One `deb` entry of the machine's sources (deb-src and disabled entries are left out).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Source {
    pub uris: Vec<String>,
    pub suites: Vec<String>,
    pub components: Vec<String>,
    /// The keyring the machine verifies the archive with, when the entry names one by path.
    pub signed_by: Option<String>,
}

/// A Debian archive and the release it is followed for.
#[derive(Debug, PartialEq, Eq)]
pub struct DebianArchive {
    pub uri: String,
    /// A release suite such as `bookworm`, never `bookworm-updates` or `bookworm-security`.
    pub suite: String,
    pub signed_by: Option<String>,
}

/// Every `deb` entry of the machine's sources, in the order apt reads them.
pub fn system_sources() -> Result<Vec<Source>> {
    let mut files = vec![PathBuf::from(SOURCES_LIST)];
    if let Ok(directory) = fs::read_dir(SOURCES_PARTS) {
        let mut parts: Vec<PathBuf> = directory
            .filter_map(|entry| Some(entry.ok()?.path()))
            // apt itself ignores other names, such as `.list.disabled`.
            .filter(|path| has_extension(path, "list") || has_extension(path, "sources"))
            .collect();
        parts.sort();
        files.extend(parts);
    }
    let mut sources = Vec::new();
    for path in files.iter().filter(|path| path.exists()) {
        let text =
            fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        sources.extend(if has_extension(path, "sources") {
            deb822_sources(&text)
        } else {
            one_line_sources(&text)
        });
    }
    Ok(sources)
}

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension().is_some_and(|found| found == extension)
}

/// The sources as deb822 stanzas restricted to arm64, for an apt that fetches arm64 packages.
pub fn arm64_stanzas(sources: &[Source]) -> String {
    let stanzas: Vec<String> = sources
        .iter()
        .map(|source| {
            let mut stanza = format!(
                "Types: deb\nURIs: {}\nSuites: {}\nComponents: {}\nArchitectures: arm64\n",
                source.uris.join(" "),
                source.suites.join(" "),
                source.components.join(" ")
            );
            if let Some(keyring) = &source.signed_by {
                stanza += &format!("Signed-By: {keyring}\n");
            }
            stanza
        })
        .collect();
    stanzas.join("\n")
}

/// The first Debian release archive among `sources`: Ubuntu's and other distributions'
/// archives do not have Debian's packages, and update, security and backports suites hold only
/// some of them.
pub fn debian_release_archive(sources: &[Source]) -> Option<DebianArchive> {
    sources.iter().find_map(|source| {
        let uri = source
            .uris
            .iter()
            .find(|uri| uri.trim_end_matches('/').ends_with("/debian"))?;
        let suite = source
            .suites
            .iter()
            .find(|suite| !suite.contains(['-', '/']))?;
        Some(DebianArchive {
            uri: uri.clone(),
            suite: suite.clone(),
            signed_by: source.signed_by.clone(),
        })
    })
}

impl DebianArchive {
    /// The entry for a one-line sources list, with `components` of this archive.
    pub fn sources_list_line(&self, components: &[&str]) -> String {
        let options = self
            .signed_by
            .as_ref()
            .map(|keyring| format!("[signed-by={keyring}] "))
            .unwrap_or_default();
        format!(
            "deb {options}{} {} {}\n",
            self.uri,
            self.suite,
            components.join(" ")
        )
    }
}

/// `deb [option=value ...] uri suite component...` lines.
fn one_line_sources(text: &str) -> Vec<Source> {
    text.lines()
        .filter_map(|line| {
            let line = line.split('#').next()?.trim();
            let rest = line.strip_prefix("deb ")?.trim_start();
            let (options, rest) = match rest.strip_prefix('[') {
                Some(bracketed) => bracketed.split_once(']')?,
                None => ("", rest),
            };
            let mut words = rest.split_whitespace().map(str::to_owned);
            Some(Source {
                uris: vec![words.next()?],
                suites: vec![words.next()?],
                components: words.collect(),
                signed_by: options
                    .split_whitespace()
                    .find_map(|option| option.strip_prefix("signed-by="))
                    .map(str::to_owned),
            })
        })
        .collect()
}

/// deb822 stanzas, separated by blank lines, of `Field: value` lines.
fn deb822_sources(text: &str) -> Vec<Source> {
    let mut sources = Vec::new();
    for stanza in text.split("\n\n") {
        let mut source = Source::default();
        let (mut is_deb, mut enabled) = (false, true);
        // Continuation lines (a leading space) belong to an embedded keyring, skipped below.
        for line in stanza
            .lines()
            .filter(|line| !line.starts_with(['#', ' ', '\t']))
        {
            let Some((field, value)) = line.split_once(':') else {
                continue;
            };
            let words = || value.split_whitespace().map(str::to_owned);
            match field.trim().to_ascii_lowercase().as_str() {
                "types" => is_deb = words().any(|kind| kind == "deb"),
                "uris" => source.uris = words().collect(),
                "suites" => source.suites = words().collect(),
                "components" => source.components = words().collect(),
                "enabled" => enabled = value.trim() != "no",
                // A keyring embedded in the stanza cannot be handed on by its path.
                "signed-by" if value.trim().starts_with('/') => {
                    source.signed_by = Some(value.trim().to_owned());
                }
                _ => {}
            }
        }
        if is_deb && enabled {
            sources.push(source);
        }
    }
    sources
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYRING: &str = "/usr/share/keyrings/debian-archive-keyring.gpg";

    fn archive(uri: &str, suite: &str, signed_by: Option<&str>) -> DebianArchive {
        DebianArchive {
            uri: uri.to_owned(),
            suite: suite.to_owned(),
            signed_by: signed_by.map(str::to_owned),
        }
    }

    #[test]
    fn reads_deb822_stanzas_and_finds_the_release_suite() {
        let text = "Types: deb\n\
                    # a comment\n\
                    URIs: http://mirror.example/debian\n\
                    Suites: bookworm-updates bookworm\n\
                    Components: main contrib\n\
                    Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\
                    \n\
                    Types: deb\n\
                    URIs: http://mirror.example/debian-security\n\
                    Suites: bookworm-security\n";
        let sources = deb822_sources(text);
        assert_eq!(sources.len(), 2);
        assert_eq!(sources[0].components, ["main", "contrib"]);
        assert_eq!(
            debian_release_archive(&sources),
            Some(archive(
                "http://mirror.example/debian",
                "bookworm",
                Some(KEYRING)
            ))
        );
    }

    #[test]
    fn skips_backports_source_packages_and_disabled_stanzas() {
        let text = "Types: deb\nURIs: http://a.example/debian\nSuites: bookworm-backports\n\n\
                    Types: deb-src\nURIs: http://b.example/debian\nSuites: bookworm\n\n\
                    Enabled: no\nTypes: deb\nURIs: http://c.example/debian\nSuites: bookworm\n\n\
                    Types: deb deb-src\nURIs: http://d.example/debian/\nSuites: trixie\n";
        let sources = deb822_sources(text);
        assert_eq!(sources.len(), 2);
        assert_eq!(
            debian_release_archive(&sources),
            Some(archive("http://d.example/debian/", "trixie", None))
        );
    }

    #[test]
    fn reads_one_line_entries_with_options() {
        let text = "# deb http://old.example/debian buster main\n\
                    deb-src http://src.example/debian bookworm main\n\
                    deb http://security.example/debian-security bookworm-security main\n\
                    deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main\n";
        let sources = one_line_sources(text);
        assert_eq!(sources.len(), 2);
        assert_eq!(sources[1].components, ["main"]);
        assert_eq!(
            debian_release_archive(&sources),
            Some(archive(
                "http://mirror.example/debian",
                "bookworm",
                Some("/k.gpg")
            ))
        );
    }

    #[test]
    fn finds_no_debian_archive_among_other_distributions() {
        let ubuntu = one_line_sources("deb http://archive.example/ubuntu noble main restricted\n");
        assert_eq!(debian_release_archive(&ubuntu), None);
        let embedded_key = deb822_sources(
            "Types: deb\nURIs: http://m.example/debian\nSuites: sid\n\
             Signed-By: -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n mQINBF\n",
        );
        assert_eq!(
            debian_release_archive(&embedded_key),
            Some(archive("http://m.example/debian", "sid", None))
        );
    }

    #[test]
    fn writes_a_one_line_entry_with_its_keyring() {
        let line = archive("http://m.example/debian", "bookworm", Some(KEYRING))
            .sources_list_line(&["non-free-firmware", "non-free"]);
        assert_eq!(
            line,
            format!(
                "deb [signed-by={KEYRING}] http://m.example/debian bookworm non-free-firmware \
                 non-free\n"
            )
        );
        assert_eq!(
            archive("http://m.example/debian", "sid", None).sources_list_line(&["main"]),
            "deb http://m.example/debian sid main\n"
        );
    }

    #[test]
    fn restricts_every_source_to_arm64() {
        let sources = one_line_sources(
            "deb [signed-by=/k.gpg] http://m.example/debian bookworm main\n\
             deb http://m.example/debian-security bookworm-security main contrib\n",
        );
        assert_eq!(
            arm64_stanzas(&sources),
            "Types: deb\nURIs: http://m.example/debian\nSuites: bookworm\nComponents: main\n\
             Architectures: arm64\nSigned-By: /k.gpg\n\n\
             Types: deb\nURIs: http://m.example/debian-security\nSuites: bookworm-security\n\
             Components: main contrib\nArchitectures: arm64\n"
        );
    }
}
