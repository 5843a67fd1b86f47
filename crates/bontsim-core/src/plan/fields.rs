//! Reading a plan's loose tree ([`super::loose`]) into the typed [`PlanFile`], key by key:
//! every key of the wrong type, unknown key and missing required key is reported with its
//! field path (`injection[1].units: expected a number of units, got the string "4"`), and
//! reading goes on, so a plan's problems are all reported at once in TOML and in JSON.
//!
//! Numbers given as strings are refused, not converted: a plan says what it means.

use super::loose::Loose;
use super::palsy::{grade_from_roman, PalsyFile, TherapyFile};
use super::schema::{InjectionFile, MuscleOverrideFile, PatientFile, PlanFile};
use std::collections::BTreeMap;

/// One problem found while reading: the field it concerns, the field path whose line
/// locates it (an unknown key is reported on its table but located at the key), and why.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub locate: String,
    pub message: String,
}

type Entries = [(String, Loose)];

#[derive(Default)]
struct Reader {
    errors: Vec<FieldError>,
}

fn join(section: &str, key: &str) -> String {
    if section.is_empty() || section == "plan" {
        key.to_string()
    } else {
        format!("{section}.{key}")
    }
}

/// A key's value; `null` counts as absent (JSON writers emit it for "not given").
fn get<'v>(entries: &'v Entries, key: &str) -> Option<&'v Loose> {
    entries
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, value)| value)
        .filter(|value| **value != Loose::Null)
}

impl Reader {
    fn error(&mut self, field: String, message: String) {
        self.errors.push(FieldError {
            locate: field.clone(),
            field,
            message,
        });
    }

    fn expected(&mut self, field: String, what: &str, got: &Loose) {
        self.error(field, format!("expected {what}, got {}", got.describe()));
    }

    /// Reports the keys of a table that are not in `known`, on the table, at the key's line.
    fn unknown_keys(&mut self, entries: &Entries, section: &str, known: &[&str]) {
        for (key, _) in entries {
            if !known.contains(&key.as_str()) {
                self.errors.push(FieldError {
                    field: section.to_string(),
                    locate: join(section, key),
                    message: match crate::names::closest(key, known.iter().copied()) {
                        Some(close) => format!("unknown field `{key}` (did you mean `{close}`?)"),
                        None => {
                            format!("unknown field `{key}`; known fields: {}", known.join(", "))
                        }
                    },
                });
            }
        }
    }

    fn table<'v>(&mut self, value: &'v Loose, field: String, what: &str) -> Option<&'v Entries> {
        match value {
            Loose::Table(entries) => Some(entries),
            other => {
                self.expected(field, what, other);
                None
            }
        }
    }

    fn number(&mut self, entries: &Entries, section: &str, key: &str, what: &str) -> Option<f64> {
        match get(entries, key)? {
            Loose::Integer(value) => Some(*value as f64),
            Loose::Float(value) => Some(*value),
            other => {
                self.expected(join(section, key), what, other);
                None
            }
        }
    }

    fn integer(&mut self, entries: &Entries, section: &str, key: &str, what: &str) -> Option<i64> {
        match get(entries, key)? {
            Loose::Integer(value) => Some(*value),
            other => {
                self.expected(join(section, key), what, other);
                None
            }
        }
    }

    fn string(
        &mut self,
        entries: &Entries,
        section: &str,
        key: &str,
        what: &str,
    ) -> Option<String> {
        match get(entries, key)? {
            Loose::String(value) => Some(value.clone()),
            other => {
                self.expected(join(section, key), what, other);
                None
            }
        }
    }

    /// A required key: reports it as missing (with `hint`) when absent; a wrong type was
    /// reported by the typed reader that produced `value`.
    fn required<T>(
        &mut self,
        value: Option<T>,
        entries: &Entries,
        section: &str,
        key: &str,
        hint: &str,
    ) -> Option<T> {
        if value.is_none() && get(entries, key).is_none() {
            self.errors.push(FieldError {
                field: join(section, key),
                locate: section.to_string(),
                message: format!("missing: {hint}"),
            });
        }
        value
    }

    /// A table of numbers (`[palsy.branches]`, `baseline_severity`).
    fn numbers(
        &mut self,
        entries: &Entries,
        section: &str,
        key: &str,
        what: &str,
    ) -> BTreeMap<String, f64> {
        let field = join(section, key);
        let Some(value) = get(entries, key) else {
            return BTreeMap::new();
        };
        let Some(table) = self.table(value, field.clone(), &format!("a table of {what}")) else {
            return BTreeMap::new();
        };
        let mut numbers = BTreeMap::new();
        for (name, _) in table {
            if let Some(number) = self.number(table, &field, name, what) {
                numbers.insert(name.clone(), number);
            }
        }
        numbers
    }

    /// An array of tables (`[[injection]]`, `[[therapy]]`): each entry's table and its path.
    fn entries<'v>(&mut self, root: &'v Entries, key: &str) -> Vec<(String, Option<&'v Entries>)> {
        match get(root, key) {
            None => Vec::new(),
            Some(Loose::Array(values)) => values
                .iter()
                .enumerate()
                .map(|(index, value)| {
                    let path = format!("{key}[{}]", index + 1);
                    let table = self.table(value, path.clone(), &format!("an `{key}` table"));
                    (path, table)
                })
                .collect(),
            Some(other) => {
                self.expected(
                    key.to_string(),
                    &format!(
                        "a list of `[[{key}]]` tables (double brackets in TOML, an array in JSON)"
                    ),
                    other,
                );
                Vec::new()
            }
        }
    }
}

