//! Validation: the raw plan ([`PlanFile`], from text or from the builder) checked field by
//! field into a [`Plan`], with repeats expanded and units converted. Text and builder share
//! this one path, so they cannot disagree about what a valid plan is.

use super::errors::{Collector, PlanError, PlanErrors};
use super::schema::PlanFile;
use super::source_lines::{line_of_offset, SourceLines};
use super::types::*;
use super::{aliases, date, fields, injection, loose, palsy};
use crate::anatomy::Anatomy;
use crate::model::immunity::AntibodyStatus;

impl Plan {
    /// Parse and validate plan text. Never panics, whatever the input.
    pub fn parse(text: &str, format: Format) -> Result<Plan, PlanErrors> {
        let root = match format {
            Format::Toml => loose::from_toml(text),
            Format::Json => loose::from_json(text),
        }
        .map_err(|e| {
            let line = e
                .line
                .or(e.offset.map(|offset| line_of_offset(text, offset)));
            PlanErrors(vec![PlanError {
                field: match (format, line) {
                    (Format::Toml, Some(line)) => SourceLines::scan_toml(text).section_at(line),
                    _ => "plan".into(),
                },
                line,
                message: e.message,
            }])
        })?;
        let lines = match format {
            Format::Toml => SourceLines::scan_toml(text),
            Format::Json => SourceLines::scan_json(text),
        };
        let (raw, read_errors) = fields::read_plan(&root);
        let mut errors = Collector {
            errors: Vec::new(),
            lines: &lines,
        };
        for error in read_errors {
            errors.located(error.field, &error.locate, error.message);
        }
        validate(raw, errors)
    }
}

