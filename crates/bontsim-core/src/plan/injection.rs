//! One `[[injection]]` entry validated and expanded: its day, product, target (a muscle and
//! side, or a treatment area of [`super::aliases`] split into its muscles), units, volume and
//! repeats. Every problem is reported with the entry's field; nothing is guessed.

use super::aliases::{self, Area, Target};
use super::{
    find_product, products, suggest_product, unknown_muscle_message, Collector, Injection,
    InjectionFile, Product, Site, DEFAULT_VOLUME_ML, MAX_DAY, MAX_INJECTIONS,
};
use crate::anatomy::{Anatomy, Side};
use crate::names::canonical;

/// Injection sites per mL at the default volume (0.1 mL a site): dividing by it gives the
/// same volumes as written by hand (3 sites: 0.3 mL, not 0.30000000000000004).
const SITES_PER_ML: f64 = 1.0 / DEFAULT_VOLUME_ML;

/// What an entry injects: one muscle's side or midline, or an area's muscles.
enum Aim {
    Muscle(Target),
    Area(Vec<Target>),
}

pub(super) fn validate_injection(
    entry: usize,
    raw: &InjectionFile,
    date: Option<i64>,
    start_date: Option<i64>,
    errors: &mut Collector,
) -> Option<Vec<Injection>> {
    let before = errors.errors.len();
    let day = match (raw.day, date, start_date) {
        (Some(day), _, _) if !day.is_finite() || day < 0.0 => {
            errors.injection(
                entry,
                "day",
                format!("{day} is not a day offset of 0 or more"),
            );
            0.0
        }
        (Some(day), _, _) if day > MAX_DAY => {
            errors.injection(
                entry,
                "day",
                format!("{day} is more than 100 years ({MAX_DAY} days) after day 0"),
            );
            0.0
        }
        (Some(day), _, _) => day,
        (None, Some(date), Some(start)) if (date - start) as f64 > MAX_DAY => {
            errors.injection(
                entry,
                "date",
                format!(
                    "{} days after the plan's first date: more than 100 years ({MAX_DAY} days)",
                    date - start
                ),
            );
            0.0
        }
        (None, Some(date), Some(start)) => (date - start) as f64,
        (None, None, _)
            if raw.date.is_none()
                && !errors.reported(&field(entry, "day"))
                && !errors.reported(&field(entry, "date")) =>
        {
            errors.injection(
                entry,
                "day",
                "missing: give `day` (days from day 0) or `date` (YYYY-MM-DD)".into(),
            );
            0.0
        }
        _ => 0.0, // bad date or day already reported
    };
    let product: Option<&'static Product> = raw.product.as_deref().and_then(find_product);
    if let (None, Some(name)) = (product, &raw.product) {
        errors.injection(entry, "product", unknown_product_message(name));
    }
    let aim = aim(entry, raw, errors);
    match raw.units {
        None => {} // reported while reading
        Some(units) if !units.is_finite() || units <= 0.0 => errors.injection(
            entry,
            "units",
            format!("{units} is not a positive number of units"),
        ),
        Some(units) if units > 1000.0 => errors.injection(
            entry,
            "units",
            format!("{units} units in one injection is beyond any product's vial"),
        ),
        Some(_) => {}
    }
    let volume_ml = match raw.volume_ml {
        Some(volume) if !volume.is_finite() || volume <= 0.0 || volume > 10.0 => {
            errors.injection(
                entry,
                "volume_ml",
                format!("{volume} is not a volume in mL between 0 and 10"),
            );
            None
        }
        other => other,
    };
    let (every_days, times) = repeats(entry, raw, errors);
    let last_day = day + every_days * (times.max(1) - 1) as f64;
    if errors.errors.len() == before && last_day > MAX_DAY {
        errors.injection_at(
            entry,
            "times",
            "every_days",
            format!(
                "the repeats run to day {last_day}, more than 100 years ({MAX_DAY} days) after day 0"
            ),
        );
    }
    if errors.errors.len() > before {
        return None;
    }
    let product = product?;
    let units = raw.units?;
    let targets = match aim? {
        Aim::Muscle(target) => vec![(target, units, volume_ml.unwrap_or(DEFAULT_VOLUME_ML))],
        Aim::Area(targets) => {
            // `units` and a given `volume_ml` are the area's totals, shared out by sites.
            let sites: f64 = targets.iter().map(|t| t.sites).sum();
            targets
                .into_iter()
                .map(|t| {
                    let volume = match volume_ml {
                        Some(total) => total * t.sites / sites,
                        None => t.sites / SITES_PER_ML,
                    };
                    (t, units * t.sites / sites, volume)
                })
                .collect()
        }
    };
    Some(
        (0..times as usize)
            .flat_map(|k| {
                targets
                    .iter()
                    .map(move |(target, units, volume_ml)| Injection {
                        day: day + every_days * k as f64,
                        product: product.name.as_str(),
                        muscle: target.muscle,
                        site: target.site,
                        units: *units,
                        equivalent_units: product.equivalent_units(*units),
                        volume_ml: *volume_ml,
                        entry: entry + 1,
                    })
            })
            .collect(),
    )
}

