//! Charts as inline SVG, drawn from figures with presentation attributes
//! only (no style sheet, no script), each with a `<title>` for screen
//! readers: what the board report and the dashboard's pages both draw.
//!
//! - [`CoveredBars`]: one stacked bar per row, covered devices then the
//!   rest (devices per site, per sensitivity);
//! - [`LineChart`]: a line over time with its area shaded (the plan's
//!   residual risk, covered devices scan after scan);
//! - [`Columns`]: one column per amount, its value written above it (the
//!   plan's money per budget period).
//!
//! A chart is built from its figures, then written with its `svg` method
//! (escaped inside: a page puts it in as it is).

use askama::Template;

/// Where the plot starts, right of the y axis's labels.
pub const LEFT: f64 = 70.0;
/// The width every chart is drawn at (it scales down with the page).
pub const CHART_W: f64 = 680.0;
const TOP: f64 = 16.0;

/// One axis label.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub at: f64,
    pub text: String,
}

/// Where a label under the x axis is anchored: those at either end of the
/// axis are kept inside the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    /// The `text-anchor` presentation attribute's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// A label under the x axis.
#[derive(Debug, Clone, PartialEq)]
pub struct XTick {
    pub at: f64,
    pub text: String,
    pub anchor: Anchor,
}

/// One row of a [`CoveredBars`] chart.
#[derive(Debug, Clone, PartialEq)]
pub struct CoveredRow {
    pub label: String,
    pub covered: usize,
    pub devices: usize,
}

/// A row's bar: covered, then the rest, with its figures written after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub y: f64,
    pub name: String,
    pub covered_w: f64,
    pub other_w: f64,
    pub covered: usize,
    pub devices: usize,
}

/// Devices per row as stacked bars: covered (hatched red) and the rest
/// (grey), to the same scale.
#[derive(Debug, Clone, PartialEq)]
pub struct CoveredBars {
    pub w: f64,
    pub h: f64,
    pub bars: Vec<Bar>,
}

impl CoveredBars {
    /// `None` when no row has a device (there is nothing to draw).
    pub fn of(rows: &[CoveredRow]) -> Option<CoveredBars> {
        let max = rows.iter().map(|r| r.devices).max().filter(|&m| m > 0)?;
        let label_w = 210.0;
        let bar_w = CHART_W - label_w - 130.0;
        let row = 26.0;
        let bars = rows
            .iter()
            .enumerate()
            .map(|(i, r)| Bar {
                y: TOP + i as f64 * row,
                name: short(&r.label, 30),
                covered_w: r.covered as f64 / max as f64 * bar_w,
                other_w: r.devices.saturating_sub(r.covered) as f64 / max as f64 * bar_w,
                covered: r.covered,
                devices: r.devices,
            })
            .collect();
        Some(CoveredBars {
            w: CHART_W,
            h: TOP + rows.len() as f64 * row + 10.0,
            bars,
        })
    }

    /// The chart as SVG; `id` must be unique in the page (its title's and
    /// pattern's ids derive from it).
    pub fn svg(&self, id: &str, title: &str) -> String {
        render(&CoveredBarsSvg { c: self, id, title })
    }
}

/// A line over a horizontal axis (days, in the charts here), its area
/// shaded, with labels on both axes and an optional dashed marker.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub w: f64,
    pub h: f64,
    pub base: f64,
    pub left: f64,
    pub right: f64,
    /// The polyline's points.
    pub line: String,
    /// The shaded polygon under it.
    pub area: String,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<XTick>,
    pub marker: Option<Tick>,
}

/// What a [`LineChart`] is drawn from: points `(x, y)` in order of `x`,
/// the `y` at the top of the plot, the `x` values labelled and their
/// words, and a marker.
#[derive(Debug, Clone, PartialEq)]
pub struct LineFigures {
    pub points: Vec<(f64, f64)>,
    /// Above every `y`; the y axis is labelled at 0, half and this.
    pub top: f64,
    pub x_labels: Vec<(f64, String)>,
    pub marker: Option<(f64, String)>,
}

