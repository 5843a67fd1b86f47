//! One `[[injection]]` entry validated and expanded: its day, product, target (a muscle and
//! side, or a treatment area of [`super::aliases`] split into its muscles), units, volume and
//! repeats. Every problem is reported with the entry's field; nothing is guessed.

use super::aliases::{self, Area, Target};
use super::errors::Collector;
use super::schema::InjectionFile;
use super::types::{Injection, Site, DEFAULT_VOLUME_ML, MAX_DAY, MAX_INJECTIONS};
use super::validate::unknown_muscle_message;
use crate::anatomy::{Anatomy, MuscleId, Side};
use crate::names::canonical;
use crate::product::{find_product, products, suggest_product, Product};

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
    muscle: MuscleId,
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

#[cfg(test)]
mod tests {
    use crate::anatomy::Anatomy;
    use crate::plan::{Format, Plan, Site};

    const PATIENT: &str = "[patient]\nsex = \"female\"\nage = 40\n";

    fn plan(injection: &str) -> Result<Plan, Vec<crate::plan::PlanError>> {
        Plan::parse(
            &format!("{PATIENT}[[injection]]\nday = 0\n{injection}"),
            Format::Toml,
        )
        .map_err(|e| e.0)
    }

    /// (muscle, site, units, volume_ml) of every injection.
    fn doses(plan: &Plan) -> Vec<(String, Site, f64, f64)> {
        let anatomy = Anatomy::get();
        plan.injections
            .iter()
            .map(|i| {
                (
                    anatomy.muscle(i.muscle).name.clone(),
                    i.site,
                    i.units,
                    i.volume_ml,
                )
            })
            .collect()
    }

    #[test]
    fn names_of_muscles_sides_and_products_are_case_insensitive() {
        let typed =
            plan("product = \"BOTOX\"\nmuscle = \"Frontalis\"\nside = \"Left\"\nunits = 10\n")
                .unwrap();
        let exact = plan(
            "product = \"onabotulinumtoxinA\"\nmuscle = \"frontalis\"\nside = \"left\"\nunits = 10\n",
        )
        .unwrap();
        assert_eq!(typed.injections, exact.injections);
        let spaced = plan(
            "product = \"Botox Cosmetic\"\nmuscle = \"Corrugator Supercilii\"\nside = \"RIGHT\"\nunits = 4\n",
        )
        .unwrap();
        assert_eq!(doses(&spaced)[0].0, "corrugator_supercilii");
        assert_eq!(spaced.injections[0].site, Site::Right);
    }

