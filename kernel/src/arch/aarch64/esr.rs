//! Decoding of ESR_EL1 (Arm ARM D24.2.41): exception classes and fault status codes by name.

/// The exception class field, ESR_EL1[31:26].
pub fn exception_class(esr: u64) -> u8 {
    ((esr >> 26) & 0x3f) as u8
}

/// Exception classes the kernel acts on.
pub mod class {
    pub const SVC64: u8 = 0x15;
    pub const INSTRUCTION_ABORT_LOWER: u8 = 0x20;
    pub const INSTRUCTION_ABORT_SAME: u8 = 0x21;
    pub const DATA_ABORT_LOWER: u8 = 0x24;
    pub const DATA_ABORT_SAME: u8 = 0x25;
    pub const PC_ALIGNMENT: u8 = 0x22;
    pub const SP_ALIGNMENT: u8 = 0x26;
}

/// The architectural name of an exception class.
pub fn class_name(class: u8) -> &'static str {
    match class {
        0x00 => "Unknown reason (undefined instruction)",
        0x01 => "Trapped WFI or WFE",
        0x07 => "Access to SVE, Advanced SIMD or floating-point trapped",
        0x0e => "Illegal Execution state",
        0x15 => "SVC instruction execution in AArch64 state",
        0x18 => "Trapped MSR, MRS or system instruction",
        0x20 => "Instruction Abort from a lower Exception level",
        0x21 => "Instruction Abort taken without a change in Exception level",
        0x22 => "PC alignment fault",
        0x24 => "Data Abort from a lower Exception level",
        0x25 => "Data Abort taken without a change in Exception level",
        0x26 => "SP alignment fault",
        0x2f => "SError interrupt",
        0x30 => "Breakpoint from a lower Exception level",
        0x31 => "Breakpoint taken without a change in Exception level",
        0x32 => "Software Step from a lower Exception level",
        0x33 => "Software Step taken without a change in Exception level",
        0x34 => "Watchpoint from a lower Exception level",
        0x35 => "Watchpoint taken without a change in Exception level",
        0x3c => "BRK instruction execution in AArch64 state",
        _ => "Reserved or unhandled exception class",
    }
}

/// Whether the class is an instruction or data abort, whose ISS holds a fault status code.
pub fn is_abort(class: u8) -> bool {
    matches!(
        class,
        class::INSTRUCTION_ABORT_LOWER
            | class::INSTRUCTION_ABORT_SAME
            | class::DATA_ABORT_LOWER
            | class::DATA_ABORT_SAME
    )
}

/// The kind of an abort, from its fault status code (IFSC/DFSC, ISS[5:0]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    AddressSize(u8),
    Translation(u8),
    AccessFlag(u8),
    Permission(u8),
    SynchronousExternal,
    Alignment,
    TlbConflict,
    Other(u8),
}

impl FaultKind {
    pub fn from_status(status: u8) -> Self {
        let level = status & 0b11;
        match status & 0x3f {
            0x00..=0x03 => Self::AddressSize(level),
            0x04..=0x07 => Self::Translation(level),
            0x08..=0x0b => Self::AccessFlag(level),
            0x0c..=0x0f => Self::Permission(level),
            0x10 => Self::SynchronousExternal,
            0x21 => Self::Alignment,
            0x30 => Self::TlbConflict,
            other => Self::Other(other),
        }
    }
}

impl core::fmt::Display for FaultKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::AddressSize(level) => write!(f, "address size fault, level {level}"),
            Self::Translation(level) => write!(f, "translation fault, level {level}"),
            Self::AccessFlag(level) => write!(f, "access flag fault, level {level}"),
            Self::Permission(level) => write!(f, "permission fault, level {level}"),
            Self::SynchronousExternal => f.write_str("synchronous external abort"),
            Self::Alignment => f.write_str("alignment fault"),
            Self::TlbConflict => f.write_str("TLB conflict abort"),
            Self::Other(status) => write!(f, "fault status {status:#04x}"),
        }
    }
}

/// A decoded instruction or data abort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Abort {
    pub kind: FaultKind,
    /// The access was a write (data aborts only; WnR, ISS[6]).
    pub write: bool,
    /// The abort was an instruction fetch.
    pub instruction_fetch: bool,
}

impl Abort {
    /// Decodes `esr` if it describes an abort.
    pub fn decode(esr: u64) -> Option<Self> {
        let class = exception_class(esr);
        if !is_abort(class) {
            return None;
        }
        let instruction_fetch = matches!(
            class,
            class::INSTRUCTION_ABORT_LOWER | class::INSTRUCTION_ABORT_SAME
        );
        Some(Self {
            kind: FaultKind::from_status((esr & 0x3f) as u8),
            write: !instruction_fetch && esr & (1 << 6) != 0,
            instruction_fetch,
        })
    }

    /// "read", "write" or "instruction fetch".
    pub fn access_name(&self) -> &'static str {
        match (self.instruction_fetch, self.write) {
            (true, _) => "instruction fetch",
            (false, true) => "write",
            (false, false) => "read",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_abort_write_permission_level_3() {
        let abort = Abort::decode(0x9600_004f).expect("a data abort");
        assert_eq!(abort.kind, FaultKind::Permission(3));
        assert!(abort.write);
        assert_eq!(abort.kind.to_string(), "permission fault, level 3");
        assert_eq!(
            class_name(exception_class(0x9600_004f)),
            "Data Abort taken without a change in Exception level"
        );
    }

    #[test]
    fn instruction_abort_is_a_fetch_not_a_write() {
        // EC 0x21, IFSC 0x0f; bit 6 is not WnR for instruction aborts.
        let abort = Abort::decode(0x8600_004f).expect("an instruction abort");
        assert!(abort.instruction_fetch);
        assert!(!abort.write);
        assert_eq!(abort.access_name(), "instruction fetch");
    }

    #[test]
    fn translation_fault_levels() {
        for level in 0..4u8 {
            assert_eq!(
                FaultKind::from_status(0x04 | level),
                FaultKind::Translation(level)
            );
        }
    }

    #[test]
    fn non_aborts_do_not_decode() {
        assert_eq!(Abort::decode(0x5600_0000), None); // SVC
        assert_eq!(exception_class(0xf200_0000), 0x3c); // BRK
    }
}
