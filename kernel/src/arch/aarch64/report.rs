//! The oops report: what an unexpected exception looks like on the console.
//!
//! The xtask symbolizes the `  #<n> 0x<address>` backtrace lines from the kernel ELF.

use super::esr::{self, Abort};
use super::trap_frame::TrapFrame;
use core::fmt::{self, Write};

/// Writes the full report: headline, exception, fault, registers and backtrace.
pub fn write_report(
    out: &mut impl Write,
    headline: fmt::Arguments<'_>,
    frame: &TrapFrame,
    backtrace: impl Iterator<Item = u64>,
) -> fmt::Result {
    writeln!(out, "oops: {headline}")?;
    let class = esr::exception_class(frame.esr);
    writeln!(
        out,
        "  exception: {} (EC {class:#04x}, ESR {:#010x})",
        esr::class_name(class),
        frame.esr
    )?;
    if let Some(abort) = Abort::decode(frame.esr) {
        writeln!(
            out,
            "  fault: {} on {} (status {:#04x})",
            abort.kind,
            abort.access_name(),
            frame.esr & 0x3f
        )?;
        writeln!(out, "  far:  {:#018x}", frame.far)?;
    }
    writeln!(out, "  elr:  {:#018x}", frame.elr)?;
    writeln!(out, "  spsr: {:#018x}", frame.spsr)?;
    write_registers(out, frame)?;
    write_backtrace(out, backtrace)
}

fn write_registers(out: &mut impl Write, frame: &TrapFrame) -> fmt::Result {
    for (n, value) in frame.x.iter().enumerate() {
        let separator = if n % 4 == 3 { "\n" } else { "  " };
        write!(out, "  x{n:<5} {value:#018x}{separator}")?;
    }
    writeln!(out, "  sp_el0 {:#018x}", frame.sp_el0)
}

/// Writes `backtrace:` and one `  #<n> 0x<address>` line per frame.
pub fn write_backtrace(out: &mut impl Write, frames: impl Iterator<Item = u64>) -> fmt::Result {
    writeln!(out, "backtrace:")?;
    for (n, pc) in frames.enumerate() {
        writeln!(out, "  #{n} {pc:#018x}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_frame() -> TrapFrame {
        let mut frame = TrapFrame {
            esr: 0x9600_004f,
            far: 0xffff_0000_0008_1000,
            elr: 0xffff_0000_0008_2468,
            spsr: 0x3c5,
            ..TrapFrame::default()
        };
        frame.x[29] = 0x1234;
        frame
    }

    fn report_of(frame: &TrapFrame) -> String {
        let mut out = String::new();
        write_report(
            &mut out,
            format_args!("unexpected exception"),
            frame,
            [0xffff_0000_0008_2468, 0xffff_0000_0008_3000].into_iter(),
        )
        .unwrap();
        out
    }

    #[test]
    fn names_the_class_the_fault_and_the_addresses() {
        let report = report_of(&sample_frame());
        assert!(report.starts_with("oops: unexpected exception\n"));
        assert!(report.contains("Data Abort taken without a change in Exception level"));
        assert!(report.contains("fault: permission fault, level 3 on write"));
        assert!(report.contains("far:  0xffff000000081000"));
        assert!(report.contains("elr:  0xffff000000082468"));
        assert!(report.contains("x29    0x0000000000001234"));
        assert!(report.contains("sp_el0 0x0000000000000000"));
    }

    #[test]
    fn backtrace_lines_have_the_symbolizer_format() {
        let report = report_of(&sample_frame());
        let frames: Vec<&str> = report.lines().filter(|l| l.starts_with("  #")).collect();
        assert_eq!(
            frames,
            ["  #0 0xffff000000082468", "  #1 0xffff000000083000"]
        );
    }

    #[test]
    fn non_aborts_have_no_fault_line() {
        let frame = TrapFrame {
            esr: 0xf200_0000,
            ..sample_frame()
        };
        let report = report_of(&frame);
        assert!(report.contains("BRK instruction"));
        assert!(!report.contains("fault:"));
    }

    #[test]
    fn all_registers_are_printed_four_per_line() {
        let report = report_of(&sample_frame());
        let register_lines = report.lines().filter(|l| l.starts_with("  x")).count();
        assert_eq!(register_lines, 8);
        assert!(report.contains("x30"));
    }
}
