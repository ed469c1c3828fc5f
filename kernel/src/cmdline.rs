//! The kernel command line: space-separated words; the kernel reads its `key=value` ones.

#[derive(Clone, Copy)]
pub struct CommandLine<'a>(&'a str);

static TEXT: spin::Once<alloc::string::String> = spin::Once::new();

/// Records the command line: the device tree's `/chosen/bootargs` if there is one, else
/// QEMU's `-append` through semihosting (QEMU builds), else nothing.
pub fn init(bootargs: Option<&str>) {
    TEXT.call_once(|| match bootargs {
        Some(text) => alloc::string::String::from(text),
        #[cfg(all(target_os = "none", feature = "qemu"))]
        None => {
            let mut buffer = [0u8; 512];
            alloc::string::String::from(crate::arch::aarch64::semihosting::command_line(
                &mut buffer,
            ))
        }
        #[cfg(not(all(target_os = "none", feature = "qemu")))]
        None => alloc::string::String::new(),
    });
}

/// The command line recorded by [`init`] (empty before).
pub fn boot() -> CommandLine<'static> {
    CommandLine::new(TEXT.get().map_or("", |text| text.as_str()))
}

impl<'a> CommandLine<'a> {
    pub fn new(text: &'a str) -> Self {
        Self(text)
    }

    /// The words after a lone `--`: arguments for the first process.
    pub fn init_arguments(&self) -> impl Iterator<Item = &'a str> {
        self.0
            .split_ascii_whitespace()
            .skip_while(|word| *word != "--")
            .skip(1)
    }

    /// Whether the bare word `flag` comes before any `--`.
    #[cfg(any(test, feature = "ktest"))]
    pub fn has(&self, flag: &str) -> bool {
        self.0
            .split_ascii_whitespace()
            .take_while(|word| *word != "--")
            .any(|word| word == flag)
    }

    /// `mem=`: how much RAM to use, in bytes, with an optional K, M or G suffix as Linux
    /// reads it; `None` when absent or malformed.
    pub fn memory_limit(&self) -> Option<usize> {
        let value = self.value("mem")?;
        let (digits, shift) = match value.as_bytes().last()? {
            b'K' | b'k' => (&value[..value.len() - 1], 10),
            b'M' | b'm' => (&value[..value.len() - 1], 20),
            b'G' | b'g' => (&value[..value.len() - 1], 30),
            _ => (value, 0),
        };
        digits.parse::<usize>().ok()?.checked_mul(1 << shift)
    }

    /// The value of the last `key=value` word for `key`.
    pub fn value(&self, key: &str) -> Option<&'a str> {
        self.0
            .split_ascii_whitespace()
            .filter_map(|word| word.split_once('='))
            .filter(|(k, _)| *k == key)
            .map(|(_, value)| value)
            .next_back()
    }
}

#[cfg(test)]
mod tests {
    use super::CommandLine;

    #[test]
    fn values() {
        let line = CommandLine::new("ktest  ktest.filter=mm:: x=1 x=2\n");
        assert_eq!(line.value("ktest.filter"), Some("mm::"));
        assert_eq!(line.value("x"), Some("2"), "the last value wins");
        assert_eq!(line.value("missing"), None);
    }

    #[test]
    fn memory_limit_reads_linux_suffixes() {
        let limit = |text| CommandLine::new(text).memory_limit();
        assert_eq!(limit("mem=64M"), Some(64 << 20));
        assert_eq!(limit("mem=1g"), Some(1 << 30));
        assert_eq!(limit("mem=512K"), Some(512 << 10));
        assert_eq!(limit("mem=4096"), Some(4096));
        assert_eq!(limit("mem=lots"), None);
        assert_eq!(limit("mem=M"), None);
        assert_eq!(limit("quiet"), None);
    }

    #[test]
    fn init_arguments_follow_the_separator() {
        let line = CommandLine::new("init=/bin/x pan=off -- --test a=b");
        assert_eq!(line.init_arguments().collect::<Vec<_>>(), ["--test", "a=b"]);
        assert_eq!(
            line.value("a"),
            Some("b"),
            "keys after -- are still visible to the kernel"
        );
        assert_eq!(CommandLine::new("quiet").init_arguments().count(), 0);
    }

    #[test]
    fn flags_before_the_separator() {
        let line = CommandLine::new("ktest bench -- bench");
        assert!(line.has("bench"));
        assert!(!CommandLine::new("ktest -- bench").has("bench"));
        assert!(!line.has("ben"));
    }

    #[test]
    fn empty_values_are_allowed() {
        assert_eq!(CommandLine::new("a=").value("a"), Some(""));
        assert_eq!(CommandLine::new("").value(""), None);
    }
}
