//! Regenerates the figures and the table of `docs/validation.md`: the typical patient beside
//! the literature points of `crates/bontsim-core/data/literature/`.
//! `cargo run --release -p bontsim-cli --example validation` (writes docs/figures/validation_*.svg).

use bontsim_core::metrics::build_report;
use bontsim_core::plan::{InjectionEntry, Plan, Sex, Site};
use bontsim_core::report::Report;
use bontsim_core::{simulate, Parameters, SolverOptions};
use plotters::prelude::*;
use std::path::Path;

fn run(plan: &Plan, days: usize) -> Report {
    let simulation = simulate(plan, &Parameters::TYPICAL, days, &SolverOptions::default());
    build_report(plan, &simulation, &Parameters::TYPICAL)
}

/// The label pattern in `product`'s own units: procerus a fifth, each corrugator two fifths.
fn glabella(units: f64, product: &str) -> Plan {
    Plan::builder()
        .patient(Sex::Female, 42.0)
        .glabella_pattern(product, units)
        .build()
        .expect("valid plan")
}

/// ONA into one muscle of the left side of a 30-year-old woman.
fn single(muscle: &str, units: f64, volume_ml: f64) -> Plan {
    Plan::builder()
        .patient(Sex::Female, 30.0)
        .injection(
            InjectionEntry::new("onabotulinumtoxinA", muscle, Site::Left, units)
                .volume_ml(volume_ml),
        )
        .build()
        .expect("valid plan")
}

fn masseter(units: f64) -> Plan {
    single("masseter", units, 0.5)
}

