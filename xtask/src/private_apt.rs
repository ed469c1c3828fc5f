//! apt-get with a configuration of the xtask's own: its sources list, package lists, cache and
//! pins all in one directory, so that `apt-get update` there leaves the system's apt untouched.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

pub struct PrivateApt {
    directory: PathBuf,
}

impl PrivateApt {
    /// Writes the configuration into `directory`, with `sources_list` (one-line format) as its
    /// only sources; with `architecture` (`arm64`), that is the only architecture whose package
    /// lists are fetched, and the native one, so that package names need no `:arm64`.
    pub fn set_up(
        directory: &Path,
        sources_list: &str,
        architecture: Option<&str>,
    ) -> Result<Self> {
        for subdirectory in [
            "sources.list.d",
            "preferences.d",
            "state/lists/partial",
            "cache/archives/partial",
        ] {
            let path = directory.join(subdirectory);
            fs::create_dir_all(&path)
                .with_context(|| format!("cannot create {}", path.display()))?;
        }
        write(&directory.join("sources.list"), sources_list)?;
        // No package is ever installed through this apt: it only downloads.
        write(&directory.join("state/status"), "")?;
        let path = |relative: &str| directory.join(relative).display().to_string();
        let mut config = format!(
            "Dir::Etc::SourceList \"{}\";\n\
             Dir::Etc::SourceParts \"{}\";\n\
             Dir::Etc::Preferences \"{}\";\n\
             Dir::Etc::PreferencesParts \"{}\";\n\
             Dir::State \"{}\";\n\
             Dir::State::Status \"{}\";\n\
             Dir::Cache \"{}\";\n\
             Acquire::Languages \"none\";\n\
             // As root apt downloads as the user _apt, who cannot enter root's ~/.cache.\n\
             APT::Sandbox::User \"root\";\n",
            path("sources.list"),
            path("sources.list.d"),
            path("preferences"),
            path("preferences.d"),
            path("state"),
            path("state/status"),
            path("cache"),
        );
        if let Some(architecture) = architecture {
            // The package lists of this machine's own architecture are not needed.
            config += &format!(
                "APT::Architecture \"{architecture}\";\n\
                 APT::Architectures \"{architecture}\";\n"
            );
        }
        write(&directory.join("apt.conf"), &config)?;
        Ok(PrivateApt {
            directory: directory.to_owned(),
        })
    }

    /// `program` (apt-get, apt-cache) under this configuration. apt reads the file APT_CONFIG
    /// names instead of /etc/apt/apt.conf, after the system's apt.conf.d, so a proxy configured
    /// there still applies.
    pub fn command(&self, program: &str, arguments: &[&str]) -> Command {
        let mut command = Command::new(program);
        command
            .env("APT_CONFIG", self.directory.join("apt.conf"))
            .args(arguments);
        command
    }
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_sources_state_and_cache_inside_its_directory() {
        let directory = tempfile::tempdir().unwrap();
        let apt = PrivateApt::set_up(
            directory.path(),
            "deb http://m.example/debian sid main\n",
            None,
        )
        .unwrap();
        let config = fs::read_to_string(directory.path().join("apt.conf")).unwrap();
        for line in config.lines().filter(|line| line.starts_with("Dir::")) {
            let (_, value) = line.split_once('"').unwrap();
            assert!(
                value.starts_with(&directory.path().display().to_string()),
                "{line}"
            );
        }
        assert_eq!(
            fs::read_to_string(directory.path().join("sources.list")).unwrap(),
            "deb http://m.example/debian sid main\n"
        );
        let command = apt.command("apt-get", &["update"]);
        let apt_config = command
            .get_envs()
            .find(|(name, _)| *name == "APT_CONFIG")
            .and_then(|(_, value)| value);
        assert_eq!(
            apt_config,
            Some(directory.path().join("apt.conf").as_os_str())
        );
        assert!(!config.contains("APT::Architecture"), "{config}");
    }

    #[test]
    fn fetches_one_architecture_when_asked() {
        let directory = tempfile::tempdir().unwrap();
        PrivateApt::set_up(directory.path(), "", Some("arm64")).unwrap();
        let config = fs::read_to_string(directory.path().join("apt.conf")).unwrap();
        assert!(
            config.ends_with("APT::Architecture \"arm64\";\nAPT::Architectures \"arm64\";\n"),
            "{config}"
        );
    }
}
