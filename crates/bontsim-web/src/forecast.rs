//! A patient's chart as a bontsim plan, and what the model says about it. Every charted
//! point is a muscle, a side and units on a date, so the visits (signed ones, drafts as the
//! planned next visit, an addendum in place of the visit it corrects) are written as plan
//! TOML, parsed by the core and simulated by the `Engine`: the page, the export and
//! `bontsim simulate` read the very same plan. Day 0 is the first visit's date.

use crate::store::{Observation, Patient, Visit};
use bontsim_core::engine::{Engine, SimulateRequest};
use bontsim_core::plan::date::{format_iso_date, parse_iso_date};
use bontsim_core::plan::MAX_DAYS;
use bontsim_core::report::MuscleReport;
use bontsim_core::{Format, Plan, Report};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Days forecast past the later of today and the last visit.
pub const FORECAST_DAYS: i64 = 365;

/// Today as days since 1970.
pub fn today() -> i64 {
    crate::store::now().div_euclid(86_400)
}

pub fn day_number(date: &str) -> Option<i64> {
    parse_iso_date(date).ok()
}

/// The visits that count: an addendum once signed stands in for the visit it corrects, and
/// a visit without points adds nothing.
pub fn effective_visits(visits: &[Visit]) -> Vec<&Visit> {
    let replaced: Vec<&str> = visits
        .iter()
        .filter(|v| v.signed())
        .filter_map(|v| v.amends.as_deref())
        .collect();
    visits
        .iter()
        .filter(|v| !replaced.contains(&v.id.as_str()))
        .filter(|v| v.amends.is_none() || v.signed())
        .filter(|v| !v.points.is_empty())
        .collect()
}

/// The date of day 0: the first counting visit's, else the palsy's onset, else today.
pub fn reference_day(patient: &Patient, visits: &[&Visit]) -> i64 {
    visits
        .iter()
        .filter_map(|v| day_number(&v.date))
        .min()
        .or_else(|| patient.palsy.as_ref().and_then(|p| day_number(&p.onset)))
        .unwrap_or_else(today)
}

/// `[patient]` (and `[palsy]`) of the plan, with the age at `reference`.
pub fn patient_toml(patient: &Patient, reference: i64) -> String {
    let year: i64 = format_iso_date(reference)[..4].parse().unwrap_or(2026);
    let age = (year - patient.birth_year).clamp(0, 120);
    let mut text = format!(
        "[patient]\nsex = \"{}\"\nage = {age}\n",
        crate::pages::toml_escape(&patient.sex)
    );
    if let Some(palsy) = &patient.palsy {
        let onset = day_number(&palsy.onset).unwrap_or(reference) - reference;
        let _ = write!(
            text,
            "\n[palsy]\naffected_side = \"{}\"\nhouse_brackmann = {}\nonset_day = {onset}\n",
            crate::pages::toml_escape(&palsy.side),
            palsy.house_brackmann
        );
    }
    text
}

/// The patient's chart as plan TOML that `bontsim simulate` accepts unchanged, and its day 0.
pub fn plan_toml(patient: &Patient, visits: &[Visit]) -> (String, i64) {
    let counting = effective_visits(visits);
    let reference = reference_day(patient, &counting);
    let mut text = format!(
        "# bontsim plan of patient {} exported by the clinic; day 0 = {}.\n# {}\n",
        crate::pages::toml_comment(&patient.code),
        format_iso_date(reference),
        bontsim_core::report::DISCLAIMER
    );
    text.push_str(&patient_toml(patient, reference));
    for visit in counting {
        let day = day_number(&visit.date).unwrap_or(reference) - reference;
        // One injection per muscle and side: points into the same muscle add up.
        let mut doses: BTreeMap<(&str, &str), f64> = BTreeMap::new();
        for point in &visit.points {
            *doses
                .entry((point.muscle.as_str(), point.side.as_str()))
                .or_default() += point.units;
        }
        let _ = writeln!(
            text,
            "\n# visit {} ({}, lot {})",
            visit.date,
            visit.status,
            crate::pages::toml_comment(&visit.lot)
        );
        for ((muscle, side), units) in doses {
            let _ = write!(
                text,
                "[[injection]]\nday = {day}\nproduct = \"{}\"\nmuscle = \"{}\"\nside = \"{}\"\nunits = {}\n",
                crate::pages::toml_escape(&visit.product),
                crate::pages::toml_escape(muscle),
                crate::pages::toml_escape(side),
                crate::pages::number(units)
            );
        }
    }
    (text, reference)
}

