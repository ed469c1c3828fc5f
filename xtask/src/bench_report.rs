//! The results of `cargo xtask bench`, with what each measurement is compared with, as tables
//! for the terminal (Markdown, so they paste into docs/performance.md) and as JSON.

use serde_json::{Value, json};

use crate::bench_catalogue;
use crate::bench_lines::{Key, Measurement};
use crate::icount::ICOUNT;

/// Everything one `cargo xtask bench` measured.
pub struct Report {
    /// The kernel's build profile: `release` or `debug`.
    pub profile: &'static str,
    pub machines: Vec<MachineResults>,
}

/// The measurements on one QEMU machine and CPU.
pub struct MachineResults {
    /// `rpi3/raspi3b`, `virt/cortex-a76`.
    pub name: String,
    /// The kernel's microbenchmarks, once per PAN mode.
    pub kernel: Vec<PanModeResults>,
    /// The user-space benchmark under this kernel.
    pub user: Vec<Measurement>,
    /// The same user-space benchmark under Linux on the same machine and CPU.
    pub linux: Option<LinuxResults>,
    /// Bytes of the kernel's raw image without the initramfs it carries.
    pub kernel_image_bytes: u64,
}

pub struct PanModeResults {
    pub pan_mode: String,
    /// How the kernel-pointer scope works: `hardware` (UAO) or `software` (plain loads).
    pub uao_scope: String,
    pub measurements: Vec<Measurement>,
}

pub struct LinuxResults {
    /// The Debian package and version the kernel came from.
    pub kernel: String,
    pub measurements: Vec<Measurement>,
}

/// One measurement with what follows from it.
struct Row<'a> {
    key: &'a Key,
    instructions: u64,
    per_byte: Option<f64>,
    compared_with: Option<Comparison>,
}

/// Another measurement of the same work: the kernel's plain routine, or Linux.
struct Comparison {
    name: String,
    instructions: u64,
}

impl Comparison {
    fn ratio(&self, instructions: u64) -> f64 {
        instructions as f64 / self.instructions.max(1) as f64
    }
}

impl<'a> Row<'a> {
    fn new(measurement: &'a Measurement, compared_with: Option<Comparison>) -> Self {
        let key = &measurement.key;
        Row {
            key,
            instructions: measurement.instructions,
            per_byte: bench_catalogue::has_cost_per_byte(key)
                .then(|| measurement.instructions as f64 / key.size as f64),
            compared_with,
        }
    }

    fn ratio(&self) -> Option<f64> {
        self.compared_with
            .as_ref()
            .map(|other| other.ratio(self.instructions))
    }
}

/// The microbenchmarks' rows, each uaccess routine compared with the plain routine of the same
/// size and alignment.
fn kernel_rows(measurements: &[Measurement]) -> Vec<Row<'_>> {
    measurements
        .iter()
        .map(|measurement| {
            let key = &measurement.key;
            let compared_with =
                bench_catalogue::plain_counterpart(&key.operation).and_then(|plain| {
                    let plain_key = Key::new(plain, key.size, key.alignment);
                    instructions_of(measurements, &plain_key).map(|instructions| Comparison {
                        name: plain.to_owned(),
                        instructions,
                    })
                });
            Row::new(measurement, compared_with)
        })
        .collect()
}

/// The user benchmark's rows, compared with Linux where it ran.
fn user_rows<'a>(machine: &'a MachineResults) -> Vec<Row<'a>> {
    machine
        .user
        .iter()
        .map(|measurement| {
            let compared_with = machine.linux.as_ref().and_then(|linux| {
                instructions_of(&linux.measurements, &measurement.key).map(|instructions| {
                    Comparison {
                        name: "Linux".to_owned(),
                        instructions,
                    }
                })
            });
            Row::new(measurement, compared_with)
        })
        .collect()
}

fn instructions_of(measurements: &[Measurement], key: &Key) -> Option<u64> {
    measurements
        .iter()
        .find(|measurement| &measurement.key == key)
        .map(|measurement| measurement.instructions)
}

