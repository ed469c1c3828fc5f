//! `cargo xtask bench --plot PATH.svg`: the cost per byte of copy_from_user in each PAN mode,
//! and of the kernel's memcpy, against the copy size, both axes logarithmic, as a hand-written
//! SVG.

use std::fmt::Write as _;

use anyhow::{Result, ensure};

use crate::bench_catalogue::{COPY_SIZES, PLOTTED_COPY};
use crate::bench_lines::{Alignment, Key, Measurement};
use crate::bench_report::MachineResults;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 540.0;
/// The plot area's margins: axis labels on the left and below, the legend on the right.
const LEFT: f64 = 80.0;
const RIGHT: f64 = 330.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;
const COLOURS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
];

/// One line of the plot: instructions per byte at each copy size.
struct Series {
    label: String,
    /// memcpy is dashed, so that the limit stands apart from the copies.
    dashed: bool,
    points: Vec<(u64, f64)>,
}

/// The SVG document.
pub fn svg(machines: &[MachineResults]) -> Result<String> {
    let series = series(machines);
    ensure!(
        series.iter().any(|line| !line.points.is_empty()),
        "there are no copy measurements to plot"
    );
    let per_byte = series
        .iter()
        .flat_map(|line| &line.points)
        .map(|&(_, cost)| cost);
    let cheapest = per_byte.clone().fold(f64::MAX, f64::min);
    let dearest = per_byte.fold(f64::MIN, f64::max);
    let ticks = cost_ticks(cheapest, dearest);
    let axes = Axes {
        first_size: COPY_SIZES[0] as f64,
        last_size: COPY_SIZES[COPY_SIZES.len() - 1] as f64,
        lowest: ticks[0],
        highest: ticks[ticks.len() - 1],
    };

    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         font-family=\"sans-serif\" font-size=\"13\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{LEFT}\" y=\"28\" font-size=\"16\">{PLOTTED_COPY} per PAN mode (solid) \
         and memcpy (dashed), aligned buffers</text>\n"
    );
    axes.draw(&ticks, &mut svg);
    for (index, line) in series.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let coordinates: Vec<(f64, f64)> = line
            .points
            .iter()
            .map(|&(size, cost)| (axes.x(size as f64), axes.y(cost)))
            .collect();
        let dash = if line.dashed {
            " stroke-dasharray=\"6,4\""
        } else {
            ""
        };
        let polyline: Vec<String> = coordinates
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        writeln!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>",
            polyline.join(" ")
        )?;
        for (x, y) in &coordinates {
            writeln!(
                svg,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"{colour}\"/>"
            )?;
        }
        let legend_y = TOP + 10.0 + 22.0 * index as f64;
        let legend_x = WIDTH - RIGHT + 20.0;
        writeln!(
            svg,
            "<line x1=\"{legend_x}\" y1=\"{legend_y}\" x2=\"{}\" y2=\"{legend_y}\" \
             stroke=\"{colour}\" stroke-width=\"2\"{dash}/>\n\
             <text x=\"{}\" y=\"{}\">{}</text>",
            legend_x + 30.0,
            legend_x + 38.0,
            legend_y + 4.0,
            escape(&line.label)
        )?;
    }
    svg += "</svg>\n";
    Ok(svg)
}

/// Per machine: memcpy (the same code in every PAN mode, so drawn once) and the plotted copy in
/// each PAN mode.
fn series(machines: &[MachineResults]) -> Vec<Series> {
    let mut series = Vec::new();
    for machine in machines {
        if let Some(first_mode) = machine.kernel.first() {
            series.push(Series {
                label: format!("{} memcpy", machine.name),
                dashed: true,
                points: per_byte("memcpy", &first_mode.measurements),
            });
        }
        for mode in &machine.kernel {
            series.push(Series {
                label: format!("{} PAN {}", machine.name, mode.pan_mode),
                dashed: false,
                points: per_byte(PLOTTED_COPY, &mode.measurements),
            });
        }
    }
    series
}

fn per_byte(operation: &str, measurements: &[Measurement]) -> Vec<(u64, f64)> {
    COPY_SIZES
        .iter()
        .filter_map(|&size| {
            let key = Key::new(operation, size, Some(Alignment::Aligned));
            let measurement = measurements
                .iter()
                .find(|measurement| measurement.key == key)?;
            Some((size, measurement.instructions as f64 / size as f64))
        })
        .collect()
}

/// Where sizes and costs go on the page.
struct Axes {
    first_size: f64,
    last_size: f64,
    /// The costs per byte at the bottom and the top.
    lowest: f64,
    highest: f64,
}

impl Axes {
    fn x(&self, size: f64) -> f64 {
        let fraction = (size.log2() - self.first_size.log2())
            / (self.last_size.log2() - self.first_size.log2());
        LEFT + fraction * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, cost: f64) -> f64 {
        let fraction = (cost / self.lowest).log10() / (self.highest / self.lowest).log10();
        HEIGHT - BOTTOM - fraction * (HEIGHT - TOP - BOTTOM)
    }

