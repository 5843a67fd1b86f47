//! The words of every figure and of the face picture: a plan named by its file and summarised
//! by its doses, muscles and areas by their anatomical names rather than their keys, days as
//! calendar dates when the plan has dates. A clinician handed a figure alone should know what
//! was simulated.

use bontsim_core::anatomy::{Anatomy, MuscleId};
use bontsim_core::plan::date::format_iso_date;
use bontsim_core::plan::{Injection, Plan, Site};
use std::fmt::Write as _;
use std::path::Path;

/// The plan as figures name it: `name` (file name without extension) and `doses` (one line).
pub struct PlanLabel {
    pub name: String,
    pub doses: String,
}

impl PlanLabel {
    /// `path` is the plan file, `None` for the embedded example plan.
    pub fn new(path: Option<&Path>, plan: &Plan) -> PlanLabel {
        PlanLabel {
            name: plan_name(path),
            doses: doses(plan),
        }
    }
}

/// A plan file's name without directory and extension; "embedded example" without a file.
pub fn plan_name(path: Option<&Path>) -> String {
    match path {
        None => "embedded example".to_string(),
        Some(path) => path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        ),
    }
}

/// A key in words: `lateral_canthal` -> "lateral canthal".
pub fn words(key: &str) -> String {
    key.replace('_', " ")
}

/// A muscle's anatomical name in lower case ("corrugator supercilii"), its key in words when
/// the anatomy does not know it.
pub fn muscle_name(muscle: &str) -> String {
    let anatomy = Anatomy::get();
    anatomy
        .index_of(muscle)
        .map(|index| anatomy.muscle(index).display_name.to_lowercase())
        .unwrap_or_else(|| words(muscle))
}

/// "corrugator supercilii (left)".
pub fn muscle_label(muscle: &str, side: &str) -> String {
    format!("{} ({side})", muscle_name(muscle))
}

/// The calendar date of `day` when day 0 has one (`start_date`: days since 1970-01-01).
pub fn date_of_day(start_date: Option<i64>, day: f64) -> Option<String> {
    start_date.map(|start| format_iso_date(start + day.floor() as i64))
}

/// A number of units or days without a needless ".0": 4, 2.5, 0.25.
fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Muscles named per product and session before the rest is summed as "+N more".
const MUSCLES_SHOWN: usize = 3;

/// One session's doses: "onabotulinumtoxinA: corrugator supercilii 8 U L+R, procerus 4 U".
fn session(injections: &[&Injection]) -> String {
    let anatomy = Anatomy::get();
    let mut products: Vec<&str> = Vec::new();
    for injection in injections {
        if !products.contains(&injection.product) {
            products.push(injection.product);
        }
    }
    let mut text = Vec::new();
    for product in products {
        let of_product: Vec<&&Injection> =
            injections.iter().filter(|i| i.product == product).collect();
        let mut muscles: Vec<MuscleId> = Vec::new();
        for injection in &of_product {
            if !muscles.contains(&injection.muscle) {
                muscles.push(injection.muscle);
            }
        }
        let units_at = |muscle: MuscleId, site: Site| -> f64 {
            of_product
                .iter()
                .filter(|i| i.muscle == muscle && i.site == site)
                .map(|i| i.units)
                .sum()
        };
        let mut parts: Vec<String> = muscles
            .iter()
            .take(MUSCLES_SHOWN)
            .map(|&muscle| {
                let name = anatomy.muscle(muscle).display_name.to_lowercase();
                let [left, right, midline] =
                    [Site::Left, Site::Right, Site::Midline].map(|s| units_at(muscle, s));
                let mut sites = Vec::new();
                if midline > 0.0 {
                    sites.push(if left + right > 0.0 {
                        format!("{} U midline", number(midline))
                    } else {
                        format!("{} U", number(midline))
                    });
                }
                if left > 0.0 && left == right {
                    sites.push(format!("{} U L+R", number(left)));
                } else {
                    for (units, side) in [(left, "L"), (right, "R")] {
                        if units > 0.0 {
                            sites.push(format!("{} U {side}", number(units)));
                        }
                    }
                }
                format!("{name} {}", sites.join(", "))
            })
            .collect();
        if muscles.len() > MUSCLES_SHOWN {
            let total: f64 = of_product.iter().map(|i| i.units).sum();
            parts.push(format!(
                "+{} more muscles ({} U in all)",
                muscles.len() - MUSCLES_SHOWN,
                number(total)
            ));
        }
        text.push(format!("{product}: {}", parts.join(", ")));
    }
    text.join("; ")
}