/// Reads a whole plan. Never fails: what cannot be read is reported and left out.
pub fn read_plan(root: &Loose) -> (PlanFile, Vec<FieldError>) {
    let mut reader = Reader::default();
    let mut plan = PlanFile::default();
    let Some(root) = reader.table(
        root,
        "plan".into(),
        "a plan: a table with `[patient]` and `[[injection]]`",
    ) else {
        return (plan, reader.errors);
    };
    reader.unknown_keys(
        root,
        "plan",
        &["patient", "injection", "palsy", "therapy", "observation"],
    );
    match get(root, "patient") {
        None => reader.error(
            "plan".into(),
            "missing field `patient`: a `[patient]` table with `sex` and `age`".into(),
        ),
        Some(value) => {
            plan.patient = reader
                .table(value, "patient".into(), "a `[patient]` table")
                .map(|entries| read_patient(&mut reader, entries));
        }
    }
    plan.injections = reader
        .entries(root, "injection")
        .into_iter()
        .map(|(path, entries)| match entries {
            Some(entries) => read_injection(&mut reader, entries, &path),
            None => InjectionFile::default(),
        })
        .collect();
    if let Some(value) = get(root, "palsy") {
        plan.palsy = reader
            .table(value, "palsy".into(), "a `[palsy]` table")
            .map(|entries| read_palsy(&mut reader, entries));
    }
    plan.therapies = reader
        .entries(root, "therapy")
        .into_iter()
        .map(|(path, entries)| match entries {
            Some(entries) => read_therapy(&mut reader, entries, &path),
            None => TherapyFile::default(),
        })
        .collect();
    plan.observations = reader
        .entries(root, "observation")
        .into_iter()
        .map(|(path, entries)| match entries {
            Some(entries) => read_observation(&mut reader, entries, &path),
            None => crate::fit::ObservationFile::default(),
        })
        .collect();
    (plan, reader.errors)
}

fn read_patient(reader: &mut Reader, entries: &Entries) -> PatientFile {
    let section = "patient";
    reader.unknown_keys(
        entries,
        section,
        &[
            "sex",
            "age",
            "baseline_severity",
            "rest_severity",
            "antibodies",
            "muscles",
        ],
    );
    let sex = reader.string(entries, section, "sex", "\"female\" or \"male\"");
    let age = reader.number(entries, section, "age", "an age in years");
    let antibodies = reader.string(
        entries,
        section,
        "antibodies",
        "\"modelled\", \"negative\" or \"positive\"",
    );
    let mut muscles = BTreeMap::new();
    if let Some(value) = get(entries, "muscles") {
        let what = "a table of muscles, each a table of overrides";
        if let Some(table) = reader.table(value, "patient.muscles".into(), what) {
            for (name, value) in table {
                let path = format!("patient.muscles.{name}");
                let Some(keys) = reader.table(value, path.clone(), "a table of overrides") else {
                    continue;
                };
                let known = ["mass_scale", "sensitivity", "atrophy_susceptibility"];
                reader.unknown_keys(keys, &path, &known);
                let multiple = "a multiple of the typical patient (a number)";
                muscles.insert(
                    name.clone(),
                    MuscleOverrideFile {
                        mass_scale: reader.number(keys, &path, "mass_scale", multiple),
                        sensitivity: reader.number(keys, &path, "sensitivity", multiple),
                        atrophy_susceptibility: reader.number(
                            keys,
                            &path,
                            "atrophy_susceptibility",
                            "a fraction from 0 to 0.95",
                        ),
                    },
                );
            }
        }
    }
    PatientFile {
        sex: reader.required(
            sex,
            entries,
            section,
            "sex",
            "the patient's sex, \"female\" or \"male\"",
        ),
        age: reader.required(age, entries, section, "age", "the patient's age in years"),
        baseline_severity: reader.numbers(
            entries,
            section,
            "baseline_severity",
            "a severity from 0 to 3",
        ),
        rest_severity: reader.numbers(entries, section, "rest_severity", "a severity from 0 to 3"),
        antibodies,
        muscles,
    }
}