    /// The frame, a grid line and label at every copy size and every cost in `ticks`, and the
    /// axis titles.
    fn draw(&self, ticks: &[f64], svg: &mut String) {
        let (left, right) = (LEFT, WIDTH - RIGHT);
        let (top, bottom) = (TOP, HEIGHT - BOTTOM);
        *svg += &format!(
            "<rect x=\"{left}\" y=\"{top}\" width=\"{}\" height=\"{}\" fill=\"none\" \
             stroke=\"black\"/>\n",
            right - left,
            bottom - top
        );
        for &size in &COPY_SIZES {
            let x = self.x(size as f64);
            *svg += &format!(
                "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{bottom}\" stroke=\"#ddd\"/>\n\
                 <text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                bottom + 18.0,
                size_label(size)
            );
        }
        for &value in ticks {
            let y = self.y(value);
            *svg += &format!(
                "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{right}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\n\
                 <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{value}</text>\n",
                left - 8.0,
                y + 4.0
            );
        }
        *svg += &format!(
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">copy size (bytes)</text>\n\
             <text x=\"18\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {:.1})\">\
             instructions per byte</text>\n",
            (left + right) / 2.0,
            HEIGHT - 15.0,
            (top + bottom) / 2.0,
            (top + bottom) / 2.0
        );
    }
}

/// The costs 1, 2 and 5 times a power of ten from the last one at or below `cheapest` to the
/// first one at or above `dearest`: round numbers, evenly spread on a logarithmic axis.
fn cost_ticks(cheapest: f64, dearest: f64) -> Vec<f64> {
    let first_decade = cheapest.log10().floor() as i32;
    let last_decade = dearest.log10().ceil() as i32;
    let round: Vec<f64> = (first_decade..=last_decade)
        .flat_map(|decade| [1.0, 2.0, 5.0].map(|step| step * 10f64.powi(decade)))
        .collect();
    let bottom = round
        .iter()
        .rposition(|&tick| tick <= cheapest)
        .unwrap_or(0);
    let top = round
        .iter()
        .position(|&tick| tick >= dearest)
        .unwrap_or(round.len() - 1)
        .max(bottom + 1);
    round[bottom..=top].to_vec()
}

/// `4 KiB` rather than `4096`, as people say it.
fn size_label(size: u64) -> String {
    if size >= 1024 && size.is_multiple_of(1024) {
        format!("{} KiB", size / 1024)
    } else {
        size.to_string()
    }
}

/// Text as SVG content.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_report::PanModeResults;

    fn mode(pan_mode: &str, copy_per_byte: u64) -> PanModeResults {
        let mut measurements = Vec::new();
        for size in COPY_SIZES {
            for (operation, per_byte) in [("memcpy", 1), (PLOTTED_COPY, copy_per_byte)] {
                measurements.push(Measurement {
                    key: Key::new(operation, size, Some(Alignment::Aligned)),
                    instructions: size * per_byte,
                });
            }
        }
        PanModeResults {
            pan_mode: pan_mode.to_owned(),
            uao_scope: "hardware".to_owned(),
            measurements,
        }
    }

    #[test]
    fn draws_memcpy_once_and_the_copy_per_pan_mode() {
        let machines = [MachineResults {
            name: "virt/cortex-a76".to_owned(),
            kernel: vec![mode("hardware", 2), mode("off", 3)],
            user: Vec::new(),
            linux: None,
            kernel_image_bytes: 0,
        }];
        let svg = svg(&machines).unwrap();
        assert_eq!(svg.matches("<polyline").count(), 3);
        assert_eq!(svg.matches("<circle").count(), 3 * COPY_SIZES.len());
        assert!(svg.contains(">virt/cortex-a76 memcpy</text>"));
        assert!(svg.contains(">virt/cortex-a76 PAN off</text>"));
        assert!(svg.contains(">64 KiB</text>") && svg.contains(">256</text>"));
        assert!(svg.ends_with("</svg>\n"));
    }

    #[test]
    fn nothing_to_plot_is_an_error() {
        assert!(svg(&[]).is_err());
    }

    #[test]
    fn cost_ticks_are_round_and_bound_the_costs() {
        assert_eq!(
            cost_ticks(0.28, 10.4),
            [0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0]
        );
        assert_eq!(cost_ticks(1.0, 1.0), [1.0, 2.0]);
    }

    #[test]
    fn axes_are_logarithmic() {
        let axes = Axes {
            first_size: 8.0,
            last_size: 65536.0,
            lowest: 0.1,
            highest: 10.0,
        };
        assert_eq!(axes.x(8.0), LEFT);
        assert_eq!(axes.x(65536.0), WIDTH - RIGHT);
        assert_eq!(axes.y(1.0), (TOP + HEIGHT - BOTTOM) / 2.0);
        assert_eq!(axes.y(0.1), HEIGHT - BOTTOM);
    }
}