/// The plan's doses in one line: the first session, then the schedule ("every 120 days x 6"
/// when every session repeats it at a fixed interval), and the date of day 0 when dated.
pub fn doses(plan: &Plan) -> String {
    let mut sessions: Vec<(f64, Vec<&Injection>)> = Vec::new();
    for injection in &plan.injections {
        match sessions.last_mut() {
            Some((day, list)) if *day == injection.day => list.push(injection),
            _ => sessions.push((injection.day, vec![injection])),
        }
    }
    let Some((first_day, first)) = sessions.first() else {
        return "no injections".to_string();
    };
    let mut text = session(first);
    let texts: Vec<String> = sessions.iter().map(|(_, s)| session(s)).collect();
    let gaps: Vec<f64> = sessions.windows(2).map(|w| w[1].0 - w[0].0).collect();
    let same_doses = texts.iter().all(|t| *t == texts[0]);
    let same_gaps = gaps.iter().all(|g| (g - gaps[0]).abs() < 1e-9);
    if sessions.len() == 1 {
        text.push_str("; one session");
    } else if same_doses && same_gaps {
        let _ = write!(
            text,
            "; every {} days x {}",
            number(gaps[0]),
            sessions.len()
        );
    } else {
        let last = sessions.last().map_or(0.0, |(day, _)| *day);
        let _ = write!(
            text,
            " first; {} sessions to day {}",
            sessions.len(),
            number(last)
        );
    }
    if *first_day != 0.0 {
        let _ = write!(text, ", from day {}", number(*first_day));
    }
    if let Some(date) = date_of_day(plan.start_date, 0.0) {
        let _ = write!(text, " (day 0 = {date})");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use bontsim_core::plan::Format;

    fn plan(text: &str) -> Plan {
        Plan::parse(text, Format::Toml).expect("a valid plan")
    }

    #[test]
    fn a_repeated_plan_is_one_session_and_its_schedule() {
        let text = include_str!("../../../examples/glabella_20u_every_4_months.toml");
        assert_eq!(
            doses(&plan(text)),
            "onabotulinumtoxinA: procerus 4 U, corrugator supercilii 8 U L+R; every 120 days x 6"
        );
    }

    #[test]
    fn uneven_sides_dates_and_many_muscles() {
        let head = "[patient]\nsex = \"female\"\nage = 40\n";
        let shot = |when: &str, muscle: &str, side: &str, units: f64| {
            format!("[[injection]]\n{when}\nproduct = \"Botox\"\nmuscle = \"{muscle}\"\nside = \"{side}\"\nunits = {units}\n")
        };
        let uneven = format!(
            "{head}{}{}{}",
            shot("date = \"2026-01-15\"", "masseter", "left", 25.0),
            shot("date = \"2026-01-15\"", "masseter", "right", 20.0),
            shot("date = \"2026-04-15\"", "masseter", "left", 25.0)
        );
        assert_eq!(
            doses(&plan(&uneven)),
            "onabotulinumtoxinA: masseter 25 U L, 20 U R first; 2 sessions to day 90 (day 0 = 2026-01-15)"
        );
        let many = format!(
            "{head}{}{}{}{}",
            shot("day = 7", "frontalis", "left", 4.0),
            shot("day = 7", "procerus", "midline", 4.0),
            shot("day = 7", "mentalis", "midline", 2.5),
            shot("day = 7", "masseter", "right", 20.0)
        );
        assert_eq!(
            doses(&plan(&many)),
            "onabotulinumtoxinA: frontalis 4 U L, procerus 4 U, mentalis 2.5 U, +1 more muscles (30.5 U in all); one session, from day 7"
        );
        assert_eq!(doses(&plan(head)), "no injections");
    }

    #[test]
    fn names_for_people() {
        assert_eq!(
            muscle_label("corrugator_supercilii", "left"),
            "corrugator supercilii (left)"
        );
        assert_eq!(plan_name(None), "embedded example");
        assert_eq!(
            plan_name(Some(Path::new("plans/glabella_light_10u.toml"))),
            "glabella_light_10u"
        );
        assert_eq!(date_of_day(Some(0), 45.0).as_deref(), Some("1970-02-15"));
    }
}
