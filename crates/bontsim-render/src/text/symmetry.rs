//! The symmetry planner's proposal as the patient's plan with the proposed injections added
//! (TOML: the original text, then commented `[[injection]]` tables; JSON: the same document
//! with the injections appended, the commentary returned beside it since JSON has no
//! comments), for `bontsim plan-symmetry` and every other front end.

use bontsim_core::anatomy::Anatomy;
use bontsim_core::face::house_brackmann_roman as roman;
use bontsim_core::face::planner::{Outcome, PlannerOptions, Proposal};
use bontsim_core::plan::{Format, Plan};
use bontsim_core::report::DISCLAIMER;

fn grades(outcome: &Outcome) -> String {
    let (worst, best) = outcome.house_brackmann_range;
    if worst == best {
        roman(worst).to_string()
    } else {
        format!("{} to {}", roman(best), roman(worst))
    }
}

/// Units as a plan would write them (no float noise).
fn units(value: f64) -> String {
    // `+ 0.0` turns a negative zero (the sum of no doses) into 0.
    let rounded = (value * 1000.0).round() / 1000.0 + 0.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded}")
    }
}

/// The commentary: objective, limits, scores before and after, the naive comparison.
fn summary(proposal: &Proposal, options: &PlannerOptions) -> Vec<String> {
    let first = options.day.max(0.0).ceil() as usize;
    let last = first + options.horizon_days - 1;
    let total: f64 = proposal.doses.iter().map(|d| d.units).sum();
    let cap = match options.max_units_per_muscle {
        Some(cap) => format!("{} U per muscle", units(cap)),
        None => "per muscle twice its usual upper dose".into(),
    };
    let mut lines = vec![
        format!("Proposed by `bontsim plan-symmetry` (bontsim {}).", env!("CARGO_PKG_VERSION")),
        DISCLAIMER.to_string(),
        "Predictions of the typical-patient model (docs/model.md); check every dose clinically.".into(),
        format!(
            "Objective: mean Sunnybrook composite over days {first}-{last}, synkinesis relief counted again; injections on day {}, {}.",
            options.day, options.product.name
        ),
        format!(
            "Limits ({} units): {} U in total, {cap}, steps of {} U; expressivity at least {:.2}; eye closure and lip seal kept as untreated; the healthy side moving at least as much as the palsied side in every expression; no new label warning.",
            options.product.name,
            units(options.max_units),
            units(options.step_units),
            options.min_expressivity
        ),
        String::new(),
        format!(
            "{:<28} {:>12} {:>12} {:>22}",
            "",
            if proposal.given_has_injections {
                "plan as given"
            } else {
                "untreated"
            },
            "proposed",
            format!("equal split ({} U)", units(total))
        ),
    ];
    let naive = proposal.naive.as_ref();
    let row = |name: &str, f: &dyn Fn(&Outcome) -> String| {
        format!(
            "{name:<28} {:>12} {:>12} {:>22}",
            f(&proposal.before),
            f(&proposal.after),
            naive.map(f).unwrap_or_else(|| "-".into())
        )
    };
    lines.push(row("Sunnybrook composite, mean", &|o| {
        format!("{:.1}", o.mean_sunnybrook)
    }));
    lines.push(row("Sunnybrook, best day", &|o| {
        format!("{:.1} (d{})", o.best.sunnybrook.composite, o.best_day)
    }));
    lines.push(row("Sunnybrook synkinesis, mean", &|o| {
        format!("{:.1}", o.mean_synkinesis)
    }));
    lines.push(row("eFACE total, mean", &|o| {
        format!("{:.1}", o.mean_eface)
    }));
    lines.push(row("House-Brackmann", &grades));
    lines.push(row("expressivity, minimum", &|o| {
        format!("{:.2}", o.min_expressivity)
    }));
    lines.push(row("lip seal, minimum", &|o| {
        format!("{:.2}", o.min_lip_seal)
    }));
    lines.push(row("full eye closure kept", &|o| {
        match o.eye_closure_kept {
            [true, true] => "both eyes",
            [true, false] => "left only",
            [false, true] => "right only",
            [false, false] => "neither",
        }
        .to_string()
    }));
    lines.push(String::new());
    lines.push(format!(
        "Search stopped: {} ({} simulations).",
        proposal.stopped, proposal.evaluations
    ));
    if proposal.doses.is_empty() {
        lines.push(
            "No dose proposed: no step of toxin improves this face within the limits.".into(),
        );
    }
    lines
}