impl Report {
    /// One table per machine and PAN mode for the kernel's microbenchmarks, then one per machine
    /// for the user-space benchmark.
    pub fn render(&self) -> String {
        let mut text = String::new();
        for machine in &self.machines {
            for mode in &machine.kernel {
                text += &format!(
                    "\n{}, kernel microbenchmarks, PAN {}, kernel-pointer scope {} \
                     ({} kernel; instructions per call):\n\n",
                    machine.name, mode.pan_mode, mode.uao_scope, self.profile
                );
                text += &kernel_table(&kernel_rows(&mode.measurements));
            }
            text += &format!(
                "\n{}, user-space benchmark /bin/bench ({} kernel; instructions per operation):\n",
                machine.name, self.profile
            );
            if let Some(linux) = &machine.linux {
                text += &format!("Linux: {}\n", linux.kernel);
            }
            text += "\n";
            text += &user_table(&user_rows(machine), machine.linux.is_some());
            text += &format!(
                "\n{}, {} kernel image without its initramfs: {} bytes ({} KiB)\n",
                machine.name,
                self.profile,
                machine.kernel_image_bytes,
                machine.kernel_image_bytes.div_ceil(1024)
            );
        }
        text
    }

    pub fn json(&self) -> Value {
        let machines: Vec<Value> = self
            .machines
            .iter()
            .map(|machine| {
                let kernel: Vec<Value> = machine
                    .kernel
                    .iter()
                    .map(|mode| {
                        json!({
                            "pan_mode": mode.pan_mode,
                            "uao_scope": mode.uao_scope,
                            "measurements": rows_json(&kernel_rows(&mode.measurements)),
                        })
                    })
                    .collect();
                json!({
                    "machine": machine.name,
                    "kernel_microbenchmarks": kernel,
                    "user_benchmark": rows_json(&user_rows(machine)),
                    "linux_kernel": machine.linux.as_ref().map(|linux| &linux.kernel),
                    "kernel_image_bytes": machine.kernel_image_bytes,
                })
            })
            .collect();
        json!({
            "profile": self.profile,
            "qemu_icount": ICOUNT,
            "unit": "instructions per operation",
            "machines": machines,
        })
    }
}

fn rows_json(rows: &[Row]) -> Value {
    rows.iter()
        .map(|row| {
            json!({
                "operation": row.key.operation,
                "size": row.key.size,
                "alignment": row.key.alignment.map(|alignment| alignment.name()),
                "instructions": row.instructions,
                "instructions_per_byte": row.per_byte,
                "compared_with": row.compared_with.as_ref().map(|other| json!({
                    "name": other.name,
                    "instructions": other.instructions,
                    "ratio": other.ratio(row.instructions),
                })),
            })
        })
        .collect()
}

fn kernel_table(rows: &[Row]) -> String {
    let cells = rows
        .iter()
        .map(|row| {
            vec![
                row.key.operation.clone(),
                row.key.size.to_string(),
                row.key
                    .alignment
                    .map_or("", |alignment| alignment.letter())
                    .to_owned(),
                row.instructions.to_string(),
                decimal_or_blank(row.per_byte),
                match (&row.compared_with, row.ratio()) {
                    (Some(other), Some(ratio)) => format!("{ratio:.2} x {}", other.name),
                    _ => String::new(),
                },
            ]
        })
        .collect();
    markdown_table(
        &[
            ("operation", Align::Left),
            ("size", Align::Right),
            ("align", Align::Left),
            ("instructions", Align::Right),
            ("per byte", Align::Right),
            ("ratio", Align::Right),
        ],
        cells,
    )
}

fn user_table(rows: &[Row], with_linux: bool) -> String {
    let mut columns = vec![
        ("operation", Align::Left),
        ("size", Align::Right),
        ("instructions", Align::Right),
        ("per byte", Align::Right),
    ];
    if with_linux {
        columns.extend([("Linux", Align::Right), ("ratio to Linux", Align::Right)]);
    }
    let cells = rows
        .iter()
        .map(|row| {
            let mut cells = vec![
                row.key.operation.clone(),
                row.key.size.to_string(),
                row.instructions.to_string(),
                decimal_or_blank(row.per_byte),
            ];
            if with_linux {
                cells.push(
                    row.compared_with
                        .as_ref()
                        .map_or(String::new(), |linux| linux.instructions.to_string()),
                );
                cells.push(decimal_or_blank(row.ratio()));
            }
            cells
        })
        .collect();
    markdown_table(&columns, cells)
}

