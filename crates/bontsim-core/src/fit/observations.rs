//! What a clinic observed of one patient: graded severity, whether movement had returned,
//! masseter thickness, bite force and palsy scores, each on a day of the plan. Observations
//! come as CSV (`day,date,area,muscle,side,kind,value,sd`) or as `[[observation]]` tables of a
//! plan with the same keys; both go through [`validate_observation`], so a bad row gets the
//! same message either way, with its line and field. Pure functions over text: the front end
//! reads the file.

use crate::anatomy::{Anatomy, MuscleId, Side};
use crate::plan::AREAS;
use serde::Serialize;
use std::fmt;

/// What was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationKind {
    /// Wrinkle grade (0-3) of an area at maximal contraction.
    SeverityMax,
    /// Wrinkle grade (0-3) of an area at rest.
    SeverityRest,
    /// 1: movement of the area (or muscle) had returned by this visit; 0: not yet.
    MovementReturned,
    /// Masseter thickness by ultrasound (mm), one side.
    ThicknessMm,
    /// Bite force relative to the untreated baseline.
    BiteForce,
    /// Sunnybrook composite score (0-100).
    Sunnybrook,
    /// eFACE total score (0-100).
    Eface,
}

impl ObservationKind {
    pub const ALL: [ObservationKind; 7] = [
        ObservationKind::SeverityMax,
        ObservationKind::SeverityRest,
        ObservationKind::MovementReturned,
        ObservationKind::ThicknessMm,
        ObservationKind::BiteForce,
        ObservationKind::Sunnybrook,
        ObservationKind::Eface,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ObservationKind::SeverityMax => "severity_max",
            ObservationKind::SeverityRest => "severity_rest",
            ObservationKind::MovementReturned => "movement_returned",
            ObservationKind::ThicknessMm => "thickness_mm",
            ObservationKind::BiteForce => "bite_force",
            ObservationKind::Sunnybrook => "sunnybrook",
            ObservationKind::Eface => "eface",
        }
    }

    /// A kind as users write it (`sunnybrook_composite` and `eface_total` are accepted too).
    pub fn parse(text: &str) -> Option<ObservationKind> {
        let name = crate::names::canonical(text);
        match name.as_str() {
            "sunnybrook_composite" => Some(ObservationKind::Sunnybrook),
            "eface_total" => Some(ObservationKind::Eface),
            _ => ObservationKind::ALL.into_iter().find(|k| k.name() == name),
        }
    }

    /// The measurement SD used when a row gives none, on the scale of the value (for the
    /// grades: the SD of the latent continuous severity around the model's; for movement
    /// return: days of uncertainty in when the patient noticed it) [E].
    pub fn default_sd(self) -> f64 {
        match self {
            // Two graders agree within one grade nearly always and exactly about 2 in 3
            // (photonumeric scales): a latent SD of half a grade.
            ObservationKind::SeverityMax | ObservationKind::SeverityRest => 0.5,
            // Patients date the return of movement to within about a week.
            ObservationKind::MovementReturned => 7.0,
            // Ultrasound masseter thickness repeatability about 0.5 mm.
            ObservationKind::ThicknessMm => 0.5,
            ObservationKind::BiteForce => 0.1,
            // Inter-rater SD of composite palsy scores about 5 points.
            ObservationKind::Sunnybrook | ObservationKind::Eface => 5.0,
        }
    }
}

/// One validated observation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    /// Day of the plan (day 0 = the plan's first day).
    pub day: f64,
    pub kind: ObservationKind,
    /// The wrinkle area (severity, movement of an area).
    pub area: Option<&'static str>,
    /// The muscle (thickness, movement of a muscle).
    pub muscle: Option<MuscleId>,
    /// One side; `None`: both sides or not applicable.
    pub side: Option<Side>,
    pub value: f64,
    /// Measurement SD given on the row (else [`ObservationKind::default_sd`]).
    pub sd: Option<f64>,
}

impl Observation {
    pub fn sd(&self) -> f64 {
        self.sd.unwrap_or(self.kind.default_sd())
    }

    /// What was observed, in words: "glabella severity_max", "masseter left thickness_mm".
    pub fn label(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if let Some(area) = self.area {
            parts.push(area);
        }
        if let Some(muscle) = self.muscle {
            parts.push(&Anatomy::get().muscle(muscle).name);
        }
        if let Some(side) = self.side {
            parts.push(side.name());
        }
        parts.push(self.kind.name());
        parts.join(" ")
    }
}

