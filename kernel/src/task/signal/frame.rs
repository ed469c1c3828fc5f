//! The signal frame, Linux arm64's `struct rt_sigframe`: pushed on the user stack with
//! copy_to_user before a handler runs, read back with copy_from_user by rt_sigreturn.
//!
//! ```text
//!            frame record {x29, x30}  <- the handler's x29 (unwinders walk through it)
//! sp+128 ->  ucontext: flags, link, uc_stack, uc_sigmask, mcontext (registers, pstate,
//!            then records: the FP/SIMD registers and a terminator)
//! sp     ->  siginfo                  <- the handler's x1; x2 points at the ucontext
//! ```

use super::alternate_stack::{self, AlternateStack, STACK_T_SIZE};
use super::{Action, SIGBUS, SIGILL, SIGSEGV, SignalInfo, SignalSet, code, flags};
use crate::arch::aarch64::context::FpRegisters;
use crate::arch::aarch64::trap_frame::TrapFrame;
use crate::task::exec::SIGNAL_RETURN_PAGE;
use crate::uaccess::{UserPtr, copy_from_user, copy_to_user};
use alloc::vec;
use alloc::vec::Vec;

/// Offsets in the frame, from Linux's arch/arm64/include/uapi/asm/{sigcontext,ucontext}.h.
mod layout {
    pub const SIGINFO: usize = 0;
    pub const UCONTEXT: usize = 128;
    pub const UC_STACK: usize = UCONTEXT + 16;
    pub const UC_SIGMASK: usize = UCONTEXT + 40;
    /// `uc_mcontext`, after the sigmask padded to 128 bytes and aligned to 16.
    pub const MCONTEXT: usize = UCONTEXT + 176;
    pub const FAULT_ADDRESS: usize = MCONTEXT;
    pub const REGS: usize = MCONTEXT + 8;
    pub const SP: usize = REGS + 31 * 8;
    pub const PC: usize = SP + 8;
    pub const PSTATE: usize = PC + 8;
    /// `__reserved[4096]`: a list of {magic, size} records ending in a zero one.
    pub const RECORDS: usize = MCONTEXT + 288;
    pub const RECORDS_SIZE: usize = 4096;
    pub const SIZE: usize = RECORDS + RECORDS_SIZE;
    /// `struct fpsimd_context`: header, fpsr, fpcr, then v0-v31.
    pub const FPSIMD_MAGIC: u32 = 0x4650_8001;
    pub const FPSIMD_SIZE: usize = 528;
    /// `struct esr_context`, which Linux adds for faults; skipped when read back.
    pub const ESR_MAGIC: u32 = 0x4553_5201;
    /// The frame record above the frame: {x29, x30}.
    pub const RECORD_SIZE: usize = 16;
}

const _: () = assert!(layout::SIZE == 4688 && layout::SIZE.is_multiple_of(16));
const _: () = assert!(layout::MCONTEXT == (layout::UC_SIGMASK + 128).next_multiple_of(16));

/// PSTATE bits a frame may hand back: the condition flags. Anything else (another exception
/// level, masked interrupts, AArch32) would be a way out of user mode.
const PSTATE_FLAGS: u64 = 0xf000_0000;
const PSTATE_PRIVILEGED: u64 = 0x0000_03df;

/// What a handler returns to when the program gives no SA_RESTORER: `mov x8, #139; svc #0`
/// (rt_sigreturn), at the start of the page exec.rs maps at [`SIGNAL_RETURN_PAGE`].
pub const RETURN_TRAMPOLINE_CODE: [u32; 2] = [0xd280_1168, 0xd400_0001];

/// Bytes of a `siginfo_t`.
pub const SIGINFO_SIZE: usize = 128;

/// The frame being filled in, in kernel memory, to be copied out in one go.
struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, offset: usize, value: u32) {
        self.0[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
    }

    fn u64(&mut self, offset: usize, value: u64) {
        self.0[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
    }

    fn bytes(&mut self, offset: usize, bytes: &[u8]) {
        self.0[offset..offset + bytes.len()].copy_from_slice(bytes);
    }
}

fn read_u32(bytes: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes(bytes[offset..offset + 4].try_into().expect("4 bytes"))
}

fn read_u64(bytes: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(bytes[offset..offset + 8].try_into().expect("8 bytes"))
}

/// `siginfo_t` for `signal`: the union's fields where Linux puts them for the code.
pub fn siginfo(signal: u8, info: &SignalInfo) -> [u8; SIGINFO_SIZE] {
    let mut bytes = [0u8; SIGINFO_SIZE];
    let mut put = |offset: usize, field: &[u8]| {
        bytes[offset..offset + field.len()].copy_from_slice(field);
    };
    put(0, &u32::from(signal).to_le_bytes());
    put(8, &info.code.to_le_bytes());
    if matches!(signal, SIGSEGV | SIGBUS | SIGILL) && info.code > 0 {
        put(16, &info.address.to_le_bytes());
    } else {
        put(16, &info.pid.to_le_bytes());
        if matches!(info.code, code::CLD_EXITED | code::CLD_KILLED) {
            put(24, &info.status.to_le_bytes());
        }
    }
    bytes
}

/// What a pushed frame needs beyond the registers.
pub struct Delivery<'a> {
    pub signal: u8,
    pub info: &'a SignalInfo,
    pub action: &'a Action,
    /// The mask rt_sigreturn puts back.
    pub mask: SignalSet,
    pub alternate_stack: Option<AlternateStack>,
}