/// The patient's plan (its text and parsed), its day 0, today's day in it and the days
/// forecast: [`FORECAST_DAYS`] past the later of today and the last visit.
fn forecast_plan(
    engine: &Engine,
    patient: &Patient,
    visits: &[Visit],
) -> Result<(String, Plan, i64, i64, usize), String> {
    let (plan_text, reference) = plan_toml(patient, visits);
    let plan = engine
        .parse_plan(&plan_text, Format::Toml)
        .map_err(|e| e.to_string())?;
    let today = today() - reference;
    let last = plan
        .injections
        .iter()
        .map(|i| i.day as i64)
        .max()
        .unwrap_or(0);
    let days = (today.max(last) + FORECAST_DAYS).clamp(30, MAX_DAYS as i64) as usize;
    Ok((plan_text, plan, reference, today, days))
}

/// The forecast of a patient: the plan, its report and where today lies.
pub struct Forecast {
    pub plan_text: String,
    pub plan: Plan,
    pub report: Report,
    pub reference: i64,
    /// Today's day number in the report (may lie before day 0 or past the end).
    pub today: i64,
}

impl Forecast {
    pub fn new(engine: &Engine, patient: &Patient, visits: &[Visit]) -> Result<Forecast, String> {
        let (plan_text, plan, reference, today, days) = forecast_plan(engine, patient, visits)?;
        let mut request = SimulateRequest::new(&plan);
        request.days = Some(days);
        let report = engine.simulate(&request).map_err(|e| e.to_string())?;
        Ok(Forecast {
            plan_text,
            plan,
            report,
            reference,
            today,
        })
    }

    /// The muscles of the forecast alone (as in [`Forecast::new`]'s report, to the bit),
    /// without the face graded every day that costs most of a whole report: what a what-if
    /// compared by muscle size needs.
    pub fn muscles(
        engine: &Engine,
        patient: &Patient,
        visits: &[Visit],
    ) -> Result<Vec<MuscleReport>, String> {
        let (_, plan, _, _, days) = forecast_plan(engine, patient, visits)?;
        let mut request = SimulateRequest::new(&plan);
        request.days = Some(days);
        engine.simulate_muscles(&request).map_err(|e| e.to_string())
    }

    pub fn date(&self, day: i64) -> String {
        format_iso_date(self.reference + day)
    }

    /// The day today falls on, within the report.
    pub fn today_index(&self) -> usize {
        self.today.clamp(0, self.report.days as i64 - 1) as usize
    }

    /// Per treated muscle and side, the day its effect wears off after its latest dose (its
    /// strength back above the effect threshold), if within the forecast.
    pub fn wear_off(&self) -> Vec<(String, String, Option<String>)> {
        let threshold = self.report.thresholds.effect_strength;
        self.report
            .muscles
            .iter()
            .filter(|m| m.injected_units > 0.0)
            .map(|m| {
                let last = m.cycles.last().map(|c| c.day.ceil() as usize).unwrap_or(0);
                let mut reached = false;
                let mut day = None;
                for daily in m.daily.iter().skip(last) {
                    if daily.strength <= threshold {
                        reached = true;
                    } else if reached {
                        day = Some(daily.day as i64);
                        break;
                    }
                }
                (m.muscle.clone(), m.side.clone(), day.map(|d| self.date(d)))
            })
            .collect()
    }