fn read_injection(reader: &mut Reader, entries: &Entries, section: &str) -> InjectionFile {
    reader.unknown_keys(
        entries,
        section,
        &[
            "day",
            "date",
            "product",
            "muscle",
            "area",
            "side",
            "units",
            "volume_ml",
            "every_days",
            "times",
        ],
    );
    let date = match get(entries, "date") {
        None => None,
        Some(Loose::String(text)) | Some(Loose::Date(text)) => Some(text.clone()),
        Some(other) => {
            reader.expected(join(section, "date"), "a date, YYYY-MM-DD", other);
            None
        }
    };
    let product = reader.string(
        entries,
        section,
        "product",
        "a product name (`bontsim products`)",
    );
    let units = reader.number(entries, section, "units", "a number of units");
    InjectionFile {
        day: reader.number(entries, section, "day", "a day number (days after day 0)"),
        date,
        product: reader.required(
            product,
            entries,
            section,
            "product",
            "give the product, e.g. product = \"onabotulinumtoxinA\" or a brand such as \"Botox\" (`bontsim products`)",
        ),
        muscle: reader.string(entries, section, "muscle", "a muscle name (`bontsim muscles`)"),
        area: reader.string(entries, section, "area", "an area name such as \"glabella\""),
        side: reader.string(entries, section, "side", "\"left\", \"right\" or \"midline\""),
        units: reader.required(units, entries, section, "units", "give the labelled units of the product"),
        volume_ml: reader.number(entries, section, "volume_ml", "a volume in mL"),
        every_days: reader.number(entries, section, "every_days", "a number of days"),
        times: reader.integer(entries, section, "times", "a whole number of injections"),
    }
}

/// An `[[observation]]`: the keys of a row of an observations CSV.
fn read_observation(
    reader: &mut Reader,
    entries: &Entries,
    section: &str,
) -> crate::fit::ObservationFile {
    reader.unknown_keys(entries, section, &crate::fit::OBSERVATION_KEYS);
    let date = match get(entries, "date") {
        None => None,
        Some(Loose::String(text)) | Some(Loose::Date(text)) => Some(text.clone()),
        Some(other) => {
            reader.expected(join(section, "date"), "a date, YYYY-MM-DD", other);
            None
        }
    };
    crate::fit::ObservationFile {
        day: reader.number(entries, section, "day", "a day number (days after day 0)"),
        date,
        area: reader.string(
            entries,
            section,
            "area",
            "an area name such as \"glabella\"",
        ),
        muscle: reader.string(
            entries,
            section,
            "muscle",
            "a muscle name (`bontsim muscles`)",
        ),
        side: reader.string(entries, section, "side", "\"left\" or \"right\""),
        kind: reader.string(
            entries,
            section,
            "kind",
            "an observation kind such as \"severity_max\"",
        ),
        value: reader.number(entries, section, "value", "the observed value (a number)"),
        sd: reader.number(entries, section, "sd", "a measurement SD (a number)"),
    }
}

