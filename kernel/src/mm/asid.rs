//! Address-space identifiers: which ASIDs are in use. ASID 0 is reserved for the kernel's
//! empty TTBR0 (software PAN), so user address spaces get 1 and up.

/// Words for the largest ASID space (16 bits).
const WORDS: usize = (1 << 16) / 64;

pub struct AsidAllocator {
    used: [u64; WORDS],
    /// Number of ASIDs the CPU supports (256 or 65536).
    count: usize,
    next: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfAsids;

impl AsidAllocator {
    pub const fn new() -> Self {
        Self {
            used: [0; WORDS],
            count: 0,
            next: 1,
        }
    }

    /// Sets the CPU's ASID width and marks ASID 0 reserved.
    pub fn init(&mut self, asid_bits: u32) {
        self.count = 1 << asid_bits;
        self.used[0] |= 1;
    }

    pub fn allocate(&mut self) -> Result<u16, OutOfAsids> {
        for step in 0..self.count {
            let asid = (self.next + step) % self.count;
            let (word, bit) = (asid / 64, 1u64 << (asid % 64));
            if self.used[word] & bit == 0 {
                self.used[word] |= bit;
                self.next = asid + 1;
                return Ok(asid as u16);
            }
        }
        Err(OutOfAsids)
    }

    pub fn free(&mut self, asid: u16) {
        let asid = usize::from(asid);
        debug_assert!(asid != 0, "ASID 0 is reserved");
        self.used[asid / 64] &= !(1 << (asid % 64));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_hands_out_zero_and_reuses_freed_asids() {
        let mut asids = AsidAllocator::new();
        asids.init(8);
        let all: Vec<u16> = (0..255).map(|_| asids.allocate().unwrap()).collect();
        assert!(!all.contains(&0));
        assert_eq!(
            all.iter()
                .copied()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            255
        );
        assert_eq!(asids.allocate(), Err(OutOfAsids));
        asids.free(77);
        assert_eq!(asids.allocate(), Ok(77));
    }

    #[test]
    fn sixteen_bit_space() {
        let mut asids = AsidAllocator::new();
        asids.init(16);
        for _ in 0..65535 {
            asids.allocate().unwrap();
        }
        assert_eq!(asids.allocate(), Err(OutOfAsids));
    }
}
