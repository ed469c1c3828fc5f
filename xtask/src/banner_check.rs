//! Whether the kernel's boot banner says what its configuration expects, one mismatch at a time.

use crate::protocol::Banner;

/// A `key=value` word the banner must contain, with exactly this value.
pub type ExpectedWord = (&'static str, &'static str);

/// Where the upper half starts with 48-bit VAs: the kernel runs from TTBR1 (ARCHITECTURE.md,
/// section 3), so its text lies at or above this on every configuration.
const UPPER_HALF_START: u64 = 0xffff_0000_0000_0000;

/// Every way `banner` differs from `expected` and from a kernel linked in the upper half.
pub fn banner_mismatches(banner: &Banner, expected: &[ExpectedWord]) -> Vec<String> {
    let mut mismatches: Vec<String> = expected
        .iter()
        .filter_map(|&(key, value)| match banner.value(key) {
            Some(found) if found == value => None,
            Some(found) => Some(format!("{key}={found}, expected {value}")),
            None => Some(format!("no {key}=, expected {value}")),
        })
        .collect();
    mismatches.extend(kernel_va_mismatch(banner.value("kernel_va")));
    mismatches
}

fn kernel_va_mismatch(kernel_va: Option<&str>) -> Option<String> {
    let Some(text) = kernel_va else {
        return Some("no kernel_va=".to_owned());
    };
    let address = text
        .strip_prefix("0x")
        .and_then(|hex| u64::from_str_radix(hex, 16).ok());
    match address {
        Some(address) if address >= UPPER_HALF_START => None,
        Some(_) => Some(format!(
            "kernel_va={text} is below the upper half ({UPPER_HALF_START:#x})"
        )),
        None => Some(format!("kernel_va={text} is not a hex address")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{self, ConsoleLine};

    const EXPECTED: [ExpectedWord; 3] = [("board", "virt"), ("cpu", "cortex-a76"), ("el", "1")];

    fn mismatches(line: &str) -> Vec<String> {
        let ConsoleLine::Banner(banner) = protocol::parse_line(line) else {
            panic!("not a banner: {line}");
        };
        banner_mismatches(&banner, &EXPECTED)
    }

    #[test]
    fn a_banner_as_expected_has_no_mismatch() {
        assert_eq!(
            mismatches("boot: board=virt cpu=cortex-a76 el=1 kernel_va=0xffff000040080000"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn lists_each_wrong_or_missing_word() {
        assert_eq!(
            mismatches("boot: board=rpi3 cpu=cortex-a76 kernel_va=0xffff000000080000"),
            ["board=rpi3, expected virt", "no el=, expected 1"]
        );
    }

    #[test]
    fn kernel_va_must_be_a_hex_upper_half_address() {
        let words = "boot: board=virt cpu=cortex-a76 el=1";
        assert_eq!(
            mismatches(&format!("{words} kernel_va=0x40080000")),
            ["kernel_va=0x40080000 is below the upper half (0xffff000000000000)"]
        );
        assert_eq!(
            mismatches(&format!("{words} kernel_va=ffff000040080000")),
            ["kernel_va=ffff000040080000 is not a hex address"]
        );
        assert_eq!(mismatches(words), ["no kernel_va="]);
    }
}