impl LineChart {
    /// `None` without points or with nothing above 0 to scale to.
    pub fn of(f: &LineFigures) -> Option<LineChart> {
        let (first, last) = (f.points.first()?.0, f.points.last()?.0);
        if f.top <= 0.0 {
            return None;
        }
        let h = 240.0;
        let base = h - 40.0;
        let right = CHART_W - 16.0;
        let plot_h = base - TOP;
        let span = (last - first).max(1.0);
        let x_of = |x: f64| LEFT + (x - first) / span * (right - LEFT);
        let y_of = |y: f64| base - y / f.top * plot_h;
        let mut line = String::new();
        for (x, y) in &f.points {
            line.push_str(&format!("{:.1},{:.1} ", x_of(*x), y_of(*y)));
        }
        let area = format!("{LEFT:.1},{base:.1} {line}{right:.1},{base:.1}");
        let x_ticks = f
            .x_labels
            .iter()
            .map(|(x, text)| {
                let at = x_of(*x);
                // A date is some 70 units wide: centred at either end of
                // the axis it would be cut off.
                let anchor = if at < LEFT + 40.0 {
                    Anchor::Start
                } else if at > right - 40.0 {
                    Anchor::End
                } else {
                    Anchor::Middle
                };
                XTick {
                    at,
                    text: text.clone(),
                    anchor,
                }
            })
            .collect();
        let y_ticks = (0..=2)
            .map(|k| Tick {
                at: y_of(f.top * f64::from(k) / 2.0),
                text: format!("{:.0}", f.top * f64::from(k) / 2.0),
            })
            .collect();
        let marker = f.marker.as_ref().map(|(x, text)| Tick {
            at: x_of(x.clamp(first, last)),
            text: text.clone(),
        });
        Some(LineChart {
            w: CHART_W,
            h,
            base,
            left: LEFT,
            right,
            line: line.trim_end().to_owned(),
            area,
            y_ticks,
            x_ticks,
            marker,
        })
    }

    /// The chart as SVG: `title` says what it shows and `y_label` what the
    /// vertical axis counts; `id` must be unique in the page.
    pub fn svg(&self, id: &str, title: &str, y_label: &str) -> String {
        render(&LineChartSvg {
            c: self,
            id,
            title,
            y_label,
        })
    }
}

/// One amount of a [`Columns`] chart: its label under the column, the
/// amount that sets its height, and the amount in words above it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnFigure {
    pub label: String,
    pub amount: u64,
    pub text: String,
}

/// A column as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub label: String,
    pub value: String,
}

/// Amounts as columns to one scale, the axis labelled at 0, half and the
/// largest.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    pub w: f64,
    pub h: f64,
    pub base: f64,
    pub columns: Vec<Column>,
    pub ticks: Vec<Tick>,
}

impl Columns {
    /// `None` without figures. `tick_text` writes an axis label's amount.
    pub fn of(figures: &[ColumnFigure], tick_text: impl Fn(u64) -> String) -> Option<Columns> {
        let max = figures.iter().map(|f| f.amount).max()?;
        let h = 240.0;
        let base = h - 44.0;
        let plot_h = base - TOP - 14.0;
        // At least four slots, so one or two columns are not a wall.
        let slot = (CHART_W - LEFT - 10.0) / figures.len().max(4) as f64;
        let columns = figures
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let ch = (f.amount as f64 / max.max(1) as f64 * plot_h).max(1.0);
                Column {
                    x: LEFT + i as f64 * slot + slot * 0.15,
                    y: base - ch,
                    w: slot * 0.7,
                    h: ch,
                    label: f.label.clone(),
                    value: f.text.clone(),
                }
            })
            .collect();
        let ticks = (0..=2u32)
            .map(|k| Tick {
                at: base - plot_h * f64::from(k) / 2.0,
                text: tick_text(max * u64::from(k) / 2),
            })
            .collect();
        Some(Columns {
            w: CHART_W,
            h,
            base,
            columns,
            ticks,
        })
    }

    /// The chart as SVG; `id` must be unique in the page.
    pub fn svg(&self, id: &str, title: &str) -> String {
        render(&ColumnsSvg { c: self, id, title })
    }
}

/// A name cut to `chars` characters with an ellipsis, for a chart's
/// label (the table beside it gives the whole name).
pub fn short(name: &str, chars: usize) -> String {
    if name.chars().count() <= chars {
        return name.to_owned();
    }
    let cut: String = name.chars().take(chars - 1).collect();
    format!("{}…", cut.trim_end())
}

