//! The kernel command line: the kernel's words, `init=` naming the first process, and after a
//! lone `--` the arguments of that process.

use anyhow::{Result, bail, ensure};

/// The kernel reads its command line through semihosting into a buffer of this many bytes, NUL
/// included (kernel/src/cmdline.rs); QEMU hands over nothing at all for a longer line.
const KERNEL_BUFFER_LEN: usize = 512;
/// Everything after it is the first process's.
const ARGUMENTS_SEPARATOR: &str = "--";

/// `words`, then `init=<init>` when given, then `-- <arguments>` when there are any.
pub fn compose(words: &[&str], init: Option<&str>, arguments: &[&str]) -> Result<String> {
    let mut line = words.to_vec();
    let init_word;
    if let Some(path) = init {
        if let Some(named) = words.iter().find(|word| word.starts_with("init=")) {
            bail!(
                "the command line already names the first process ({named}), so it cannot be {path}"
            );
        }
        init_word = format!("init={path}");
        line.push(&init_word);
    }
    if !arguments.is_empty() {
        ensure!(
            !words.contains(&ARGUMENTS_SEPARATOR),
            "the command line already has a `{ARGUMENTS_SEPARATOR}`: give the first process's \
             arguments in one place"
        );
        line.push(ARGUMENTS_SEPARATOR);
        line.extend(arguments);
    }
    finish(&line)
}

/// Joins the words, which must survive the kernel splitting the line at blanks, and checks that
/// the line fits the kernel's buffer.
fn finish(words: &[&str]) -> Result<String> {
    for word in words {
        ensure!(
            !word.is_empty() && !word.contains(char::is_whitespace),
            "{word:?} cannot be one word of the kernel command line, which the kernel splits at \
             blanks"
        );
    }
    let line = words.join(" ");
    ensure!(
        line.len() < KERNEL_BUFFER_LEN,
        "the kernel command line `{line}` is {} bytes long; the kernel reads at most {}",
        line.len(),
        KERNEL_BUFFER_LEN - 1
    );
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_then_init_then_its_arguments() {
        assert_eq!(
            compose(&["ktest", "pan=software"], Some("/bin/init"), &["--test"]).unwrap(),
            "ktest pan=software init=/bin/init -- --test"
        );
        assert_eq!(compose(&[], Some("/bin/sh"), &[]).unwrap(), "init=/bin/sh");
        // The kernel's default init gets the arguments.
        assert_eq!(
            compose(&["pan=off"], None, &["--test"]).unwrap(),
            "pan=off -- --test"
        );
        assert_eq!(compose(&["ktest"], None, &[]).unwrap(), "ktest");
        assert_eq!(compose(&[], None, &[]).unwrap(), "");
    }

    #[test]
    fn arguments_come_after_one_separator() {
        assert_eq!(
            compose(&["pan=off", "--", "--test"], None, &[]).unwrap(),
            "pan=off -- --test"
        );
        let error = compose(&["--", "b"], Some("/bin/echo-args"), &["a"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("already has a `--`"), "{error}");
    }

    #[test]
    fn refuses_a_second_init() {
        let error = compose(&["init=/bin/sh"], Some("/bin/echo-args"), &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("(init=/bin/sh)"), "{error}");
        assert_eq!(
            compose(&["init=/bin/sh"], None, &["-c"]).unwrap(),
            "init=/bin/sh -- -c"
        );
    }

    #[test]
    fn refuses_words_the_kernel_would_split_or_lose() {
        let error = compose(&[], Some("/bin/echo-args"), &["two words"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("\"two words\""), "{error}");
        assert!(compose(&[], Some("/bin/echo-args"), &[""]).is_err());
        assert!(compose(&[], Some("/bin/my program"), &[]).is_err());
    }

    #[test]
    fn the_line_must_fit_the_kernel_s_buffer() {
        let longest = "x".repeat(KERNEL_BUFFER_LEN - 1);
        assert!(compose(&[&longest], None, &[]).is_ok());
        let too_long = "x".repeat(KERNEL_BUFFER_LEN);
        let error = compose(&[&too_long], None, &[]).unwrap_err().to_string();
        assert!(error.contains("is 512 bytes long"), "{error}");
    }
}