fn read_palsy(reader: &mut Reader, entries: &Entries) -> PalsyFile {
    let section = "palsy";
    reader.unknown_keys(
        entries,
        section,
        &[
            "affected_side",
            "house_brackmann",
            "onset_day",
            "branches",
            "synkinesis",
            "hypertonicity",
            "expected_recovery",
            "recovery_time_constant_days",
        ],
    );
    let grade = "a House-Brackmann grade: an integer 1 to 6 or a Roman numeral \"I\" to \"VI\"";
    let house_brackmann = match get(entries, "house_brackmann") {
        None => None,
        Some(Loose::Integer(value)) => Some(*value),
        Some(Loose::String(text)) => {
            let parsed = grade_from_roman(text);
            if parsed.is_none() {
                reader.error(
                    "palsy.house_brackmann".into(),
                    format!("\"{text}\" is not {grade}"),
                );
            }
            parsed
        }
        Some(other) => {
            reader.expected("palsy.house_brackmann".into(), grade, other);
            None
        }
    };
    let affected_side = reader.string(entries, section, "affected_side", "\"left\" or \"right\"");
    let onset_day = reader.number(
        entries,
        section,
        "onset_day",
        "a day number (days after day 0)",
    );
    let palsy = PalsyFile {
        affected_side: reader.required(
            affected_side,
            entries,
            section,
            "affected_side",
            "the palsied side, \"left\" or \"right\"",
        ),
        house_brackmann,
        onset_day: reader.required(
            onset_day,
            entries,
            section,
            "onset_day",
            "the day of onset relative to day 0, which sets the palsy's course: e.g. onset_day = 0 \
             for an acute palsy starting on day 0 (it then recovers, 85% by default), \
             onset_day = -730 for a palsy of two years, past its plateau",
        ),
        branches: reader.numbers(entries, section, "branches", "a residual function from 0 to 1"),
        synkinesis: reader.numbers(entries, section, "synkinesis", "a coupling from 0 to 1"),
        hypertonicity: reader.numbers(entries, section, "hypertonicity", "a tone from 0 to 1"),
        expected_recovery: reader.number(
            entries,
            section,
            "expected_recovery",
            "a share from 0 to 1",
        ),
        recovery_time_constant_days: reader.number(
            entries,
            section,
            "recovery_time_constant_days",
            "a number of days",
        ),
    };
    if get(entries, "house_brackmann").is_none() && get(entries, "branches").is_none() {
        reader.error(
            "palsy".into(),
            "give `house_brackmann` (1-6 or I-VI) or `[palsy.branches]` residual function".into(),
        );
    }
    palsy
}

