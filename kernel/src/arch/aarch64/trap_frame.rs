//! The register frame saved on every exception entry (layout shared with vectors.s).

/// Which of the sixteen vectors was taken: source (EL and stack) times type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VectorKind(pub u64);

/// Exception type within a vector group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExceptionType {
    Synchronous,
    Irq,
    Fiq,
    SError,
}

/// Where the exception came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExceptionSource {
    /// EL1 while using SP_EL0 (the kernel never runs like this).
    CurrentElSp0,
    /// EL1 on its own stack: the kernel itself.
    CurrentElSpx,
    /// EL0 in AArch64 state.
    LowerElAarch64,
    /// EL0 in AArch32 state (never allowed).
    LowerElAarch32,
}

impl VectorKind {
    /// Not a vector: the EL1 vectors found the kernel stack overflowed (vectors.s).
    pub const STACK_OVERFLOW: Self = Self(16);
    /// A synchronous exception from EL0 in AArch64 state: a system call or a fault.
    pub const USER_SYNCHRONOUS: Self = Self(8);

    pub fn source(self) -> ExceptionSource {
        match self.0 / 4 {
            0 => ExceptionSource::CurrentElSp0,
            1 => ExceptionSource::CurrentElSpx,
            2 => ExceptionSource::LowerElAarch64,
            _ => ExceptionSource::LowerElAarch32,
        }
    }

    pub fn exception_type(self) -> ExceptionType {
        match self.0 % 4 {
            0 => ExceptionType::Synchronous,
            1 => ExceptionType::Irq,
            2 => ExceptionType::Fiq,
            _ => ExceptionType::SError,
        }
    }
}

/// General-purpose and exception registers at the moment of the exception.
#[repr(C)]
#[derive(Clone, Debug, Default)]
pub struct TrapFrame {
    /// x0 to x30.
    pub x: [u64; 31],
    pub sp_el0: u64,
    pub elr: u64,
    pub spsr: u64,
    pub esr: u64,
    pub far: u64,
    /// {x29, elr}: makes the exception look like a call for frame-pointer unwinding.
    pub frame_record: [u64; 2],
}

impl TrapFrame {
    /// The frame pointer (x29) of the interrupted code.
    pub fn fp(&self) -> u64 {
        self.x[29]
    }

    /// The link register (x30) of the interrupted code.
    pub fn lr(&self) -> u64 {
        self.x[30]
    }
}

const _: () = assert!(core::mem::size_of::<TrapFrame>() == 304);
const _: () = assert!(core::mem::offset_of!(TrapFrame, frame_record) == 288);