pub(super) fn validate(raw: PlanFile, mut errors: Collector) -> Result<Plan, PlanErrors> {
    let anatomy = Anatomy::get();
    // A missing `[patient]` was reported while reading; its keys are then all absent.
    let raw_patient = raw.patient.clone().unwrap_or_default();
    let sex = match raw_patient.sex.as_deref().map(crate::names::canonical) {
        Some(sex) if sex == "female" => Sex::Female,
        Some(sex) if sex == "male" => Sex::Male,
        Some(_) => {
            errors.patient(
                "sex",
                format!(
                    "\"{}\" is not one of \"female\", \"male\"",
                    raw_patient.sex.as_deref().unwrap_or_default()
                ),
            );
            Sex::Female
        }
        None => Sex::Female,
    };
    let antibodies = match raw_patient
        .antibodies
        .as_deref()
        .map(crate::names::canonical)
    {
        None => AntibodyStatus::Modelled,
        Some(status) if status == "modelled" || status == "modeled" => AntibodyStatus::Modelled,
        Some(status) if status == "negative" => AntibodyStatus::Negative,
        Some(status) if status == "positive" => AntibodyStatus::Positive,
        Some(_) => {
            errors.patient(
                "antibodies",
                format!(
                    "\"{}\" is not one of \"modelled\", \"negative\", \"positive\"",
                    raw_patient.antibodies.as_deref().unwrap_or_default()
                ),
            );
            AntibodyStatus::Modelled
        }
    };
    let age = raw_patient.age.unwrap_or(0.0);
    if !age.is_finite() || !(0.0..=120.0).contains(&age) {
        errors.patient(
            "age",
            format!("{age} is not an age in years between 0 and 120"),
        );
    }
    let mut baseline_severity = [DEFAULT_BASELINE_SEVERITY; 3];
    for (index, severity) in area_severities(
        &raw_patient.baseline_severity,
        "baseline_severity",
        &mut errors,
    ) {
        baseline_severity[index] = severity;
    }
    let mut rest_severity = [None; 3];
    for (index, severity) in
        area_severities(&raw_patient.rest_severity, "rest_severity", &mut errors)
    {
        rest_severity[index] = Some(severity);
    }
    let mut overrides = vec![MuscleOverride::default(); anatomy.len()];
    let mut overridden: Vec<Option<&str>> = vec![None; anatomy.len()];
    for (name, raw_override) in &raw_patient.muscles {
        let field = format!("muscles.{name}");
        let Some(index) = anatomy.find(name) else {
            errors.patient(&field, unknown_muscle_message(name));
            continue;
        };
        if let Some(first) = overridden[index.index()].replace(name) {
            errors.patient(
                &field,
                format!("the same muscle as `{first}`: give its overrides once"),
            );
        }
        let mut value = MuscleOverride::default();
        for (key, given, target) in [
            ("mass_scale", raw_override.mass_scale, &mut value.mass_scale),
            (
                "sensitivity",
                raw_override.sensitivity,
                &mut value.sensitivity,
            ),
        ] {
            if let Some(given) = given {
                if given.is_finite() && (0.1..=10.0).contains(&given) {
                    *target = given;
                } else {
                    errors.patient(
                        &format!("{field}.{key}"),
                        format!(
                            "{} must be a number from 0.1 to 10 (a multiple of the typical patient)",
                            show_number(given)
                        ),
                    );
                }
            }
        }
        if let Some(susceptibility) = raw_override.atrophy_susceptibility {
            if susceptibility.is_finite() && (0.0..=0.95).contains(&susceptibility) {
                value.atrophy_susceptibility = Some(susceptibility);
            } else {
                errors.patient(
                    &format!("{field}.atrophy_susceptibility"),
                    format!("{susceptibility} must be between 0 and 0.95"),
                );
            }
        }
        overrides[index.index()] = value;
    }

    // Dates: day 0 is the earliest date given.
    let mut dates: Vec<Option<i64>> = Vec::with_capacity(raw.injections.len());
    for (entry, injection) in raw.injections.iter().enumerate() {
        dates.push(match (&injection.date, injection.day) {
            (Some(_), Some(_)) => {
                errors.injection(
                    entry,
                    "date",
                    "give either `day` or `date`, not both".into(),
                );
                None
            }
            (Some(text), None) => match date::parse_iso_date(text) {
                Ok(days) => Some(days),
                Err(error) => {
                    errors.injection(entry, "date", error.to_string());
                    None
                }
            },
            (None, _) => None,
        });
    }
    let start_date = dates.iter().flatten().min().copied();

    let mut injections = Vec::new();
    for (entry, injection) in raw.injections.iter().enumerate() {
        if let Some(expanded) =
            injection::validate_injection(entry, injection, dates[entry], start_date, &mut errors)
        {
            if injections.len() + expanded.len() > MAX_INJECTIONS {
                // Name `times` where repeats made the plan too large, else the entry itself.
                if injection.times.is_some_and(|times| times > 1) {
                    errors.injection(
                        entry,
                        "times",
                        format!("the plan expands to more than {MAX_INJECTIONS} injections"),
                    );
                } else {
                    let line = errors.lines.injection(entry, "day");
                    errors.errors.push(PlanError {
                        field: format!("injection[{}]", entry + 1),
                        line,
                        message: format!(
                            "the plan has more than {MAX_INJECTIONS} injections (the most bontsim simulates)"
                        ),
                    });
                }
                break;
            }
            injections.extend(expanded);
        }
    }
    injections.sort_by(|a, b| a.day.total_cmp(&b.day));
    let mut problems = Vec::new();
    let palsy = raw
        .palsy
        .as_ref()
        .and_then(|p| palsy::validate_palsy(p, &mut problems));
    let therapies: Vec<palsy::Therapy> = raw
        .therapies
        .iter()
        .enumerate()
        .filter_map(|(entry, t)| palsy::validate_therapy(entry, t, &mut problems))
        .collect();
    for problem in problems {
        errors.at(problem.field, problem.message);
    }
    let mut observations = Vec::new();
    for (entry, raw_observation) in raw.observations.iter().enumerate() {
        match crate::fit::validate_observation(raw_observation, start_date) {
            Ok(observation) => observations.push(observation),
            Err(problems) => {
                for problem in problems {
                    errors.at(
                        format!("observation[{}].{}", entry + 1, problem.key),
                        problem.message,
                    );
                }
            }
        }
    }
    if raw.patient.is_none() || !errors.errors.is_empty() {
        let mut errors = errors.errors;
        // Top to bottom, as the user reads the plan; problems without a line last.
        errors.sort_by_key(|e| e.line.unwrap_or(usize::MAX));
        return Err(PlanErrors(errors));
    }
    let mut plan = Plan {
        patient: Patient {
            sex,
            age,
            baseline_severity,
            rest_severity,
            antibodies,
            immune_quantile: crate::model::immunity::TYPICAL_QUANTILE,
            overrides,
        },
        injections,
        start_date,
        palsy,
        therapies,
        observations,
        warnings: Vec::new(),
    };
    plan.warnings = super::warnings::label_warnings(&plan);
    if plan.palsy.is_none() && !plan.therapies.is_empty() {
        plan.warnings.push(
            "therapy sessions without a [palsy] profile: training acts on a palsied side only, so they change nothing".into(),
        );
    }
    Ok(plan)
}

/// A number as a user would write it: plain, or in exponent form when very small or large.
pub(super) fn show_number(x: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-4..1e9).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