#[derive(Template)]
#[template(path = "charts/covered_bars.svg", escape = "html")]
struct CoveredBarsSvg<'a> {
    c: &'a CoveredBars,
    id: &'a str,
    title: &'a str,
}

#[derive(Template)]
#[template(path = "charts/line.svg", escape = "html")]
struct LineChartSvg<'a> {
    c: &'a LineChart,
    id: &'a str,
    title: &'a str,
    y_label: &'a str,
}

#[derive(Template)]
#[template(path = "charts/columns.svg", escape = "html")]
struct ColumnsSvg<'a> {
    c: &'a Columns,
    id: &'a str,
    title: &'a str,
}

/// A chart's template has no fallible part but writing: should that ever
/// fail, the page goes without the chart (its table has the figures).
fn render<T: Template>(t: &T) -> String {
    t.render().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_share_one_scale_and_write_their_amounts() {
        let figures = [
            ColumnFigure {
                label: "P1".into(),
                amount: 400,
                text: "£4".into(),
            },
            ColumnFigure {
                label: "P2".into(),
                amount: 100,
                text: "<£1>".into(),
            },
        ];
        let c = Columns::of(&figures, |a| format!("{a}p")).unwrap();
        assert!((c.columns[0].h - 4.0 * c.columns[1].h).abs() < 1e-9);
        assert_eq!(c.columns[0].y + c.columns[0].h, c.base);
        assert_eq!(c.ticks[2].text, "400p");
        let svg = c.svg("cost", "Money per period");
        assert!(svg.contains("<title id=\"cost-title\">Money per period</title>"));
        assert!(svg.contains("aria-labelledby=\"cost-title\""));
        assert!(
            svg.contains("&#60;£1&#62;") || svg.contains("&lt;£1&gt;"),
            "{svg}"
        );
        assert!(Columns::of(&[], |a| a.to_string()).is_none());
    }

    #[test]
    fn bars_share_one_scale_and_say_their_figures() {
        let rows = [
            CoveredRow {
                label: "Town <Hall>".into(),
                covered: 2,
                devices: 4,
            },
            CoveredRow {
                label: "Depot".into(),
                covered: 0,
                devices: 2,
            },
        ];
        let c = CoveredBars::of(&rows).unwrap();
        assert_eq!(c.bars[0].covered_w, c.bars[0].other_w);
        assert_eq!(c.bars[1].other_w, c.bars[0].other_w);
        assert_eq!(c.bars[1].covered_w, 0.0);
        let svg = c.svg("sites", "Devices per site");
        assert!(svg.contains("<title id=\"sites-title\">Devices per site</title>"));
        assert!(svg.contains("aria-labelledby=\"sites-title\""));
        assert!(svg.contains("fill=\"url(#sites-hatch)\""));
        assert!(svg.contains("Town &#60;Hall&#62;"), "{svg}");
        assert!(svg.contains("2 covered of 4"));
        assert!(CoveredBars::of(&[]).is_none());
    }

    #[test]
    fn a_line_runs_from_the_first_point_to_the_last_across_the_plot() {
        let f = LineFigures {
            points: vec![(0.0, 4.0), (7.0, 4.0), (7.0, 1.0), (14.0, 1.0)],
            top: 4.0,
            x_labels: vec![(0.0, "2026-11-30".into()), (14.0, "2026-12-14".into())],
            marker: None,
        };
        let c = LineChart::of(&f).unwrap();
        assert!(c.line.starts_with("70.0,16.0 "), "{}", c.line);
        assert!(c.line.ends_with("664.0,154.0"), "{}", c.line);
        assert_eq!(c.x_ticks[1].at, c.right);
        assert_eq!(
            c.x_ticks.iter().map(|t| t.anchor).collect::<Vec<_>>(),
            [Anchor::Start, Anchor::End]
        );
        assert_eq!(
            c.y_ticks
                .iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>(),
            ["0", "2", "4"]
        );
        let svg = c.svg("progress", "Covered devices", "covered devices");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("<title id=\"progress-title\">Covered devices</title>"));
        assert!(LineChart::of(&LineFigures { top: 0.0, ..f }).is_none());
    }
}
