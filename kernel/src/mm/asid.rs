//! Address-space identifiers, handed out by generation. ASID 0 is reserved for the kernel's
//! empty TTBR0 (software PAN), so user address spaces get 1 and up.
//!
//! When every ASID of a generation is taken, a new generation starts: all ASIDs become
//! free, every TLB entry must be flushed, and each address space gets a fresh ASID the next
//! time it is installed (one still holding an old-generation ASID is simply stale).

/// Words for the largest ASID space (16 bits).
const WORDS: usize = (1 << 16) / 64;

/// An ASID and the generation it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Asid {
    pub generation: u64,
    pub number: u16,
}

pub struct AsidAllocator {
    used: [u64; WORDS],
    /// Number of ASIDs in use by this allocator (the CPU's 256 or 65536, or fewer).
    count: usize,
    next: usize,
    generation: u64,
}

impl AsidAllocator {
    pub const fn new() -> Self {
        Self {
            used: [0; WORDS],
            count: 0,
            next: 1,
            generation: 1,
        }
    }

    /// Sets how many ASIDs to use (at most the CPU's 2^asid_bits), reserves ASID 0 and
    /// starts a new generation (the caller flushes the TLB).
    pub fn init(&mut self, count: usize) {
        assert!((3..=1 << 16).contains(&count), "at least two user ASIDs");
        self.used.fill(0);
        self.next = 1;
        self.generation += 1;
        self.count = count;
        self.used[0] |= 1;
    }

    /// Whether `asid` still belongs to the current generation.
    pub fn is_current(&self, asid: Asid) -> bool {
        asid.generation == self.generation
    }

    /// A free ASID; the flag is true when a new generation had to start, and then the
    /// caller must flush the whole TLB before using it.
    pub fn allocate(&mut self) -> (Asid, bool) {
        if let Some(number) = self.find_free() {
            return (self.take(number), false);
        }
        self.generation += 1;
        self.used.fill(0);
        self.used[0] |= 1;
        self.next = 1;
        let number = self.find_free().expect("a new generation has free ASIDs");
        (self.take(number), true)
    }

    fn find_free(&self) -> Option<usize> {
        (0..self.count)
            .map(|step| (self.next + step) % self.count)
            .find(|&asid| self.used[asid / 64] & (1 << (asid % 64)) == 0)
    }

    fn take(&mut self, number: usize) -> Asid {
        self.used[number / 64] |= 1 << (number % 64);
        self.next = number + 1;
        Asid {
            generation: self.generation,
            number: number as u16,
        }
    }

    /// Returns `asid`; one from an earlier generation is already free.
    pub fn free(&mut self, asid: Asid) {
        if self.is_current(asid) {
            let number = usize::from(asid.number);
            self.used[number / 64] &= !(1 << (number % 64));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_hands_out_zero_and_reuses_freed_asids() {
        let mut asids = AsidAllocator::new();
        asids.init(256);
        let all: Vec<Asid> = (0..255).map(|_| asids.allocate().0).collect();
        assert!(all.iter().all(|a| a.number != 0 && asids.is_current(*a)));
        let mut numbers: Vec<u16> = all.iter().map(|a| a.number).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), 255);
        asids.free(all[76]);
        assert_eq!(asids.allocate(), (all[76], false));
    }

    #[test]
    fn exhaustion_starts_a_new_generation() {
        let mut asids = AsidAllocator::new();
        asids.init(4);
        let first: Vec<Asid> = (0..3).map(|_| asids.allocate().0).collect();
        let (next, rolled_over) = asids.allocate();
        assert!(rolled_over);
        assert_eq!(next.generation, first[0].generation + 1);
        assert_ne!(next.number, 0);
        assert!(first.iter().all(|a| !asids.is_current(*a)));
        asids.free(first[0]);
        let (after, rolled_over) = asids.allocate();
        assert!(
            !rolled_over,
            "freeing a stale ASID must not free its number again"
        );
        assert_ne!(after.number, next.number);
    }

    #[test]
    fn sixteen_bit_space() {
        let mut asids = AsidAllocator::new();
        asids.init(1 << 16);
        for _ in 0..65535 {
            assert!(!asids.allocate().1);
        }
        assert!(asids.allocate().1);
    }
}