/// One observation as written (`None`: empty or absent).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservationFile {
    pub day: Option<f64>,
    pub date: Option<String>,
    pub area: Option<String>,
    pub muscle: Option<String>,
    pub side: Option<String>,
    pub kind: Option<String>,
    pub value: Option<f64>,
    pub sd: Option<f64>,
}

/// The keys of an observation, in the CSV's column order.
pub const OBSERVATION_KEYS: [&str; 8] = [
    "day", "date", "area", "muscle", "side", "kind", "value", "sd",
];

/// A problem with one observation: its key and why.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyProblem {
    pub key: &'static str,
    pub message: String,
}

/// A problem in an observations file: line (1-based), field and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservationError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl fmt::Display for ObservationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

/// Muscles whose thickness the model reports (baseline thickness known).
const THICKNESS_MUSCLES: [&str; 1] = ["masseter"];

/// Check one observation; `start_date` is the plan's day 0 as a day number when the plan
/// uses dates. Every problem is returned, not just the first.
pub fn validate_observation(
    raw: &ObservationFile,
    start_date: Option<i64>,
) -> Result<Observation, Vec<KeyProblem>> {
    let mut problems = Vec::new();
    let mut problem = |key: &'static str, message: String| {
        problems.push(KeyProblem { key, message });
    };
    let kind = match raw.kind.as_deref() {
        None => {
            problem(
                "kind",
                format!(
                    "missing: what was observed, one of {}",
                    kind_names().join(", ")
                ),
            );
            None
        }
        Some(text) => {
            let kind = ObservationKind::parse(text);
            if kind.is_none() {
                problem(
                    "kind",
                    format!(
                        "\"{text}\" is not an observation kind; known kinds: {}",
                        kind_names().join(", ")
                    ),
                );
            }
            kind
        }
    };
    let day = match (raw.day, raw.date.as_deref()) {
        (Some(_), Some(_)) => {
            problem("date", "give either `day` or `date`, not both".into());
            None
        }
        (Some(day), None) => {
            if !day.is_finite() || !(0.0..=crate::plan::MAX_DAY).contains(&day) {
                problem(
                    "day",
                    format!("{day} is not a day from 0 to {}", crate::plan::MAX_DAY),
                );
                None
            } else {
                Some(day)
            }
        }
        (None, Some(text)) => {
            match (crate::plan::date::parse_iso_date(text), start_date) {
                (Err(error), _) => {
                    problem("date", error.to_string());
                    None
                }
                (Ok(_), None) => {
                    problem(
                        "date",
                        "the plan gives days, not dates: give the observation's `day`".into(),
                    );
                    None
                }
                (Ok(date), Some(start)) => {
                    let day = (date - start) as f64;
                    if !(0.0..=crate::plan::MAX_DAY).contains(&day) {
                        problem(
                        "date",
                        format!("{text} is before the plan's first day or more than 100 years after it"),
                    );
                        None
                    } else {
                        Some(day)
                    }
                }
            }
        }
        (None, None) => {
            problem(
                "day",
                "missing: give `day` (or `date` when the plan uses dates)".into(),
            );
            None
        }
    };
    let area = raw.area.as_deref().and_then(|text| {
        let name = crate::names::canonical(text);
        let found = AREAS.iter().copied().find(|a| *a == name);
        if found.is_none() {
            problem(
                "area",
                format!(
                    "\"{text}\" is not a scored area; areas: {}",
                    AREAS.join(", ")
                ),
            );
        }
        found
    });
    let anatomy = Anatomy::get();
    let muscle = raw.muscle.as_deref().and_then(|text| {
        let found = anatomy.find(text);
        if found.is_none() {
            problem(
                "muscle",
                match anatomy.suggest(text) {
                    Some(close) => format!("unknown muscle \"{text}\" (did you mean \"{close}\"?)"),
                    None => format!("unknown muscle \"{text}\" (`bontsim muscles` lists them)"),
                },
            );
        }
        found
    });
    let side = raw
        .side
        .as_deref()
        .and_then(|text| match crate::names::canonical(text).as_str() {
            "left" => Some(Side::Left),
            "right" => Some(Side::Right),
            _ => {
                problem("side", format!("\"{text}\" is not \"left\" or \"right\""));
                None
            }
        });
    let value = raw.value;
    if value.is_none() {
        problem("value", "missing: the observed value".into());
    }
    if let Some(sd) = raw.sd {
        if !sd.is_finite() || sd <= 0.0 || sd > 1e6 {
            problem("sd", format!("{sd} is not a positive measurement SD"));
        }
    }
    if let (Some(kind), Some(value)) = (kind, value) {
        let range_problem = match kind {
            ObservationKind::SeverityMax | ObservationKind::SeverityRest => {
                (!(value.fract() == 0.0 && (0.0..=3.0).contains(&value)))
                    .then(|| format!("{value} is not a grade 0, 1, 2 or 3"))
            }
            ObservationKind::MovementReturned => (value != 0.0 && value != 1.0)
                .then(|| format!("{value} is not 1 (movement had returned) or 0 (not yet)")),
            ObservationKind::ThicknessMm => (!value.is_finite() || value <= 0.0 || value > 60.0)
                .then(|| format!("{value} is not a thickness in mm above 0 and at most 60")),
            ObservationKind::BiteForce => (!value.is_finite() || !(0.0..=3.0).contains(&value))
                .then(|| format!("{value} is not a bite force relative to baseline, 0 to 3")),
            ObservationKind::Sunnybrook | ObservationKind::Eface => (!value.is_finite()
                || !(0.0..=100.0).contains(&value))
            .then(|| format!("{value} is not a score from 0 to 100")),
        };
        if let Some(message) = range_problem {
            problem("value", message);
        }
        match kind {
            ObservationKind::SeverityMax | ObservationKind::SeverityRest if raw.area.is_none() => {
                problem(
                    "area",
                    format!(
                        "missing: {} is graded per area ({})",
                        kind.name(),
                        AREAS.join(", ")
                    ),
                );
            }
            ObservationKind::MovementReturned if raw.area.is_none() && raw.muscle.is_none() => {
                problem(
                    "area",
                    "missing: give the `area` (or the `muscle`) whose movement returned".into(),
                );
            }
            ObservationKind::MovementReturned if raw.area.is_some() && raw.muscle.is_some() => {
                problem("muscle", "give either `area` or `muscle`, not both".into());
            }
            ObservationKind::ThicknessMm => {
                match (&raw.muscle, muscle) {
                    (None, _) => problem(
                        "muscle",
                        format!(
                            "missing: thickness is measured on a muscle ({})",
                            THICKNESS_MUSCLES.join(", ")
                        ),
                    ),
                    (Some(_), Some(id))
                        if !THICKNESS_MUSCLES.contains(&anatomy.muscle(id).name.as_str()) =>
                    {
                        problem(
                            "muscle",
                            format!(
                                "the model reports thickness for {} only",
                                THICKNESS_MUSCLES.join(", ")
                            ),
                        )
                    }
                    _ => {}
                }
                if raw.side.is_none() {
                    problem(
                        "side",
                        "missing: thickness is measured on one side, \"left\" or \"right\"".into(),
                    );
                }
            }
            _ => {}
        }
    }
    match (problems.is_empty(), kind, day, value) {
        (true, Some(kind), Some(day), Some(value)) => Ok(Observation {
            day,
            kind,
            area,
            muscle,
            side,
            value,
            sd: raw.sd,
        }),
        _ => Err(problems),
    }
}

