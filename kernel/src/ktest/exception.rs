//! Tests of the oops report as the console shows it.

use super::{OrFail, check, ktest};
use crate::arch::aarch64::report;
use crate::arch::aarch64::trap_frame::TrapFrame;
use alloc::string::String;

ktest!(
    "exception",
    fn report_names_class_fault_registers_and_frames() {
        let frame = TrapFrame {
            esr: 0x9600_004f,
            far: 0xffff_0000_0008_0000,
            elr: 0xffff_0000_0008_1234,
            ..TrapFrame::default()
        };
        let mut text = String::new();
        report::write_report(
            &mut text,
            format_args!("test"),
            &frame,
            [frame.elr, 0xffff_0000_0008_2000].into_iter(),
        )
        .or_fail("format the report")?;
        for expected in [
            "oops: test\n",
            "Data Abort taken without a change in Exception level",
            "permission fault, level 3 on write",
            "far:  0xffff000000080000",
            "elr:  0xffff000000081234",
            "x30 ",
            "backtrace:\n  #0 0xffff000000081234\n  #1 0xffff000000082000\n",
        ] {
            check!(
                text.contains(expected),
                "report lacks {expected:?}:\n{text}"
            );
        }
        Ok(())
    }
);