fn comment(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| {
            if l.is_empty() {
                "#\n".to_string()
            } else {
                format!("# {l}\n")
            }
        })
        .collect()
}

/// A plan with the proposed doses added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The plan's text with the proposed injections (and, in TOML, their summary as comments).
    pub plan: String,
    /// The summary and each dose's reason, for a JSON plan, which cannot hold them (empty for
    /// TOML): the command line prints them on standard error.
    pub notes: Vec<String>,
}

/// The plan's text with the proposed doses added (and their summary as comments, or in
/// [`Planned::notes`] for JSON, which has none).
pub fn render(
    text: &str,
    format: Format,
    proposal: &Proposal,
    options: &PlannerOptions,
) -> Result<Planned, String> {
    let anatomy = Anatomy::get();
    let summary = summary(proposal, options);
    match format {
        Format::Toml => {
            let mut out = text.trim_end().to_string();
            out.push_str("\n\n");
            out.push_str("# ");
            out.push_str(&"-".repeat(88));
            out.push('\n');
            out.push_str(&comment(&summary));
            out.push_str("# ");
            out.push_str(&"-".repeat(88));
            out.push('\n');
            for dose in &proposal.doses {
                out.push_str(&format!(
                    "\n[[injection]]\n# {} ({}): {}\nday = {}\nproduct = \"{}\"\nmuscle = \"{}\"\nside = \"{}\"\nunits = {}\n",
                    anatomy.muscle(dose.muscle).name,
                    dose.side.name(),
                    dose.reason,
                    options.day,
                    options.product.name,
                    anatomy.muscle(dose.muscle).name,
                    dose.side.name(),
                    units(dose.units)
                ));
            }
            // What is printed must be a plan `simulate` reads: appending tables to a plan whose
            // injections are an inline array would not be.
            Plan::parse(&out, Format::Toml).map_err(|errors| {
                format!(
                    "cannot append the proposed [[injection]] tables to this plan ({}); write its injections as [[injection]] tables",
                    errors.0.first().map(|e| e.to_string()).unwrap_or_default()
                )
            })?;
            Ok(Planned {
                plan: out,
                notes: Vec::new(),
            })
        }
        Format::Json => {
            let mut value: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| format!("cannot re-read the JSON plan: {e}"))?;
            let object = value
                .as_object_mut()
                .ok_or("the JSON plan is not an object")?;
            let list = object
                .entry("injection")
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
            let list = list
                .as_array_mut()
                .ok_or("`injection` in the JSON plan is not an array")?;
            for dose in &proposal.doses {
                list.push(serde_json::json!({
                    "day": options.day,
                    "product": options.product.name,
                    "muscle": anatomy.muscle(dose.muscle).name,
                    "side": dose.side.name(),
                    "units": (dose.units * 1000.0).round() / 1000.0,
                }));
            }
            let mut notes = summary;
            for dose in &proposal.doses {
                notes.push(format!(
                    "{} ({}) {} U: {}",
                    anatomy.muscle(dose.muscle).name,
                    dose.side.name(),
                    units(dose.units),
                    dose.reason
                ));
            }
            let mut out = serde_json::to_string_pretty(&value)
                .map_err(|e| format!("cannot write the JSON plan: {e}"))?;
            out.push('\n');
            Ok(Planned { plan: out, notes })
        }
    }
}