fn field(entry: usize, key: &str) -> String {
    format!("injection[{}].{key}", entry + 1)
}

fn unknown_product_message(name: &str) -> String {
    let names: Vec<&str> = products().iter().map(|p| p.name.as_str()).collect();
    let suggestion = suggest_product(name)
        .map(|s| format!(" (did you mean \"{s}\"?)"))
        .unwrap_or_default();
    format!(
        "unknown product \"{name}\"{suggestion}; known products: {} (brands too: `bontsim products`)",
        names.join(", ")
    )
}

/// The muscle and side, or the area and its muscles, of an entry.
fn aim(entry: usize, raw: &InjectionFile, errors: &mut Collector) -> Option<Aim> {
    let anatomy = Anatomy::get();
    match (&raw.muscle, &raw.area) {
        (Some(_), Some(_)) => {
            errors.injection(
                entry,
                "area",
                "give either `muscle` or `area`, not both".into(),
            );
            None
        }
        (None, None) => {
            if !errors.reported(&field(entry, "muscle")) && !errors.reported(&field(entry, "area"))
            {
                errors.injection(
                    entry,
                    "muscle",
                    format!(
                        "missing: give `muscle` (`bontsim muscles`) or `area` ({})",
                        aliases::area_names()
                    ),
                );
            }
            None
        }
        (Some(name), None) => match anatomy.find(name) {
            Some(index) if !anatomy.muscle(index).injectable => {
                errors.injection(
                    entry,
                    "muscle",
                    format!(
                        "{name} is never an injection target (it is modelled only as a neighbour at risk from spread)"
                    ),
                );
                None
            }
            Some(index) => muscle_site(entry, index, raw, errors).map(|site| {
                Aim::Muscle(Target {
                    muscle: index,
                    site,
                    sites: 1.0,
                })
            }),
            None => match aliases::find_area(name) {
                Some(area) => area_targets(entry, area, raw, errors),
                None => {
                    let message = match aliases::not_expanded_hint(name) {
                        Some(hint) => format!("\"{name}\" is not an area bontsim expands: {hint}"),
                        None => match (anatomy.suggest(name), aliases::suggest_area(name)) {
                            (None, Some(area)) => format!(
                                "unknown muscle or area \"{name}\" (did you mean the area \"{area}\"? areas: {}; `bontsim muscles` lists the muscles)",
                                aliases::area_names()
                            ),
                            _ => unknown_muscle_message(name),
                        },
                    };
                    errors.injection(entry, "muscle", message);
                    None
                }
            },
        },
        (None, Some(name)) => match aliases::find_area(name) {
            Some(area) => area_targets(entry, area, raw, errors),
            None => {
                let message = if let Some(index) = anatomy.find(name) {
                    format!(
                        "\"{name}\" is a muscle, not an area: write muscle = \"{}\" with a side (areas: {})",
                        anatomy.muscle(index).name,
                        aliases::area_names()
                    )
                } else if let Some(hint) = aliases::not_expanded_hint(name) {
                    format!("\"{name}\" is not an area bontsim expands: {hint}")
                } else {
                    let suggestion = aliases::suggest_area(name)
                        .map(|s| format!("did you mean \"{s}\"? "))
                        .unwrap_or_default();
                    format!(
                        "unknown area \"{name}\" ({suggestion}areas: {})",
                        aliases::area_names()
                    )
                };
                errors.injection(entry, "area", message);
                None
            }
        },
    }
}