fn read_therapy(reader: &mut Reader, entries: &Entries, section: &str) -> TherapyFile {
    reader.unknown_keys(
        entries,
        section,
        &["kind", "start_day", "end_day", "sessions_per_week"],
    );
    let kinds = super::palsy::THERAPY_KINDS.join("\" or \"");
    let kind = reader.string(entries, section, "kind", &format!("\"{kinds}\""));
    let start_day = reader.number(entries, section, "start_day", "a day number");
    let end_day = reader.number(entries, section, "end_day", "a day number");
    let sessions = reader.number(
        entries,
        section,
        "sessions_per_week",
        "a number of sessions",
    );
    TherapyFile {
        kind: reader.required(
            kind,
            entries,
            section,
            "kind",
            &format!("the therapy, \"{kinds}\""),
        ),
        start_day: reader.required(
            start_day,
            entries,
            section,
            "start_day",
            "the first day of therapy",
        ),
        end_day: reader.required(
            end_day,
            entries,
            section,
            "end_day",
            "a therapy needs an `end_day` (open-ended therapy cannot be simulated)",
        ),
        sessions_per_week: reader.required(
            sessions,
            entries,
            section,
            "sessions_per_week",
            "the number of sessions per week",
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::{date, Format, Plan, PlanError};

    const TOML: &str = "[patient]\nsex = \"female\"\nage = 40\n\n[[injection]]\nday = 0\nproduct = \"Botox\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n";

    fn errors(text: &str, format: Format) -> Vec<PlanError> {
        Plan::parse(text, format).unwrap_err().0
    }

    fn located(errors: &[PlanError]) -> Vec<(&str, Option<usize>)> {
        errors.iter().map(|e| (e.field.as_str(), e.line)).collect()
    }

    #[test]
    fn a_type_error_names_its_field_and_line_in_toml() {
        let errors = errors(&TOML.replace("units = 4", "units = \"4\""), Format::Toml);
        assert_eq!(located(&errors), vec![("injection[1].units", Some(10))]);
        assert_eq!(
            errors[0].message,
            "expected a number of units, got the string \"4\""
        );
    }

    #[test]
    fn a_type_error_names_its_field_and_line_in_json_and_all_are_reported_at_once() {
        let json = "{\n  \"patient\": {\"sex\": \"female\", \"age\": \"forty\"},\n  \"injection\": [\n    {\"day\": 0, \"product\": \"Botox\", \"muscle\": \"procerus\",\n     \"side\": \"midline\", \"units\": \"4\"},\n    {\"day\": 120, \"product\": \"Botox\", \"muscle\": \"procerus\",\n     \"side\": \"midline\", \"units\": 4, \"times\": 2.5, \"colour\": \"blue\"}\n  ]\n}\n";
        let errors = errors(json, Format::Json);
        assert_eq!(
            located(&errors),
            vec![
                ("patient.age", Some(2)),
                ("injection[1].units", Some(5)),
                ("injection[2]", Some(7)),
                ("injection[2].times", Some(7)),
            ],
            "{errors:#?}"
        );
        assert_eq!(
            errors[1].message,
            "expected a number of units, got the string \"4\""
        );
        assert!(errors[2].message.contains("unknown field `colour`"));
        assert!(errors[3].message.contains("got the number 2.5"));
    }

    #[test]
    fn type_and_value_errors_come_together() {
        let text = TOML
            .replace("units = 4", "units = \"4\"")
            .replace("procerus", "procrus")
            .replace("age = 40", "age = 400");
        let fields: Vec<String> = errors(&text, Format::Toml)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            vec!["patient.age", "injection[1].muscle", "injection[1].units"]
        );
    }

    #[test]
    fn an_unquoted_toml_date_is_a_date() {
        let text = TOML.replace("day = 0", "date = 2026-01-15");
        let plan = Plan::parse(&text, Format::Toml).unwrap();
        assert_eq!(
            plan.start_date,
            Some(date::parse_iso_date("2026-01-15").unwrap())
        );
        let with_time = errors(
            &TOML.replace("day = 0", "date = 2026-01-15T09:30:00"),
            Format::Toml,
        );
        assert_eq!(located(&with_time), vec![("injection[1].date", Some(6))]);
        assert!(with_time[0].message.contains("YYYY-MM-DD"));
    }

    const PALSY: &str = "[patient]\nsex = \"female\"\nage = 50\n[palsy]\naffected_side = \"left\"\nhouse_brackmann = 4\nonset_day = -400\n";

    #[test]
    fn house_brackmann_is_an_integer_or_a_roman_numeral() {
        for (written, grade) in [
            ("4", 4),
            ("\"IV\"", 4),
            ("\"iv\"", 4),
            ("\"VI\"", 6),
            ("\"i\"", 1),
        ] {
            let text = PALSY.replace(
                "house_brackmann = 4",
                &format!("house_brackmann = {written}"),
            );
            let plan = Plan::parse(&text, Format::Toml).unwrap();
            assert_eq!(
                plan.palsy.unwrap().house_brackmann,
                Some(grade),
                "{written}"
            );
        }
        let bad = errors(&PALSY.replace("= 4", "= \"VII\""), Format::Toml);
        assert_eq!(located(&bad), vec![("palsy.house_brackmann", Some(6))]);
        assert!(
            bad[0].message.contains("\"I\" to \"VI\""),
            "{}",
            bad[0].message
        );
    }

    #[test]
    fn a_palsy_without_onset_is_refused_not_guessed_acute() {
        let bad = errors(&PALSY.replace("onset_day = -400\n", ""), Format::Toml);
        assert_eq!(located(&bad), vec![("palsy.onset_day", Some(4))]);
        assert!(bad[0].message.starts_with("missing:"));
        assert!(
            bad[0].message.contains("onset_day = 0"),
            "{}",
            bad[0].message
        );
        let json = "{\"patient\": {\"sex\": \"male\", \"age\": 40},\n \"palsy\": {\"affected_side\": \"left\", \"house_brackmann\": \"III\"}}";
        let bad = errors(json, Format::Json);
        assert_eq!(located(&bad), vec![("palsy.onset_day", Some(2))]);
    }

    #[test]
    fn a_single_injection_table_gets_the_double_bracket_hint() {
        let bad = errors(&TOML.replace("[[injection]]", "[injection]"), Format::Toml);
        assert_eq!(bad[0].field, "injection");
        assert!(
            bad[0].message.contains("[[injection]]"),
            "{}",
            bad[0].message
        );
    }
}