pub(super) fn unknown_muscle_message(name: &str) -> String {
    let anatomy = Anatomy::get();
    match anatomy.suggest(name) {
        Some(suggestion) => format!(
            "unknown muscle \"{name}\" (did you mean \"{suggestion}\"? `bontsim muscles` lists them)"
        ),
        None => format!("unknown muscle \"{name}\" (`bontsim muscles` lists them)"),
    }
}
/// The areas of a `[patient]` table of severities (`baseline_severity`, `rest_severity`) as
/// `(index in AREAS, severity)`; an unknown area or a severity outside 0-3 is an error naming
/// `key.area`. Area names are forgiving; crow's feet are scored as lateral canthal lines.
fn area_severities(
    table: &std::collections::BTreeMap<String, f64>,
    key: &str,
    errors: &mut Collector,
) -> Vec<(usize, f64)> {
    let mut found = Vec::new();
    for (area, severity) in table {
        let canonical = crate::names::canonical(area);
        let canonical = match aliases::find_area(&canonical) {
            Some(found) if found.name == "crows_feet" => "lateral_canthal".to_string(),
            _ => canonical,
        };
        match AREAS.iter().position(|a| *a == canonical) {
            Some(index) if severity.is_finite() && (0.0..=3.0).contains(severity) => {
                found.push((index, *severity))
            }
            Some(_) => errors.patient(
                &format!("{key}.{area}"),
                format!("{severity} is not a severity between 0 and 3"),
            ),
            None => errors.patient(
                &format!("{key}.{area}"),
                format!("unknown area \"{area}\"; known areas: {}", AREAS.join(", ")),
            ),
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[patient]
sex = "female"
age = 42

[[injection]]
day = 0
product = "onabotulinumtoxinA"
muscle = "corrugator_supercilii"
side = "left"
units = 4
every_days = 120
times = 6
"#;

    #[test]
    fn repeats_expand_like_mrgsolve_addl() {
        let plan = Plan::parse(GOOD, Format::Toml).unwrap();
        let days: Vec<f64> = plan.injections.iter().map(|i| i.day).collect();
        assert_eq!(days, vec![0.0, 120.0, 240.0, 360.0, 480.0, 600.0]);
    }

    #[test]
    fn extent_counts_sessions_not_only_days() {
        let one_session = GOOD.replace("every_days = 120\ntimes = 6\n", "");
        let plan = Plan::parse(&one_session, Format::Toml).unwrap();
        assert_eq!(plan.extent(), "1 injection in 1 session on day 0");
        let plan = Plan::parse(GOOD, Format::Toml).unwrap();
        assert_eq!(
            plan.extent(),
            "6 injections in 6 sessions over 600 days (day 0 to day 600)"
        );
        let untreated = GOOD.split("[[injection]]").next().unwrap();
        let plan = Plan::parse(untreated, Format::Toml).unwrap();
        assert_eq!(plan.extent(), "no injections");
    }

    #[test]
    fn too_many_injections_name_the_entry_or_its_times() {
        let entry = "[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"masseter\"\nside = \"left\"\nunits = 1\n";
        let repeated = |times: u32| {
            entry.replace(
                "units = 1\n",
                &format!("units = 1\nevery_days = 1\ntimes = {times}\n"),
            )
        };
        // Exactly the limit, in repeats that stay within 100 years.
        let mut text = GOOD.split("[[injection]]").next().unwrap().to_string();
        for times in [30_000, 30_000, 30_000, 10_000] {
            text += &repeated(times);
        }
        assert_eq!(
            Plan::parse(&text, Format::Toml).unwrap().injections.len(),
            100_000
        );
        let errors = Plan::parse(&(text.clone() + entry), Format::Toml)
            .unwrap_err()
            .0;
        assert_eq!(errors[0].field, "injection[5]");
        assert!(errors[0].message.contains("more than 100000 injections"));
        let errors = Plan::parse(&(text + &repeated(2)), Format::Toml)
            .unwrap_err()
            .0;
        assert_eq!(errors[0].field, "injection[5].times");
    }

    #[test]
    fn errors_name_line_and_field() {
        let bad = GOOD
            .replace("corrugator_supercilii", "corugator")
            .replace("units = 4", "units = -4");
        let errors = Plan::parse(&bad, Format::Toml).unwrap_err().0;
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, "injection[1].muscle");
        assert_eq!(errors[0].line, Some(9));
        assert!(errors[0]
            .message
            .contains("did you mean \"corrugator_supercilii\""));
        assert_eq!(errors[1].field, "injection[1].units");
        assert_eq!(errors[1].line, Some(11));
    }

    #[test]
    fn unknown_keys_are_rejected_with_a_line() {
        let bad = GOOD.replace("units = 4", "unit = 4");
        let errors = Plan::parse(&bad, Format::Toml).unwrap_err().0;
        // Both problems at once: the unknown key at its line, the required key it was meant
        // to be as missing (at the entry's header, line 6).
        let unknown = errors
            .iter()
            .find(|e| e.message.contains("unknown field `unit`"))
            .expect("the unknown key");
        assert_eq!(unknown.line, Some(11));
        assert_eq!(unknown.field, "injection[1]");
        assert!(unknown.message.contains("did you mean `units`?"));
        assert!(errors
            .iter()
            .any(|e| e.field == "injection[1].units" && e.line == Some(6)));
    }

    #[test]
    fn json_is_the_same_schema() {
        let json = r#"{"patient": {"sex": "male", "age": 50},
            "injection": [{"date": "2026-01-15", "product": "Dysport", "muscle": "procerus",
                           "side": "midline", "units": 10},
                          {"date": "2026-05-15", "product": "abobotulinumtoxinA", "muscle": "procerus",
                           "side": "midline", "units": 10}]}"#;
        let plan = Plan::parse(json, Format::Json).unwrap();
        assert_eq!(plan.injections[1].day, 120.0);
        assert!((plan.injections[0].equivalent_units - 4.0).abs() < 1e-12);
        assert_eq!(
            plan.start_date,
            Some(date::parse_iso_date("2026-01-15").unwrap())
        );
    }

    #[test]
    fn json_errors_name_the_line_of_the_key() {
        let json = "{\n  \"patient\": {\"sex\": \"female\", \"age\": 40},\n  \"injection\": [\n    {\"day\": 0, \"product\": \"onabotulinumtoxinA\",\n     \"muscle\": \"masseterr\", \"side\": \"left\", \"units\": 20}\n  ]\n}\n";
        let errors = Plan::parse(json, Format::Json).unwrap_err().0;
        assert_eq!(errors[0].field, "injection[1].muscle");
        assert_eq!(errors[0].line, Some(5));
        let bad_age = json.replace("\"age\": 40", "\"age\": -4");
        let errors = Plan::parse(&bad_age, Format::Json).unwrap_err().0;
        assert_eq!(
            (errors[0].field.as_str(), errors[0].line),
            ("patient.age", Some(2))
        );
    }

    #[test]
    fn patient_subtable_errors_have_lines() {
        let text =
            "[patient]\nsex = \"female\"\nage = 40\n[patient.muscles.masseter]\nsensitivity = -1\n";
        let errors = Plan::parse(text, Format::Toml).unwrap_err().0;
        assert_eq!(errors[0].field, "patient.muscles.masseter.sensitivity");
        assert_eq!(errors[0].line, Some(5));
        let no_patient = GOOD.replace("[patient]\nsex = \"female\"\nage = 42\n", "");
        let missing = Plan::parse(&no_patient, Format::Toml).unwrap_err().0;
        assert_eq!(missing[0].field, "plan");
    }

    #[test]
    fn repeats_and_dates_stay_within_a_hundred_years() {
        let repeats = GOOD.replace("times = 6", "times = 400");
        let errors = Plan::parse(&repeats, Format::Toml).unwrap_err().0;
        assert_eq!(errors[0].field, "injection[1].times");
        let dates = "[patient]\nsex = \"male\"\nage = 40\n[[injection]]\ndate = \"0001-01-01\"\nproduct = \"Botox\"\nmuscle = \"masseter\"\nside = \"left\"\nunits = 20\n[[injection]]\ndate = \"9999-12-31\"\nproduct = \"Botox\"\nmuscle = \"masseter\"\nside = \"left\"\nunits = 20\n";
        let errors = Plan::parse(dates, Format::Toml).unwrap_err().0;
        assert_eq!(errors[0].field, "injection[2].date");
    }

    const PALSY: &str = r#"
[patient]
sex = "female"
age = 50

[palsy]
affected_side = "left"
house_brackmann = 4
onset_day = -400
[palsy.branches]
temporal = 0.2
zygomatic = 0.4
buccal = 0.4
marginal_mandibular = 0.3
cervical = 0.5
[palsy.synkinesis]
oral_ocular = 0.5
ocular_oral = 0.3
mentalis = 0.3
platysma = 0.3

[[therapy]]
kind = "neuromuscular_retraining"
start_day = 0
end_day = 120
sessions_per_week = 3
"#;

    #[test]
    fn the_palsy_schema_is_accepted() {
        let plan = Plan::parse(PALSY, Format::Toml).unwrap();
        let palsy = plan.palsy.as_ref().unwrap();
        assert_eq!(palsy.house_brackmann, Some(4));
        assert_eq!(palsy.branches, [0.2, 0.4, 0.4, 0.3, 0.5]);
        assert_eq!(plan.therapies[0].end_day, 120.0);
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    }

    #[test]
    fn bad_palsy_profiles_are_located() {
        let cases = [
            (
                "house_brackmann = 4",
                "house_brackmann = 7",
                "palsy.house_brackmann",
                8,
            ),
            ("buccal = 0.4", "buccal = 1.4", "palsy.branches.buccal", 13),
            ("end_day = 120\n", "", "therapy[1].end_day", 22),
            (
                "oral_ocular = 0.5",
                "oral_ocular = -0.5",
                "palsy.synkinesis.oral_ocular",
                17,
            ),
            (
                "onset_day = -400",
                "onset_day = -400\nexpected_recovery = 1.2",
                "palsy.expected_recovery",
                10,
            ),
            (
                "onset_day = -400",
                "onset_day = -400\nrecovery_time_constant_days = 0",
                "palsy.recovery_time_constant_days",
                10,
            ),
        ];
        for (from, to, field, line) in cases {
            let errors = Plan::parse(&PALSY.replace(from, to), Format::Toml)
                .unwrap_err()
                .0;
            assert_eq!(
                (errors[0].field.as_str(), errors[0].line),
                (field, Some(line)),
                "{to}"
            );
        }
    }

    #[test]
    fn parse_errors_in_palsy_and_therapy_name_their_section_and_json_lines() {
        let typed = PALSY.replace("house_brackmann = 4", "house_brackmann = 3.5");
        let errors = Plan::parse(&typed, Format::Toml).unwrap_err().0;
        assert_eq!(
            (errors[0].field.as_str(), errors[0].line),
            ("palsy.house_brackmann", Some(8))
        );
        assert!(
            errors[0].message.contains("Roman numeral") && errors[0].message.contains("3.5"),
            "{}",
            errors[0].message
        );
        let unknown = PALSY.replace(
            "sessions_per_week = 3",
            "sessions_per_week = 3\nfrequency = 2",
        );
        let errors = Plan::parse(&unknown, Format::Toml).unwrap_err().0;
        assert_eq!(
            (errors[0].field.as_str(), errors[0].line),
            ("therapy[1]", Some(27))
        );
        let json = "{\"patient\": {\"sex\": \"male\", \"age\": 40},\n \"palsy\": {\"affected_side\": \"left\",\n \"branches\": {\"buccal\": 2}},\n \"therapy\": [{\"kind\": \"neuromuscular_retraining\",\n \"start_day\": 0, \"sessions_per_week\": 1}]}";
        let errors = Plan::parse(json, Format::Json).unwrap_err().0;
        let located: Vec<(&str, Option<usize>)> =
            errors.iter().map(|e| (e.field.as_str(), e.line)).collect();
        assert!(
            located.contains(&("palsy.branches.buccal", Some(3))),
            "{located:?}"
        );
        assert!(
            located.contains(&("therapy[1].end_day", Some(4))),
            "{located:?}"
        );
    }

    #[test]
    fn midline_only_where_allowed() {
        let bad = GOOD.replace("side = \"left\"", "side = \"midline\"");
        let errors = Plan::parse(&bad, Format::Toml).unwrap_err().0;
        assert_eq!(errors[0].field, "injection[1].side");
    }

    #[test]
    fn antibody_status_is_read_and_checked() {
        let with = |status: &str| {
            GOOD.replacen(
                "[patient]\n",
                &format!("[patient]\nantibodies = {status}\n"),
                1,
            )
        };
        let plan = Plan::parse(&with("\"Negative\""), Format::Toml).unwrap();
        assert_eq!(plan.patient.antibodies, AntibodyStatus::Negative);
        let typical = Plan::parse(GOOD, Format::Toml).unwrap();
        assert_eq!(typical.patient.antibodies, AntibodyStatus::Modelled);
        assert_eq!(
            typical.patient.immune_quantile,
            crate::model::immunity::TYPICAL_QUANTILE
        );
        let errors = Plan::parse(&with("\"maybe\""), Format::Toml).unwrap_err().0;
        assert_eq!(errors[0].field, "patient.antibodies");
        assert!(errors[0].line.is_some());
        assert!(errors[0].message.contains("\"positive\""), "{}", errors[0]);
        let errors = Plan::parse(&with("1"), Format::Toml).unwrap_err().0;
        assert_eq!(errors[0].field, "patient.antibodies");
    }
}