/// The side of a muscle injection: required, `midline` only where the muscle allows it.
fn muscle_site(
    entry: usize,
    muscle: usize,
    raw: &InjectionFile,
    errors: &mut Collector,
) -> Option<Site> {
    let anatomy = Anatomy::get();
    let name = &anatomy.muscle(muscle).name;
    let midline_allowed: Vec<&str> = anatomy
        .muscles
        .iter()
        .filter(|m| m.midline_allowed)
        .map(|m| m.name.as_str())
        .collect();
    // A muscle that is also an area (masseter) can be injected on both sides at once.
    let both_sides = match aliases::find_area(name) {
        Some(area) => format!(
            "; for both sides write area = \"{}\" (the units split evenly)",
            area.name
        ),
        None => "; for both sides give one injection per side".into(),
    };
    let Some(text) = &raw.side else {
        if !errors.reported(&field(entry, "side")) {
            errors.injection_at(
                entry,
                "side",
                "muscle",
                format!(
                    "missing: give side = \"left\" or \"right\" (\"midline\" for {}){both_sides}",
                    midline_allowed.join(", ")
                ),
            );
        }
        return None;
    };
    match canonical(text).as_str() {
        "left" => Some(Site::Left),
        "right" => Some(Site::Right),
        "midline" if anatomy.muscle(muscle).midline_allowed => Some(Site::Midline),
        "midline" => {
            errors.injection(
                entry,
                "side",
                format!(
                    "\"midline\" is not valid for {name}; use \"left\" or \"right\" (midline is valid for: {})",
                    midline_allowed.join(", ")
                ),
            );
            None
        }
        _ => {
            errors.injection(
                entry,
                "side",
                format!("\"{text}\" is not one of \"left\", \"right\", \"midline\"{both_sides}"),
            );
            None
        }
    }
}

/// An area's injections for the entry's side: none (or "both") is the whole pattern,
/// "left" or "right" one half of it.
fn area_targets(
    entry: usize,
    area: &'static Area,
    raw: &InjectionFile,
    errors: &mut Collector,
) -> Option<Aim> {
    let side = match raw.side.as_deref().map(canonical).as_deref() {
        None | Some("both") | Some("bilateral") => None,
        Some("left") => Some(Side::Left),
        Some("right") => Some(Side::Right),
        Some("midline") if area.all_midline() => None,
        Some(_) => {
            errors.injection(
                entry,
                "side",
                format!(
                    "\"{}\" is not a side of the area {}: leave `side` out for both sides (the units split as {}), or give \"left\" or \"right\" for one half",
                    raw.side.as_deref().unwrap_or_default(),
                    area.name,
                    area.describe()
                ),
            );
            return None;
        }
    };
    Some(Aim::Area(area.targets(side)))
}

/// `every_days` and `times`: both or neither (one injection).
fn repeats(entry: usize, raw: &InjectionFile, errors: &mut Collector) -> (f64, i64) {
    match (raw.every_days, raw.times) {
        (None, None) => (0.0, 1),
        (Some(every), Some(times)) => {
            if !every.is_finite() || every < 1.0 {
                errors.injection(
                    entry,
                    "every_days",
                    format!("{every} must be at least 1 day"),
                );
            }
            if times < 1 {
                errors.injection(
                    entry,
                    "times",
                    format!("{times} must be at least 1 (the number of injections in all)"),
                );
            } else if times as usize > MAX_INJECTIONS {
                errors.injection(
                    entry,
                    "times",
                    format!("{times} is more than {MAX_INJECTIONS}"),
                );
            }
            (every, times.max(1))
        }
        (Some(_), None) => {
            if !errors.reported(&field(entry, "times")) {
                errors.injection_at(
                    entry,
                    "times",
                    "every_days",
                    "missing: `every_days` needs `times` (the number of injections in all)".into(),
                );
            }
            (0.0, 1)
        }
        (None, Some(times)) => {
            if times != 1 && !errors.reported(&field(entry, "every_days")) {
                errors.injection_at(
                    entry,
                    "every_days",
                    "times",
                    "missing: `times` above 1 needs `every_days`".into(),
                );
            }
            (0.0, 1)
        }
    }
}