    #[test]
    fn every_area_expands_to_its_muscles_with_the_documented_split() {
        use Site::{Left, Midline, Right};
        type Dose = (&'static str, Site, f64, f64);
        let cases: [(&str, f64, Vec<Dose>); 9] = [
            (
                "glabella",
                20.0,
                vec![
                    ("procerus", Midline, 4.0, 0.1),
                    ("corrugator_supercilii", Left, 8.0, 0.2),
                    ("corrugator_supercilii", Right, 8.0, 0.2),
                ],
            ),
            (
                "forehead",
                20.0,
                vec![
                    ("frontalis", Left, 10.0, 0.25),
                    ("frontalis", Right, 10.0, 0.25),
                ],
            ),
            (
                "crows_feet",
                24.0,
                vec![
                    ("orbicularis_oculi", Left, 12.0, 0.3),
                    ("orbicularis_oculi", Right, 12.0, 0.3),
                ],
            ),
            (
                "bunny_lines",
                8.0,
                vec![("nasalis", Left, 4.0, 0.1), ("nasalis", Right, 4.0, 0.1)],
            ),
            (
                "gummy_smile",
                4.0,
                vec![
                    ("levator_labii_superioris_alaeque_nasi", Left, 2.0, 0.1),
                    ("levator_labii_superioris_alaeque_nasi", Right, 2.0, 0.1),
                ],
            ),
            (
                "jawline",
                50.0,
                vec![
                    ("masseter", Left, 25.0, 0.3),
                    ("masseter", Right, 25.0, 0.3),
                ],
            ),
            (
                "neck_bands",
                30.0,
                vec![
                    ("platysma", Left, 15.0, 0.4),
                    ("platysma", Right, 15.0, 0.4),
                ],
            ),
            ("chin", 4.0, vec![("mentalis", Midline, 4.0, 0.1)]),
            (
                "dao",
                6.0,
                vec![
                    ("depressor_anguli_oris", Left, 3.0, 0.1),
                    ("depressor_anguli_oris", Right, 3.0, 0.1),
                ],
            ),
        ];
        for (area, units, expected) in cases {
            let expected: Vec<(String, Site, f64, f64)> = expected
                .into_iter()
                .map(|(m, s, u, v)| (m.to_string(), s, u, v))
                .collect();
            for key in ["area", "muscle"] {
                let parsed = plan(&format!(
                    "product = \"Botox\"\n{key} = \"{area}\"\nunits = {units}\n"
                ))
                .unwrap_or_else(|e| panic!("{key} = {area}: {e:?}"));
                assert_eq!(doses(&parsed), expected, "{key} = \"{area}\"");
                assert!(parsed.injections.iter().all(|i| i.entry == 1));
            }
        }
    }

    #[test]
    fn an_area_plan_is_the_same_plan_as_the_muscles_written_out() {
        let by_hand = include_str!("../../../../examples/glabella_20u_every_4_months.toml");
        let by_area = format!(
            "{PATIENT}[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\narea = \"Glabella\"\nunits = 20\nevery_days = 120\ntimes = 6\n"
        );
        let by_hand = Plan::parse(by_hand, Format::Toml).unwrap();
        let by_area = Plan::parse(&by_area, Format::Toml).unwrap();
        let strip = |plan: &Plan| -> Vec<_> {
            plan.injections
                .iter()
                .map(|i| {
                    (
                        i.day,
                        i.muscle,
                        i.site,
                        i.units,
                        i.equivalent_units,
                        i.volume_ml,
                    )
                })
                .collect()
        };
        assert_eq!(strip(&by_area), strip(&by_hand));
        assert_eq!(by_area.warnings, by_hand.warnings);
    }

    #[test]
    fn area_units_are_the_total_and_warnings_see_the_expanded_doses() {
        // 100 U into the neck: 50 U per side, above the 40 U per session of the neck limit.
        let neck = plan("product = \"Botox\"\narea = \"neck bands\"\nunits = 100\n").unwrap();
        assert_eq!(neck.injections.len(), 2);
        assert!(neck.injections.iter().all(|i| i.units == 50.0));
        assert!(
            neck.warnings
                .iter()
                .any(|w| w.starts_with("neck dose: 100.0 U")),
            "{:?}",
            neck.warnings
        );
        // Dysport 50 U glabella: 20 U-eq in all.
        let dysport = plan("product = \"Dysport\"\narea = \"glabella\"\nunits = 50\n").unwrap();
        let total: f64 = dysport.injections.iter().map(|i| i.equivalent_units).sum();
        assert!((total - 20.0).abs() < 1e-12);
        // A given volume is the area's total, split like the units.
        let volume =
            plan("product = \"Botox\"\narea = \"glabella\"\nunits = 20\nvolume_ml = 1\n").unwrap();
        let volumes: Vec<f64> = volume.injections.iter().map(|i| i.volume_ml).collect();
        assert_eq!(volumes, vec![0.2, 0.4, 0.4]);
    }

    #[test]
    fn one_side_of_an_area_is_half_its_pattern() {
        let left = plan("product = \"Botox\"\narea = \"glabella\"\nside = \"left\"\nunits = 10\n")
            .unwrap();
        assert_eq!(
            doses(&left),
            vec![
                ("procerus".to_string(), Site::Left, 2.0, 0.05),
                ("corrugator_supercilii".to_string(), Site::Left, 8.0, 0.2),
            ]
        );
        let errors =
            plan("product = \"Botox\"\narea = \"forehead\"\nside = \"midline\"\nunits = 20\n")
                .unwrap_err();
        assert_eq!(errors[0].field, "injection[1].side");
        assert!(
            errors[0].message.contains("frontalis left 10 U"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn mistyped_products_areas_and_muscles_get_a_suggestion_or_the_expansion() {
        let errors =
            plan("product = \"Botx\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n")
                .unwrap_err();
        assert_eq!(errors[0].field, "injection[1].product");
        assert!(
            errors[0].message.contains("did you mean \"Botox\"?"),
            "{}",
            errors[0].message
        );
        let errors = plan("product = \"Botox\"\narea = \"glabela\"\nunits = 20\n").unwrap_err();
        assert!(
            errors[0].message.contains("did you mean \"glabella\"?"),
            "{}",
            errors[0].message
        );
        let errors = plan("product = \"Botox\"\nmuscle = \"glabela\"\nunits = 20\n").unwrap_err();
        assert!(
            errors[0]
                .message
                .contains("did you mean the area \"glabella\"?"),
            "{}",
            errors[0].message
        );
        let errors = plan("product = \"Botox\"\narea = \"lip flip\"\nunits = 4\n").unwrap_err();
        assert!(
            errors[0].message.contains("muscle = \"orbicularis_oris\""),
            "{}",
            errors[0].message
        );
        let errors = plan("product = \"Botox\"\narea = \"Frontalis\"\nunits = 4\n").unwrap_err();
        assert!(
            errors[0].message.contains("is a muscle, not an area"),
            "{}",
            errors[0].message
        );
        let errors = plan("product = \"Botox\"\nmuscle = \"masseter\"\nunits = 25\n").unwrap_err();
        assert_eq!(
            (errors[0].field.as_str(), errors[0].line),
            ("injection[1].side", Some(7))
        );
        assert!(
            errors[0].message.contains("area = \"masseter\""),
            "{}",
            errors[0].message
        );
        let errors =
            plan("product = \"Botox\"\nmuscle = \"procerus\"\narea = \"glabella\"\nunits = 4\n")
                .unwrap_err();
        assert_eq!(errors[0].field, "injection[1].area");
    }
}
