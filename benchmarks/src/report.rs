//! Result tables (markdown, CSV) and the latency plot (PNG, pure-Rust rendering with an embedded
//! DejaVu font: no fontconfig or system fonts needed).

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;

use crate::proto::{LatencySummary, Size};
use crate::transport::System;
use crate::Result;

/// Everything measured for one system at one message size.
#[derive(Clone, Debug)]
pub struct Row {
    /// System.
    pub system: System,
    /// Message size.
    pub size: Size,
    /// One-way latency (round trip / 2): median over the rounds, if measured.
    pub latency: Option<LatencySummary>,
    /// Every latency round, in order (round `i` of both systems ran back to back).
    pub rounds: Vec<LatencySummary>,
    /// Throughput (messages, seconds), if measured.
    pub throughput: Option<(u64, f64)>,
}

impl Row {
    /// Messages per second.
    pub fn msgs_per_s(&self) -> Option<f64> {
        self.throughput.map(|(m, s)| m as f64 / s)
    }

    /// Payload gigabytes (1e9 bytes) per second.
    pub fn gb_per_s(&self) -> Option<f64> {
        self.msgs_per_s().map(|r| r * self.size.0 as f64 / 1e9)
    }
}

fn find(rows: &[Row], system: System, size: Size) -> Option<&Row> {
    rows.iter().find(|r| r.system == system && r.size == size)
}

fn sizes(rows: &[Row]) -> Vec<Size> {
    let mut v: Vec<Size> = rows.iter().map(|r| r.size).collect();
    v.sort();
    v.dedup();
    v
}

fn opt(v: Option<f64>, prec: usize) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{x:.prec$}"))
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

/// Paired latency ratio a/b: the median over rounds of the ratio within each round (the two
/// systems of one round ran back to back, so a host-side change between rounds cancels out).
/// `None` without rounds on both sides.
pub fn paired_ratio(a: &Row, b: &Row, f: fn(&LatencySummary) -> f64) -> Option<f64> {
    let mut v: Vec<f64> = a
        .rounds
        .iter()
        .zip(&b.rounds)
        .filter(|(_, y)| f(y) > 0.0)
        .map(|(x, y)| f(x) / f(y))
        .collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// Markdown table: per size, both systems' p50/p99 (µs, median over rounds) and throughput, and
/// the ratios (latency: [`paired_ratio`]).
pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::new();
    s.push_str(
        "| size | hazcat p50 µs | hazcat p99 µs | iceoryx2 p50 µs | iceoryx2 p99 µs | \
         ratio p50 (hz/iox) | ratio p99 (hz/iox) | hazcat msg/s | iceoryx2 msg/s | \
         hazcat GB/s | iceoryx2 GB/s | ratio msg/s (hz/iox) |\n",
    );
    s.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for size in sizes(rows) {
        let h = find(rows, System::Hazcat, size);
        let i = find(rows, System::Iceoryx2, size);
        let lat = |r: Option<&Row>, f: fn(&LatencySummary) -> f64| {
            r.and_then(|r| r.latency.as_ref().map(f))
        };
        let (hp50, hp99) = (lat(h, |l| l.p50), lat(h, |l| l.p99));
        let (ip50, ip99) = (lat(i, |l| l.p50), lat(i, |l| l.p99));
        let hm = h.and_then(Row::msgs_per_s);
        let im = i.and_then(Row::msgs_per_s);
        let paired = |f: fn(&LatencySummary) -> f64| match (h, i) {
            (Some(h), Some(i)) => paired_ratio(h, i, f),
            _ => None,
        };
        let _ = writeln!(
            s,
            "| {size} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            opt(hp50, 2),
            opt(hp99, 2),
            opt(ip50, 2),
            opt(ip99, 2),
            opt(paired(|l| l.p50), 2),
            opt(paired(|l| l.p99), 2),
            opt(hm, 0),
            opt(im, 0),
            opt(h.and_then(Row::gb_per_s), 1),
            opt(i.and_then(Row::gb_per_s), 1),
            opt(ratio(hm, im), 2),
        );
    }
    s
}

/// CSV with one line per system and size.
pub fn csv(rows: &[Row]) -> String {
    let mut s = String::from(
        "system,size_bytes,iterations,p50_us,p99_us,mean_us,min_us,max_us,\
         tput_messages,tput_seconds,msgs_per_s,gb_per_s\n",
    );
    for r in rows {
        let l = r.latency;
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            r.system.name(),
            r.size.0,
            l.map_or(String::new(), |l| l.n.to_string()),
            l.map_or(String::new(), |l| format!("{:.3}", l.p50)),
            l.map_or(String::new(), |l| format!("{:.3}", l.p99)),
            l.map_or(String::new(), |l| format!("{:.3}", l.mean)),
            l.map_or(String::new(), |l| format!("{:.3}", l.min)),
            l.map_or(String::new(), |l| format!("{:.3}", l.max)),
            r.throughput.map_or(String::new(), |t| t.0.to_string()),
            r.throughput
                .map_or(String::new(), |t| format!("{:.6}", t.1)),
            r.msgs_per_s().map_or(String::new(), |v| format!("{v:.0}")),
            r.gb_per_s().map_or(String::new(), |v| format!("{v:.3}")),
        );
    }
    s
}

/// Plots one-way latency against message size: log-scale x, one line per system and percentile.
pub fn plot(rows: &[Row], path: &Path, title: &str) -> Result<()> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "embedded DejaVu font rejected")?;
    // (label, colour, p99?, points)
    type Series = (String, RGBColor, bool, Vec<(f64, f64)>);
    let mut series: Vec<Series> = Vec::new();
    for (sys, color) in [
        (System::Hazcat, RGBColor(0xd6, 0x27, 0x28)),
        (System::Iceoryx2, RGBColor(0x1f, 0x77, 0xb4)),
    ] {
        for (pname, dashed, f) in [
            (
                "p50",
                false,
                (|l: &LatencySummary| l.p50) as fn(&LatencySummary) -> f64,
            ),
            ("p99", true, |l: &LatencySummary| l.p99),
        ] {
            let pts: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| r.system == sys)
                .filter_map(|r| r.latency.as_ref().map(|l| (r.size.0 as f64, f(l))))
                .collect();
            if !pts.is_empty() {
                series.push((format!("{} {pname}", sys.name()), color, dashed, pts));
            }
        }
    }
    if series.is_empty() {
        return Ok(());
    }
    let all = series.iter().flat_map(|s| s.3.iter());
    let (mut xmin, mut xmax, mut ymax) = (f64::MAX, 0f64, 0f64);
    for &(x, y) in all {
        xmin = xmin.min(x);
        xmax = xmax.max(x);
        ymax = ymax.max(y);
    }
    let root = BitMapBackend::new(path, (1100, 700)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (xmin / 1.5..xmax * 1.5).log_scale().base(4.0),
            0f64..(ymax * 1.15).max(0.1),
        )?;
    chart
        .configure_mesh()
        .x_desc("message size (bytes, log scale)")
        .y_desc("one-way latency (µs) = round trip / 2")
        .x_label_formatter(&|x| Size(x.round() as usize).to_string())
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()?;
    for (name, color, dashed, pts) in series {
        let style = ShapeStyle::from(&color).stroke_width(if dashed { 1 } else { 3 });
        let line = chart.draw_series(LineSeries::new(pts.clone(), style))?;
        line.label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        if dashed {
            chart.draw_series(
                pts.iter()
                    .map(|&p| TriangleMarker::new(p, 5, style.filled())),
            )?;
        } else {
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, style.filled())))?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 16))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