/// Two decimals (four below 0.1, so that a small ratio does not show as 0), or nothing.
fn decimal_or_blank(value: Option<f64>) -> String {
    value.map_or(String::new(), |value| {
        if value < 0.1 {
            format!("{value:.4}")
        } else {
            format!("{value:.2}")
        }
    })
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

/// A Markdown table with its columns padded to line up on a terminal too.
fn markdown_table(columns: &[(&str, Align)], rows: Vec<Vec<String>>) -> String {
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(index, (title, _))| {
            rows.iter()
                .map(|row| row[index].len())
                .chain([title.len(), 3])
                .max()
                .unwrap_or_default()
        })
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(columns)
            .zip(&widths)
            .map(|((cell, (_, align)), &width)| match align {
                Align::Left => format!("{cell:<width$}"),
                Align::Right => format!("{cell:>width$}"),
            })
            .collect();
        format!("| {} |\n", padded.join(" | "))
    };
    let mut table = line(columns.iter().map(|(title, _)| title.to_string()).collect());
    let rules = columns
        .iter()
        .zip(&widths)
        .map(|((_, align), &width)| match align {
            Align::Left => "-".repeat(width),
            Align::Right => format!("{}:", "-".repeat(width - 1)),
        })
        .collect();
    table += &line(rules);
    for row in rows {
        table += &line(row);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_lines::Alignment;

    fn measured(operation: &str, size: u64, alignment: Option<Alignment>, n: u64) -> Measurement {
        Measurement {
            key: Key::new(operation, size, alignment),
            instructions: n,
        }
    }

    fn report() -> Report {
        let aligned = Some(Alignment::Aligned);
        Report {
            profile: "release",
            machines: vec![MachineResults {
                name: "virt/cortex-a76".to_owned(),
                kernel: vec![PanModeResults {
                    pan_mode: "hardware".to_owned(),
                    uao_scope: "hardware".to_owned(),
                    measurements: vec![
                        measured("memcpy", 4096, aligned, 2000),
                        measured("copy_from_user", 4096, aligned, 2100),
                        measured("get_user", 8, aligned, 12),
                    ],
                }],
                user: vec![
                    measured("getpid", 0, None, 300),
                    measured("read_dev_zero", 4096, None, 1600),
                ],
                linux: Some(LinuxResults {
                    kernel: "linux-image-6.12.117+deb12-arm64 6.12.117-1~deb12u1".to_owned(),
                    measurements: vec![measured("getpid", 0, None, 900)],
                }),
                kernel_image_bytes: 300_000,
            }],
        }
    }

    #[test]
    fn copies_are_compared_with_memcpy_and_user_benchmarks_with_linux() {
        let text = report().render();
        assert!(
            text.contains(
                "| copy_from_user | 4096 | a     |         2100 |     0.51 | 1.05 x memcpy |"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "| get_user       |    8 | a     |           12 |          |               |"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "| getpid        |    0 |          300 |          |   900 |           0.33 |"
            ),
            "{text}"
        );
        // Linux did not run this one: no ratio rather than a made-up one.
        assert!(
            text.contains(
                "| read_dev_zero | 4096 |         1600 |     0.39 |       |                |"
            ),
            "{text}"
        );
        assert!(
            text.contains("kernel image without its initramfs: 300000 bytes (293 KiB)"),
            "{text}"
        );
    }

    #[test]
    fn json_carries_the_same_numbers() {
        let json = report().json();
        let machine = &json["machines"][0];
        let copy = &machine["kernel_microbenchmarks"][0]["measurements"][1];
        assert_eq!(copy["operation"], "copy_from_user");
        assert_eq!(copy["alignment"], "aligned");
        assert_eq!(copy["compared_with"]["name"], "memcpy");
        assert_eq!(copy["compared_with"]["ratio"], 1.05);
        let getpid = &machine["user_benchmark"][0];
        assert_eq!(getpid["compared_with"]["instructions"], 900);
        assert_eq!(getpid["instructions_per_byte"], Value::Null);
        assert_eq!(json["qemu_icount"], ICOUNT);
    }

    #[test]
    fn tables_are_markdown_with_aligned_columns() {
        let table = markdown_table(
            &[("name", Align::Left), ("n", Align::Right)],
            vec![vec!["a".to_owned(), "10".to_owned()]],
        );
        assert_eq!(table, "| name |   n |\n| ---- | --: |\n| a    |  10 |\n");
    }
}