    /// Where recorded follow-up disagrees with the typical-patient forecast, in plain words.
    pub fn disagreements(&self, observations: &[Observation]) -> Vec<String> {
        let mut said = Vec::new();
        for observation in observations {
            let Some(date) = day_number(&observation.date) else {
                continue;
            };
            let day = date - self.reference;
            if day < 0 || day >= self.report.days as i64 {
                continue;
            }
            let day = day as usize;
            if let Some(area) = self
                .report
                .areas
                .iter()
                .find(|a| a.area == observation.area)
            {
                let forecast = &area.daily[day];
                for (what, recorded, predicted) in [
                    (
                        "at maximal contraction",
                        observation.max_severity,
                        forecast.severity,
                    ),
                    ("at rest", observation.rest_severity, forecast.rest_severity),
                ] {
                    if let Some(recorded) = recorded {
                        if (recorded - predicted).abs() >= 1.0 {
                            said.push(format!(
                                "On {}, {} severity {what} was recorded as {} but the typical-patient forecast is {:.1}: this patient responds {} than the model's typical patient.",
                                observation.date,
                                crate::pages::words(&observation.area),
                                crate::pages::number(recorded),
                                predicted,
                                if recorded > predicted { "less" } else { "more" }
                            ));
                        }
                    }
                }
            }
            if let Some(returned) = observation.movement_returned_day {
                let predicted = self.wear_off_after(day).map(|d| d as i64 - day as i64);
                if let Some(predicted) = predicted {
                    if (returned - predicted).abs() > 21 {
                        said.push(format!(
                            "Movement was noticed returning {returned} days after the visit of {}, but the forecast expects about {predicted} days: the effect {} than predicted.",
                            observation.date,
                            if returned < predicted { "wore off sooner" } else { "lasted longer" }
                        ));
                    }
                }
            }
            if let Some(face) = self.report.face.daily.get(day) {
                if let Some(recorded) = observation.sunnybrook {
                    if (recorded - face.sunnybrook).abs() > 15.0 {
                        said.push(format!(
                            "On {}, the recorded Sunnybrook score {} differs from the forecast {:.0} by more than 15 points.",
                            observation.date,
                            crate::pages::number(recorded),
                            face.sunnybrook
                        ));
                    }
                }
                if let Some(recorded) = observation.eface {
                    if (recorded - face.eface_total).abs() > 15.0 {
                        said.push(format!(
                            "On {}, the recorded eFACE score {} differs from the forecast {:.0} by more than 15 points.",
                            observation.date,
                            crate::pages::number(recorded),
                            face.eface_total
                        ));
                    }
                }
                if let Some(recorded) = observation.house_brackmann {
                    if (recorded - face.house_brackmann as i64).abs() >= 2 {
                        said.push(format!(
                            "On {}, the recorded House-Brackmann grade {recorded} differs from the forecast grade {} by two grades or more.",
                            observation.date, face.house_brackmann
                        ));
                    }
                }
            }
        }
        // Masseter thickness against the forecast volume: relative to the first recording.
        let thickness: Vec<(usize, f64)> = observations
            .iter()
            .filter_map(|o| {
                let day = day_number(&o.date)? - self.reference;
                let mm = o.masseter_mm?;
                (day >= 0 && (day as usize) < self.report.days).then_some((day as usize, mm))
            })
            .collect();
        if let (Some(first), Some(masseter)) = (thickness.first(), self.report.muscle("masseter")) {
            for &(day, mm) in thickness.iter().skip(1) {
                let recorded = mm / first.1;
                let predicted =
                    masseter.daily[day].volume / masseter.daily[first.0].volume.max(1e-9);
                if (recorded - predicted).abs() > 0.10 {
                    said.push(format!(
                        "On {}, the masseter measured {:.0}% of its first recorded thickness; the forecast volume is {:.0}%.",
                        self.date(day as i64),
                        recorded * 100.0,
                        predicted * 100.0
                    ));
                }
            }
        }
        said
    }

