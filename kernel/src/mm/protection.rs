//! What a user memory region allows (AArch64 has no write-only or execute-only user pages,
//! so write and execute imply read).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Protection {
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

impl Protection {
    #[cfg(any(test, feature = "ktest"))]
    pub const READ_ONLY: Self = Self::new(true, false, false);
    pub const READ_WRITE: Self = Self::new(true, true, false);
    #[cfg(any(test, feature = "ktest"))]
    pub const READ_EXECUTE: Self = Self::new(true, false, true);

    pub const fn new(read: bool, write: bool, execute: bool) -> Self {
        Self {
            read: read || write || execute,
            write,
            execute,
        }
    }

    /// From mmap/mprotect's PROT_READ (1), PROT_WRITE (2) and PROT_EXEC (4) bits.
    pub const fn from_prot(prot: usize) -> Self {
        Self::new(prot & 1 != 0, prot & 2 != 0, prot & 4 != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::Protection;

    #[test]
    fn prot_bits_and_implied_read() {
        assert_eq!(
            Protection::from_prot(0),
            Protection::new(false, false, false)
        );
        assert_eq!(Protection::from_prot(3), Protection::READ_WRITE);
        assert_eq!(
            Protection::from_prot(2),
            Protection::READ_WRITE,
            "write implies read"
        );
        assert_eq!(Protection::from_prot(5), Protection::READ_EXECUTE);
        assert!(!Protection::from_prot(0).read);
    }
}
