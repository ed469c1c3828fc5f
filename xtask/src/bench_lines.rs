//! The lines the benchmarks print: `bench <operation> size=<bytes> [align=<a|m>]
//! instructions=<n>` for a measurement, the kernel's `bench: pan_mode=<mode> uao_scope=<scope>`
//! header, and the user benchmark's `bench error: <operation>: <why>`.

use std::fmt;

/// Whether a kernel microbenchmark's buffers start on an 8-byte boundary (`align=a`) or 3 bytes
/// past one (`align=m`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Alignment {
    Aligned,
    Misaligned,
}

/// What a measurement measured. User-space benchmarks have no alignment.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub operation: String,
    pub size: u64,
    pub alignment: Option<Alignment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measurement {
    pub key: Key,
    pub instructions: u64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum BenchLine {
    Measurement(Measurement),
    /// How the kernel enforces PAN and runs the kernel-pointer scope during its benchmarks.
    KernelModes {
        pan_mode: String,
        uao_scope: String,
    },
    /// A benchmark that could not be measured, and why.
    Error(String),
}

impl Alignment {
    /// The letter of `align=`.
    pub fn letter(self) -> &'static str {
        match self {
            Alignment::Aligned => "a",
            Alignment::Misaligned => "m",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Alignment::Aligned => "aligned",
            Alignment::Misaligned => "misaligned",
        }
    }

    fn from_letter(letter: &str) -> Option<Self> {
        match letter {
            "a" => Some(Alignment::Aligned),
            "m" => Some(Alignment::Misaligned),
            _ => None,
        }
    }
}

impl Key {
    pub fn new(operation: &str, size: u64, alignment: Option<Alignment>) -> Self {
        Key {
            operation: operation.to_owned(),
            size,
            alignment,
        }
    }
}

/// As the benchmarks print it, without the count: `memcpy size=64 align=m`.
impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} size={}", self.operation, self.size)?;
        if let Some(alignment) = self.alignment {
            write!(f, " align={}", alignment.letter())?;
        }
        Ok(())
    }
}

/// The benchmark line `line` is, if it is one; a line that starts like one but does not parse
/// is an error naming it.
pub fn parse(line: &str) -> Option<Result<BenchLine, String>> {
    // Serial consoles end lines with CR LF.
    let line = line.trim_end();
    if let Some(why) = line.strip_prefix("bench error: ") {
        return Some(Ok(BenchLine::Error(why.to_owned())));
    }
    if let Some(header) = line.strip_prefix("bench: ") {
        return kernel_modes(header).map(Ok);
    }
    let words = line.strip_prefix("bench ")?;
    Some(measurement(words).ok_or_else(|| format!("unreadable benchmark line `{line}`")))
}

/// `pan_mode=<mode> uao_scope=<scope>`; the user benchmark's closing `bench: done, ...` is not
/// one.
fn kernel_modes(header: &str) -> Option<BenchLine> {
    let mut words = header.split_whitespace();
    let pan_mode = words.next()?.strip_prefix("pan_mode=")?;
    let uao_scope = words.next()?.strip_prefix("uao_scope=")?;
    Some(BenchLine::KernelModes {
        pan_mode: pan_mode.to_owned(),
        uao_scope: uao_scope.to_owned(),
    })
}

fn measurement(words: &str) -> Option<BenchLine> {
    let words: Vec<&str> = words.split_whitespace().collect();
    let (operation, size, alignment, instructions) = match words[..] {
        [operation, size, instructions] => (operation, size, None, instructions),
        [operation, size, alignment, instructions] => {
            let letter = alignment.strip_prefix("align=")?;
            (
                operation,
                size,
                Some(Alignment::from_letter(letter)?),
                instructions,
            )
        }
        _ => return None,
    };
    let size = size.strip_prefix("size=")?.parse().ok()?;
    let instructions = instructions.strip_prefix("instructions=")?.parse().ok()?;
    Some(BenchLine::Measurement(Measurement {
        key: Key::new(operation, size, alignment),
        instructions,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(operation: &str, size: u64, alignment: Option<Alignment>, n: u64) -> BenchLine {
        BenchLine::Measurement(Measurement {
            key: Key::new(operation, size, alignment),
            instructions: n,
        })
    }

    #[test]
    fn reads_kernel_and_user_measurements() {
        assert_eq!(
            parse("bench copy_from_user size=4096 align=m instructions=1238\r"),
            Some(Ok(measured(
                "copy_from_user",
                4096,
                Some(Alignment::Misaligned),
                1238
            )))
        );
        assert_eq!(
            parse("bench getpid size=0 instructions=289"),
            Some(Ok(measured("getpid", 0, None, 289)))
        );
    }

    #[test]
    fn reads_the_kernel_header_and_errors() {
        assert_eq!(
            parse("bench: pan_mode=forced-software uao_scope=hardware"),
            Some(Ok(BenchLine::KernelModes {
                pan_mode: "forced-software".to_owned(),
                uao_scope: "hardware".to_owned()
            }))
        );
        assert_eq!(
            parse("bench error: execve: ENOENT"),
            Some(Ok(BenchLine::Error("execve: ENOENT".to_owned())))
        );
        assert_eq!(parse("bench: done, 0 failed"), None);
    }

    #[test]
    fn other_lines_are_not_benchmark_lines_and_broken_ones_are_errors() {
        assert_eq!(parse("boot: board=virt cpu=cortex-a76"), None);
        assert_eq!(parse("[    1.448920] reboot: Power down"), None);
        assert_eq!(parse("benchmarks follow"), None);
        for broken in [
            "bench memcpy size=8 align=x instructions=45",
            "bench memcpy size=8 instructions=",
            "bench memcpy size=eight instructions=45",
            "bench memcpy",
        ] {
            let error = parse(broken).unwrap().unwrap_err();
            assert!(error.contains(broken), "{error}");
        }
    }

    #[test]
    fn keys_print_as_the_benchmarks_do() {
        let key = Key::new("memcpy", 64, Some(Alignment::Misaligned));
        assert_eq!(key.to_string(), "memcpy size=64 align=m");
        assert_eq!(Key::new("execve", 0, None).to_string(), "execve size=0");
    }
}