    /// The first day after `day` on which every treated muscle is back above the effect
    /// threshold, having been below it.
    fn wear_off_after(&self, day: usize) -> Option<usize> {
        let threshold = self.report.thresholds.effect_strength;
        let treated: Vec<_> = self
            .report
            .muscles
            .iter()
            .filter(|m| m.injected_units > 0.0)
            .collect();
        let mut reached = false;
        for d in day..self.report.days {
            let below = treated.iter().any(|m| m.daily[d].strength <= threshold);
            if below {
                reached = true;
            } else if reached {
                return Some(d);
            }
        }
        None
    }
}

// -----------------------------------------------------------------------------------------
// Charts drawn as inline SVG.

/// One line of a chart: its label and (day, value) points.
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// Recorded values drawn as dots over a chart.
pub struct Dots {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
];

/// A line chart over days with today marked: the lines, their legend and recorded dots.
pub fn line_chart(
    title: &str,
    y_label: &str,
    y_range: (f64, f64),
    series: &[Series],
    dots: &[Dots],
    today: Option<f64>,
    days: f64,
) -> String {
    let (width, height) = (680.0, 260.0);
    let (left, right, top, bottom) = (48.0, 190.0, 28.0, 32.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let days = days.max(1.0);
    let span = (y_range.1 - y_range.0).max(1e-9);
    let sx = |d: f64| left + d.clamp(0.0, days) / days * plot_w;
    let sy = |v: f64| top + (1.0 - ((v - y_range.0) / span).clamp(0.0, 1.0)) * plot_h;
    let mut out = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        crate::pages::escape(title)
    );
    let _ = write!(
        out,
        "<text x=\"{left}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{}</text>",
        crate::pages::escape(title)
    );
    let _ = write!(
        out,
        "<rect x=\"{left}\" y=\"{top}\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"#fafafa\" stroke=\"#999\"/>"
    );
    for i in 0..=4 {
        let v = y_range.0 + span * i as f64 / 4.0;
        let y = sy(v);
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e0e0e0\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
            left + plot_w,
            left - 4.0,
            y + 3.0,
            crate::pages::number((v * 100.0).round() / 100.0)
        );
    }
    let _ = write!(
        out,
        "<text x=\"12\" y=\"{:.1}\" font-size=\"10\" transform=\"rotate(-90 12 {:.1})\" text-anchor=\"middle\">{}</text>",
        top + plot_h / 2.0,
        top + plot_h / 2.0,
        crate::pages::escape(y_label)
    );
    let step = if days > 1500.0 {
        365.0
    } else if days > 400.0 {
        180.0
    } else {
        30.0
    };
    let mut d = 0.0;
    while d <= days {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{d}</text>",
            sx(d),
            top + plot_h + 14.0
        );
        d += step;
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">day</text>",
        left + plot_w / 2.0,
        height - 4.0
    );
    for (i, line) in series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let mut path = String::new();
        for (j, (day, value)) in line.points.iter().enumerate() {
            if !value.is_finite() {
                continue;
            }
            let _ = write!(
                path,
                "{}{:.1},{:.1}",
                if j == 0 { "M" } else { "L" },
                sx(*day),
                sy(*value)
            );
        }
        let _ = write!(
            out,
            "<path class=\"series\" d=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.8\"/>"
        );
        let ly = top + 12.0 + i as f64 * 14.0;
        let _ = write!(
            out,
            "<line x1=\"{0}\" x2=\"{1}\" y1=\"{ly:.1}\" y2=\"{ly:.1}\" stroke=\"{colour}\" stroke-width=\"3\"/><text x=\"{2}\" y=\"{3:.1}\" font-size=\"10\">{4}</text>",
            left + plot_w + 8.0,
            left + plot_w + 24.0,
            left + plot_w + 28.0,
            ly + 3.0,
            crate::pages::escape(&line.label)
        );
    }
    for (i, group) in dots.iter().enumerate() {
        for (day, value) in &group.points {
            let _ = write!(
                out,
                "<circle class=\"recorded\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#000\"><title>{}: {}</title></circle>",
                sx(*day),
                sy(*value),
                crate::pages::escape(&group.label),
                crate::pages::number(*value)
            );
        }
        let ly = top + 12.0 + (series.len() + i) as f64 * 14.0;
        let _ = write!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{ly:.1}\" r=\"4\" fill=\"#000\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}</text>",
            left + plot_w + 16.0,
            left + plot_w + 28.0,
            ly + 3.0,
            crate::pages::escape(&group.label)
        );
    }
    if let Some(today) = today.filter(|t| (0.0..=days).contains(t)) {
        let x = sx(today);
        let _ = write!(
            out,
            "<line class=\"today\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{top}\" y2=\"{:.1}\" stroke=\"#000\" stroke-dasharray=\"4 3\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">today</text>",
            top + plot_h,
            x + 3.0,
            top + 10.0
        );
    }
    out.push_str("</svg>");
    out
}