/// Pushes a frame for `delivery` and points the registers at its handler `handler`: x0 the
/// signal, x1 the siginfo, x2 the ucontext, x30 the return path. Fails (and changes
/// nothing) if the frame cannot be written: the stack is bad.
pub fn push(frame: &mut TrapFrame, handler: usize, delivery: &Delivery) -> Result<(), ()> {
    let sp = frame.sp_el0 as usize;
    let top = match delivery.alternate_stack {
        Some(stack) if delivery.action.flags & flags::ONSTACK != 0 && !stack.contains(sp) => {
            stack.top()
        }
        _ => sp,
    };
    let record = top.checked_sub(layout::RECORD_SIZE).ok_or(())? & !15;
    let base = record.checked_sub(layout::SIZE).ok_or(())?;

    let mut writer = Writer(vec![0; layout::SIZE]);
    writer.bytes(layout::SIGINFO, &siginfo(delivery.signal, delivery.info));
    writer.bytes(
        layout::UC_STACK,
        &alternate_stack::encode(delivery.alternate_stack, sp),
    );
    writer.u64(layout::UC_SIGMASK, delivery.mask.0);
    writer.u64(layout::FAULT_ADDRESS, delivery.info.address);
    for (index, value) in frame.x.iter().enumerate() {
        writer.u64(layout::REGS + 8 * index, *value);
    }
    writer.u64(layout::SP, frame.sp_el0);
    writer.u64(layout::PC, frame.elr);
    writer.u64(layout::PSTATE, frame.spsr);
    let fp = FpRegisters::live();
    writer.u32(layout::RECORDS, layout::FPSIMD_MAGIC);
    writer.u32(layout::RECORDS + 4, layout::FPSIMD_SIZE as u32);
    writer.u32(layout::RECORDS + 8, fp.fpsr as u32);
    writer.u32(layout::RECORDS + 12, fp.fpcr as u32);
    for (index, vector) in fp.vectors.iter().enumerate() {
        writer.bytes(layout::RECORDS + 16 + 16 * index, &vector.to_le_bytes());
    }
    // The zero terminator follows: the buffer is zeroed.

    let mut frame_record = [0u8; layout::RECORD_SIZE];
    frame_record[..8].copy_from_slice(&frame.x[29].to_le_bytes());
    frame_record[8..].copy_from_slice(&frame.x[30].to_le_bytes());
    if copy_to_user(UserPtr::new(record), &frame_record) != 0
        || copy_to_user(UserPtr::new(base), &writer.0) != 0
    {
        return Err(());
    }

    let restorer = if delivery.action.flags & flags::RESTORER != 0 {
        delivery.action.restorer
    } else {
        SIGNAL_RETURN_PAGE
    };
    frame.x[0] = u64::from(delivery.signal);
    frame.x[1] = (base + layout::SIGINFO) as u64;
    frame.x[2] = (base + layout::UCONTEXT) as u64;
    frame.x[29] = record as u64;
    frame.x[30] = restorer as u64;
    frame.sp_el0 = base as u64;
    frame.elr = handler as u64;
    Ok(())
}

/// What rt_sigreturn restores besides the registers.
pub struct Restored {
    pub mask: SignalSet,
    pub alternate_stack: [u8; STACK_T_SIZE],
}

/// Reads the frame at the user stack pointer back into the registers (rt_sigreturn). Fails,
/// changing nothing, if the frame cannot be read or would not return to user mode.
pub fn pop(frame: &mut TrapFrame) -> Result<Restored, ()> {
    let base = frame.sp_el0 as usize;
    if !base.is_multiple_of(16) {
        return Err(());
    }
    let mut bytes = vec![0u8; layout::SIZE];
    let from = layout::UCONTEXT;
    if copy_from_user(&mut bytes[from..], UserPtr::new(base + from)) != 0 {
        return Err(());
    }
    let pstate = read_u64(&bytes, layout::PSTATE);
    if pstate & PSTATE_PRIVILEGED != 0 {
        return Err(());
    }
    let fp = read_fp_record(&bytes).ok_or(())?;

    for (index, value) in frame.x.iter_mut().enumerate() {
        *value = read_u64(&bytes, layout::REGS + 8 * index);
    }
    frame.sp_el0 = read_u64(&bytes, layout::SP);
    frame.elr = read_u64(&bytes, layout::PC);
    frame.spsr = pstate & PSTATE_FLAGS;
    fp.make_live();
    Ok(Restored {
        mask: SignalSet(read_u64(&bytes, layout::UC_SIGMASK)),
        alternate_stack: bytes[layout::UC_STACK..layout::UC_STACK + STACK_T_SIZE]
            .try_into()
            .expect("a stack_t"),
    })
}

/// The FP/SIMD registers from the frame's record list, which must hold them and end well.
fn read_fp_record(bytes: &[u8]) -> Option<FpRegisters> {
    let mut fp = None;
    let mut offset = layout::RECORDS;
    let end = layout::RECORDS + layout::RECORDS_SIZE;
    while offset + 8 <= end {
        let magic = read_u32(bytes, offset);
        let size = read_u32(bytes, offset + 4) as usize;
        match (magic, size) {
            (0, 0) => return fp,
            (layout::FPSIMD_MAGIC, layout::FPSIMD_SIZE) if fp.is_none() => {
                let mut registers = FpRegisters {
                    fpsr: u64::from(read_u32(bytes, offset + 8)),
                    fpcr: u64::from(read_u32(bytes, offset + 12)),
                    ..FpRegisters::default()
                };
                for (index, vector) in registers.vectors.iter_mut().enumerate() {
                    let at = offset + 16 + 16 * index;
                    *vector = u128::from_le_bytes(bytes[at..at + 16].try_into().ok()?);
                }
                fp = Some(registers);
            }
            (layout::ESR_MAGIC, 16) => {}
            _ => return None,
        }
        offset += size;
    }
    None
}