fn kind_names() -> Vec<&'static str> {
    ObservationKind::ALL.iter().map(|k| k.name()).collect()
}

/// Parse observations CSV text: a header naming columns among
/// `day,date,area,muscle,side,kind,value,sd` (any order; `kind`, `value` and `day` or `date`
/// required), then one observation per row; empty cells are absent values. Blank lines and
/// lines starting with `#` are skipped. Every bad row is reported with its line and field.
pub fn parse_observations_csv(
    text: &str,
    start_date: Option<i64>,
) -> Result<Vec<Observation>, Vec<ObservationError>> {
    let mut errors = Vec::new();
    let mut observations = Vec::new();
    let mut rows = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'));
    let Some((header_line, header)) = rows.next() else {
        return Err(vec![ObservationError {
            line: 1,
            field: "header".into(),
            message: format!(
                "no header: the first line names the columns, {}",
                OBSERVATION_KEYS.join(",")
            ),
        }]);
    };
    let mut columns: Vec<&'static str> = Vec::new();
    for name in header.trim_start_matches('\u{feff}').split(',') {
        let name = name.trim();
        match OBSERVATION_KEYS.iter().find(|k| **k == name) {
            Some(key) if !columns.contains(key) => columns.push(key),
            Some(_) => errors.push(ObservationError {
                line: header_line,
                field: name.to_string(),
                message: "column named twice".into(),
            }),
            None => errors.push(ObservationError {
                line: header_line,
                field: name.to_string(),
                message: match crate::names::closest(name, OBSERVATION_KEYS) {
                    Some(close) => format!("unknown column (did you mean `{close}`?)"),
                    None => format!("unknown column; columns: {}", OBSERVATION_KEYS.join(",")),
                },
            }),
        }
    }
    for required in ["kind", "value"] {
        if !columns.contains(&required) {
            errors.push(ObservationError {
                line: header_line,
                field: required.into(),
                message: "missing column".into(),
            });
        }
    }
    if !columns.contains(&"day") && !columns.contains(&"date") {
        errors.push(ObservationError {
            line: header_line,
            field: "day".into(),
            message: "missing column: `day` or `date`".into(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for (line, row) in rows {
        let cells: Vec<&str> = row.split(',').map(str::trim).collect();
        if cells.len() != columns.len() {
            errors.push(ObservationError {
                line,
                field: "row".into(),
                message: format!(
                    "{} cells, the header has {} columns",
                    cells.len(),
                    columns.len()
                ),
            });
            continue;
        }
        let mut raw = ObservationFile::default();
        let mut row_errors = Vec::new();
        for (&column, &cell) in columns.iter().zip(&cells) {
            if cell.is_empty() {
                continue;
            }
            let number = |row_errors: &mut Vec<ObservationError>| match cell.parse::<f64>() {
                Ok(value) if value.is_finite() => Some(value),
                _ => {
                    row_errors.push(ObservationError {
                        line,
                        field: column.into(),
                        message: format!("\"{cell}\" is not a number"),
                    });
                    None
                }
            };
            match column {
                "day" => raw.day = number(&mut row_errors),
                "value" => raw.value = number(&mut row_errors),
                "sd" => raw.sd = number(&mut row_errors),
                "date" => raw.date = Some(cell.to_string()),
                "area" => raw.area = Some(cell.to_string()),
                "muscle" => raw.muscle = Some(cell.to_string()),
                "side" => raw.side = Some(cell.to_string()),
                _ => raw.kind = Some(cell.to_string()),
            }
        }
        if !row_errors.is_empty() {
            errors.extend(row_errors);
            continue;
        }
        match validate_observation(&raw, start_date) {
            Ok(observation) => observations.push(observation),
            Err(problems) => errors.extend(problems.into_iter().map(|p| ObservationError {
                line,
                field: p.key.into(),
                message: p.message,
            })),
        }
    }
    if errors.is_empty() {
        Ok(observations)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_of_every_kind_parses() {
        let text = "day,date,area,muscle,side,kind,value,sd\n\
                    # comment\n\
                    30,,glabella,,,severity_max,1,\n\
                    120,,glabella,,,movement_returned,0,\n\
                    60,,,masseter,left,thickness_mm,11.2,0.4\n\
                    60,,,,,bite_force,0.8,\n\
                    90,,,,,sunnybrook_composite,70,\n";
        let observations = parse_observations_csv(text, None).unwrap();
        assert_eq!(observations.len(), 5);
        assert_eq!(observations[0].kind, ObservationKind::SeverityMax);
        assert_eq!(observations[0].area, Some("glabella"));
        assert_eq!(observations[2].sd(), 0.4);
        assert_eq!(
            observations[3].sd(),
            ObservationKind::BiteForce.default_sd()
        );
        assert_eq!(observations[4].kind, ObservationKind::Sunnybrook);
    }

    #[test]
    fn dates_count_from_the_plans_first_day() {
        let start = crate::plan::date::parse_iso_date("2026-01-01").unwrap();
        let text = "date,area,kind,value\n2026-02-01,glabella,severity_max,1\n";
        assert_eq!(
            parse_observations_csv(text, Some(start)).unwrap()[0].day,
            31.0
        );
        let refused = parse_observations_csv(text, None).unwrap_err();
        assert_eq!((refused[0].line, refused[0].field.as_str()), (2, "date"));
    }

    #[test]
    fn bad_rows_name_their_line_and_field() {
        let text = "day,area,muscle,side,kind,value\n\
                    10,glabella,,,severity_max,1.5\n\
                    20,glabela,,,severity_max,1\n\
                    30,,masseter,,thickness_mm,12\n\
                    x,glabella,,,severity_max,1\n\
                    40,glabella,,,movement_returned,2\n\
                    50,glabella,,,smile,1\n";
        let errors = parse_observations_csv(text, None).unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            found,
            vec![
                (2, "value"),
                (3, "area"),
                (4, "side"),
                (5, "day"),
                (6, "value"),
                (7, "kind")
            ]
        );
        assert!(errors[0].message.contains("grade"), "{}", errors[0]);
    }

    #[test]
    fn the_header_is_checked() {
        let errors = parse_observations_csv("day,kind,valu\n", None).unwrap_err();
        assert!(errors
            .iter()
            .any(|e| e.field == "valu" && e.message.contains("value")));
        assert!(parse_observations_csv("", None).is_err());
    }
}