/// Every `step`-th day of a daily series, and the last.
pub fn thin<T>(daily: &[T], value: impl Fn(&T) -> f64) -> Vec<(f64, f64)> {
    let step = (daily.len() / 300).max(1);
    let mut points: Vec<(f64, f64)> = daily
        .iter()
        .enumerate()
        .step_by(step)
        .map(|(d, t)| (d as f64, value(t)))
        .collect();
    if let Some(last) = daily.last() {
        if !(daily.len() - 1).is_multiple_of(step) {
            points.push(((daily.len() - 1) as f64, value(last)));
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Point;

    fn patient() -> Patient {
        Patient {
            id: "p".into(),
            code: "A-1".into(),
            sex: "female".into(),
            birth_year: 1984,
            palsy: None,
        }
    }

    fn visit(id: &str, date: &str, status: &str, amends: Option<&str>, units: f64) -> Visit {
        Visit {
            id: id.into(),
            patient: "p".into(),
            date: date.into(),
            product: "Botox".into(),
            lot: "L1".into(),
            expiry: "2027-01-01".into(),
            dilution_ml: 2.5,
            status: status.into(),
            amends: amends.map(Into::into),
            note: String::new(),
            points: vec![Point {
                id: format!("{id}-1"),
                x: 1.0,
                y: 1.0,
                muscle: "procerus".into(),
                side: "midline".into(),
                units,
            }],
        }
    }

    #[test]
    fn a_signed_addendum_replaces_the_visit_it_corrects() {
        let visits = vec![
            visit("a", "2026-01-10", "signed", None, 4.0),
            visit("b", "2026-01-12", "signed", Some("a"), 6.0),
        ];
        let (text, reference) = plan_toml(&patient(), &visits);
        assert_eq!(format_iso_date(reference), "2026-01-12");
        assert!(text.contains("units = 6"), "{text}");
        assert!(!text.contains("units = 4"), "{text}");
        let plan = Engine::default().parse_plan(&text, Format::Toml).unwrap();
        assert_eq!(plan.injections.len(), 1);
    }

    #[test]
    fn the_forecast_has_severity_within_the_scale_and_a_chart_path() {
        let visits = vec![visit("a", "2026-01-10", "signed", None, 4.0)];
        let forecast = Forecast::new(&Engine::default(), &patient(), &visits).unwrap();
        assert!(!forecast.report.areas.is_empty());
        for area in &forecast.report.areas {
            assert!(area.daily.iter().all(|d| (0.0..=3.0).contains(&d.severity)));
        }
        let area = &forecast.report.areas[0];
        let chart = line_chart(
            "severity",
            "grade",
            (0.0, 3.0),
            &[Series {
                label: area.area.clone(),
                points: thin(&area.daily, |d| d.severity),
            }],
            &[],
            Some(forecast.today as f64),
            forecast.report.days as f64,
        );
        assert!(chart.contains("<path class=\"series\" d=\"M"));
    }
}