const COLOURS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let figures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/figures");
    std::fs::create_dir_all(&figures)?;

    // 1. Glabella severity after one dose, with the literature durations.
    let path = figures.join("validation_glabella_dose.svg");
    {
        let root = SVGBackend::new(&path, (900, 520)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Glabella severity at maximal frown after one ONA dose (typical patient, baseline 3)", ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..300.0, 0.0..3.1)?;
        chart
            .configure_mesh()
            .x_desc("day")
            .y_desc("severity (0-3)")
            .x_label_formatter(&|d| format!("{d:.0}"))
            .draw()?;
        for (k, units) in [10.0, 20.0, 40.0, 80.0].iter().enumerate() {
            let report = run(&glabella(*units, "onabotulinumtoxinA"), 300);
            let colour = COLOURS[k];
            chart
                .draw_series(LineSeries::new(
                    report.areas[0]
                        .daily
                        .iter()
                        .map(|d| (d.day as f64, d.severity)),
                    colour.stroke_width(2),
                ))?
                .label(format!("{units} U (model)"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
        }
        // Literature: return to baseline (severity back above 2.5) at 19.7 wk (20 U), >= 24 wk (40 U).
        chart
            .draw_series(
                [(137.9, 2.5, COLOURS[1]), (168.0, 2.5, COLOURS[2])]
                    .map(|(x, y, c)| Circle::new((x, y), 6, c.filled())),
            )?
            .label("median return to baseline: 20 U 19.7 wk, 40 U >= 24 wk (PMC9558451)")
            .legend(|(x, y)| Circle::new((x + 9, y), 5, BLACK.filled()));
        chart
            .draw_series(std::iter::once(TriangleMarker::new(
                (120.0, 2.5),
                7,
                COLOURS[0].filled(),
            )))?
            .label("10 U: 83% relapsed at 4 months (Carruthers 2005)")
            .legend(|(x, y)| TriangleMarker::new((x + 9, y), 5, BLACK.filled()));
        chart.draw_series(LineSeries::new(
            vec![(0.0, 2.5), (300.0, 2.5)],
            BLACK.mix(0.3),
        ))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }

    // 2. Masseter volume after one dose, with the imaging studies.
    let path = figures.join("validation_masseter.svg");
    {
        let root = SVGBackend::new(&path, (900, 520)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Masseter volume and strength after one dose (typical patient)",
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..365.0, 0.0..1.05)?;
        chart
            .configure_mesh()
            .x_desc("day")
            .y_desc("fraction of baseline")
            .x_label_formatter(&|d| format!("{d:.0}"))
            .draw()?;
        for (k, units) in [25.0, 40.0].iter().enumerate() {
            let report = run(&masseter(*units), 365);
            let m = report.muscle("masseter").unwrap();
            let colour = COLOURS[k];
            chart
                .draw_series(LineSeries::new(
                    m.daily.iter().map(|d| (d.day as f64, d.volume)),
                    colour.stroke_width(2),
                ))?
                .label(format!("{units} U volume (model)"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
            chart
                .draw_series(DashedLineSeries::new(
                    m.daily.iter().map(|d| (d.day as f64, d.strength)),
                    5,
                    4,
                    colour.stroke_width(1),
                ))?
                .label(format!("{units} U strength (model)"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(1))
                });
        }
        let points = [
            (90.0, 8.7 / 12.9, "Xie (PRS): thickness 3 mo, 20-40 U"),
            (90.0, 0.70, "Yu 2007: volume 3 mo"),
            (
                84.0,
                10.42 / 14.21,
                "J Craniofac Surg 2025: thickness 12 wk",
            ),
        ];
        for (k, (x, y, label)) in points.iter().enumerate() {
            let colour = [BLACK, RGBColor(120, 120, 120), RGBColor(200, 120, 0)][k];
            chart
                .draw_series(std::iter::once(Circle::new((*x, *y), 6, colour.filled())))?
                .label(*label)
                .legend(move |(x, y)| Circle::new((x + 9, y), 5, colour.filled()));
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(77.0, 0.0), (77.0, 1.05)],
                BLACK.mix(0.4),
            )))?
            .label("nadir at week 11 (weekly ultrasound, 2016)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.mix(0.4)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }

    // 3. Blepharospasm-style cycles of the orbicularis oculi, with the 8-13 weeks of relief
    // a cycle that the blepharospasm series report.
    let path = figures.join("validation_blepharospasm.svg");
    {
        let plan = Plan::builder()
            .patient(Sex::Female, 60.0)
            .injection(
                InjectionEntry::new("onabotulinumtoxinA", "orbicularis_oculi", Site::Left, 12.5)
                    .volume_ml(0.5)
                    .repeat(120.0, 4),
            )
            .build()
            .expect("valid plan");
        let report = run(&plan, 600);
        let m = report.muscle("orbicularis_oculi").unwrap();
        let root = SVGBackend::new(&path, (900, 520)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Orbicularis oculi strength, 12.5 U per eye every 120 days (typical patient)",
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..600.0, 0.0..1.05)?;
        chart
            .configure_mesh()
            .x_desc("day")
            .y_desc("strength (fraction of baseline)")
            .x_label_formatter(&|d| format!("{d:.0}"))
            .draw()?;
        let band = RGBColor(44, 160, 44);
        chart
            .draw_series(m.cycles.iter().map(|cycle| {
                Rectangle::new(
                    [(cycle.day + 56.0, 0.0), (cycle.day + 91.0, 1.05)],
                    band.mix(0.2).filled(),
                )
            }))?
            .label("effect ends 8-13 weeks after each dose (Elston 1987; Toronto 2010)")
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 18, y + 5)], band.mix(0.2).filled())
            });
        chart
            .draw_series(LineSeries::new(
                m.daily.iter().map(|d| (d.day as f64, d.strength)),
                COLOURS[0].stroke_width(2),
            ))?
            .label("strength (model)")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], COLOURS[0].stroke_width(2))
            });
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.8), (600.0, 0.8)],
                BLACK.mix(0.4),
            )))?
            .label("effect threshold (strength 0.8)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.mix(0.4)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }

    // 4. Masseter under 3-monthly maintenance: volume (what imaging sees), contractile mass and
    // strength, beside the reductions imaging reports after years of treatment.
    let path = figures.join("validation_masseter_maintenance.svg");
    {
        let plan = Plan::builder()
            .patient(Sex::Female, 30.0)
            .injection(
                InjectionEntry::new("onabotulinumtoxinA", "masseter", Site::Left, 25.0)
                    .volume_ml(0.5)
                    .repeat(90.0, 8),
            )
            .build()
            .expect("valid plan");
        let report = run(&plan, 900);
        let m = report.muscle("masseter").unwrap();
        let root = SVGBackend::new(&path, (900, 520)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Masseter, 25 U every 3 months for 2 years (typical patient)",
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..900.0, 0.0..1.05)?;
        chart
            .configure_mesh()
            .x_desc("day")
            .y_desc("fraction of baseline")
            .x_label_formatter(&|d| format!("{d:.0}"))
            .draw()?;
        let band = RGBColor(120, 120, 120);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, 0.65), (900.0, 0.80)],
                band.mix(0.2).filled(),
            )))?
            .label("imaged thickness/volume after 1-8 sessions: -20% to -35% (Kim 2010; Xie; Yu 2007; 2025)")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], band.mix(0.2).filled()));
        for (k, (label, values)) in [
            (
                "volume (model)",
                m.daily.iter().map(|d| d.volume).collect::<Vec<_>>(),
            ),
            (
                "contractile mass (model)",
                m.daily.iter().map(|d| d.mass).collect(),
            ),
            (
                "strength (model)",
                m.daily.iter().map(|d| d.strength).collect(),
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let colour = COLOURS[k];
            chart
                .draw_series(LineSeries::new(
                    values.iter().enumerate().map(|(day, v)| (day as f64, *v)),
                    colour.stroke_width(2),
                ))?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }

    // 5. The table: model beside each literature figure.
    println!("| quantity | literature | source | model |");
    println!("|---|---|---|---|");
    for (units, literature, source) in [
        (10.0, "relapsed by day 120 in 83%", "Carruthers 2005"),
        (
            20.0,
            "median 138 d (19.7 wk) to baseline; 33% relapsed at 120 d",
            "PMC9558451; Carruthers 2005",
        ),
        (
            40.0,
            ">= 168 d (24 wk); 28% relapsed at 120 d",
            "PMC9558451; Carruthers 2005",
        ),
        (80.0, ">= 168 d (24 wk)", "PMC9558451"),
    ] {
        let s = run(&glabella(units, "onabotulinumtoxinA"), 400).areas[0]
            .summary
            .clone();
        println!("| ONA {units} U glabella: days until return to baseline | {literature} | {source} | {} d |", s.days_improved_1);
    }
    let daxi = run(&glabella(40.0, "daxibotulinumtoxinA"), 400).areas[0]
        .summary
        .clone();
    println!("| DAXI 40 U glabella: median duration of none/mild (held out) | 168 d (24.0 wk) | SAKURA 1&2 | {} d |", daxi.days_none_or_mild);
    let abo = run(&glabella(50.0, "abobotulinumtoxinA"), 400).areas[0]
        .summary
        .clone();
    println!("| ABO 50 U glabella: return to baseline (held out) | 52.5% still responding at week 24 (168 d) | Joseph 2021 | {} d |", abo.days_improved_1);
    let s20 = run(&glabella(20.0, "onabotulinumtoxinA"), 400);
    println!("| ONA 20 U glabella: onset (>= 1 grade) | median between day 1 and 2 (48% day 1, 77% day 2) | Beer 2011 | day {} |", s20.areas[0].summary.onset_day.unwrap_or(0));
    println!("| ONA 20 U glabella: peak | day 30 visit (visits 7, 30, 60, 90, 120) | Carruthers 2003 | day {} |", s20.areas[0].summary.peak_day);
    let ptosis = s20.risk("eyelid_ptosis").unwrap();
    println!(
        "| ONA 20 U glabella: eyelid ptosis | 0.9-5.4% | SAKURA 3; Carruthers 2002 | {:.1}% |",
        ptosis * 100.0
    );
    for units in [20.0, 40.0, 80.0] {
        let r = run(&glabella(units, "onabotulinumtoxinA"), 400);
        let p = r.risk("eyelid_ptosis").unwrap();
        if units > 20.0 {
            println!("| ONA {units} U glabella: eyelid ptosis (held out) | no dose-response in AEs, 20-80 U | PMC9558451 | {:.1}% |", p * 100.0);
        }
    }
    for units in [25.0, 30.0, 40.0] {
        let r = run(&masseter(units), 400);
        let m = r.muscle("masseter").unwrap();
        let (day, v) = m
            .daily
            .iter()
            .map(|d| (d.day, d.volume))
            .fold((0, 2.0), |a, b| if b.1 < a.1 { b } else { a });
        println!("| masseter {units} U: volume at day 90 / nadir (day) | 0.67 (Xie), 0.70 (Yu), 0.73 at 12 wk; nadir week 11 | Xie; Yu 2007; 2025; 2016 | {:.3} / {v:.3} (day {day}) |", m.daily[90].volume);
        let smile = r.risk("smile_asymmetry").unwrap();
        println!("| masseter {units} U (one side): smile asymmetry (fitted: masseter-smile fascial barrier) | 0.15% of sessions | Peng 2018 | {:.2}% |", smile * 100.0);
        println!("| masseter {units} U: strength at day 90 (held out) | bite force normal at 3 months (synergists compensate) | Yu 2007; Kang 2025 | {:.2} |", m.daily[90].strength);
    }
    let c8 = run(&single("corrugator_supercilii", 8.0, 0.5), 120);
    let m = c8.muscle("corrugator_supercilii").unwrap();
    println!("| corrugator 8 U: strength at day 21 (fitted: c_cov) | EMG amplitude -64% (max voluntary) to -78% (motor unit) | Winn & Sires | {:.2} |", m.daily[21].strength);
    let d2 = run(&single("depressor_anguli_oris", 2.0, 0.05), 120);
    let m = d2.muscle("depressor_anguli_oris").unwrap();
    println!("| DAO 2 U: strength at day 21 (fitted: c_cov) | EMG -18% (max voluntary) to -54% (motor unit) | Winn & Sires | {:.2} |", m.daily[21].strength);
    eprintln!("wrote {}", figures.display());
    Ok(())
}
