//! Building a plan in code: examples, benchmarks, calibration and tests describe plans with
//! typed calls instead of formatting TOML text. The builder only fills the raw plan
//! ([`PlanFile`], the same structure the text reader fills) and hands it to the one
//! validation, so a plan built here and the same plan written as text give the same [`Plan`]
//! or the same errors (without lines, which only text has).
//!
//! ```
//! use bontsim_core::plan::{InjectionEntry, Plan, Sex, Site};
//!
//! let plan = Plan::builder()
//!     .patient(Sex::Female, 42.0)
//!     .injection(
//!         InjectionEntry::new("onabotulinumtoxinA", "corrugator_supercilii", Site::Left, 4.0)
//!             .day(0.0)
//!             .volume_ml(0.2)
//!             .repeat(120.0, 3),
//!     )
//!     .build()
//!     .expect("a valid plan");
//! let days: Vec<f64> = plan.injections.iter().map(|i| i.day).collect();
//! assert_eq!(days, [0.0, 120.0, 240.0]);
//!
//! // The same checks as a plan file: a misspelt muscle is an error naming the field.
//! let errors = Plan::builder()
//!     .patient(Sex::Male, 50.0)
//!     .injection(InjectionEntry::new("Botox", "masseterr", Site::Left, 20.0))
//!     .build()
//!     .unwrap_err();
//! assert_eq!(errors.0[0].field, "injection[1].muscle");
//! ```

use super::errors::{Collector, PlanError, PlanErrors};
use super::palsy::{PalsyFile, TherapyFile};
use super::schema::{InjectionFile, MuscleOverrideFile, PatientFile, PlanFile};
use super::source_lines::SourceLines;
use super::types::{Plan, Sex, Site};
use super::validate::validate;

/// A plan under construction; [`PlanBuilder::build`] validates it.
#[derive(Debug, Clone, Default)]
pub struct PlanBuilder {
    raw: PlanFile,
}

/// One `[[injection]]` entry under construction: a muscle and site, or a treatment area.
#[derive(Debug, Clone)]
pub struct InjectionEntry {
    raw: InjectionFile,
}

fn sex_name(sex: Sex) -> &'static str {
    match sex {
        Sex::Female => "female",
        Sex::Male => "male",
    }
}

fn site_name(site: Site) -> &'static str {
    match site {
        Site::Left => "left",
        Site::Right => "right",
        Site::Midline => "midline",
    }
}

impl Plan {
    /// A plan built in code, validated like a plan file.
    pub fn builder() -> PlanBuilder {
        PlanBuilder::default()
    }
}

impl PlanBuilder {
    /// The patient (a plan without one is an error, as in a file).
    pub fn patient(mut self, sex: Sex, age: f64) -> Self {
        let patient = self.raw.patient.get_or_insert_with(PatientFile::default);
        patient.sex = Some(sex_name(sex).into());
        patient.age = Some(age);
        self
    }

    /// `[patient.baseline_severity]`: severity (0-3) at maximal contraction of an area.
    pub fn baseline_severity(mut self, area: &str, severity: f64) -> Self {
        self.raw
            .patient
            .get_or_insert_with(PatientFile::default)
            .baseline_severity
            .insert(area.into(), severity);
        self
    }

    /// `[patient.muscles.NAME]`: how this patient's muscle differs from the typical one.
    pub fn muscle_override(mut self, muscle: &str, value: MuscleOverrideFile) -> Self {
        self.raw
            .patient
            .get_or_insert_with(PatientFile::default)
            .muscles
            .insert(muscle.into(), value);
        self
    }

    pub fn injection(mut self, entry: InjectionEntry) -> Self {
        self.raw.injections.push(entry.raw);
        self
    }

    /// The labelled glabellar pattern, scaled to `total_units` of `product` on day 0: a
    /// fifth into the procerus (midline), two fifths into each corrugator (0.2 mL: its two
    /// sites), as the pivotal glabellar trials injected it (20 U: 4 + 8 + 8).
    pub fn glabella_pattern(self, product: &str, total_units: f64) -> Self {
        let corrugator = |site| {
            InjectionEntry::new(
                product,
                "corrugator_supercilii",
                site,
                total_units * 2.0 / 5.0,
            )
            .volume_ml(0.2)
        };
        self.injection(InjectionEntry::new(
            product,
            "procerus",
            Site::Midline,
            total_units / 5.0,
        ))
        .injection(corrugator(Site::Left))
        .injection(corrugator(Site::Right))
    }

    /// `[palsy]`, as its raw table (validated by [`PlanBuilder::build`]).
    pub fn palsy(mut self, palsy: PalsyFile) -> Self {
        self.raw.palsy = Some(palsy);
        self
    }

    /// One `[[therapy]]` entry, as its raw table.
    pub fn therapy(mut self, therapy: TherapyFile) -> Self {
        self.raw.therapies.push(therapy);
        self
    }

    /// Validate the plan exactly as [`Plan::parse`] validates a file.
    pub fn build(self) -> Result<Plan, PlanErrors> {
        let lines = SourceLines::default();
        let mut errors = Collector {
            errors: Vec::new(),
            lines: &lines,
        };
        // The text reader reports missing required keys while reading; so does the builder.
        match &self.raw.patient {
            None => errors.errors.push(PlanError {
                field: "plan".into(),
                line: None,
                message: "missing field `patient`: give the patient's sex and age".into(),
            }),
            Some(patient) if patient.sex.is_none() => errors.errors.push(PlanError {
                field: "patient.sex".into(),
                line: None,
                message: "missing: give the patient's sex and age".into(),
            }),
            Some(_) => {}
        }
        validate(self.raw, errors)
    }
}

impl InjectionEntry {
    /// `units` labelled units of `product` into one muscle on one side (or split across
    /// the midline), on day 0 unless [`InjectionEntry::day`] says otherwise.
    pub fn new(product: &str, muscle: &str, site: Site, units: f64) -> Self {
        InjectionEntry {
            raw: InjectionFile {
                day: Some(0.0),
                product: Some(product.into()),
                muscle: Some(muscle.into()),
                side: Some(site_name(site).into()),
                units: Some(units),
                ..InjectionFile::default()
            },
        }
    }

    /// `units` in total into a treatment area (both sides unless [`InjectionEntry::side`]).
    pub fn area(product: &str, area: &str, units: f64) -> Self {
        InjectionEntry {
            raw: InjectionFile {
                day: Some(0.0),
                product: Some(product.into()),
                area: Some(area.into()),
                units: Some(units),
                ..InjectionFile::default()
            },
        }
    }

    pub fn day(mut self, day: f64) -> Self {
        self.raw.day = Some(day);
        self.raw.date = None;
        self
    }

    /// A calendar date (`YYYY-MM-DD`) instead of a day number.
    pub fn date(mut self, date: &str) -> Self {
        self.raw.date = Some(date.into());
        self.raw.day = None;
        self
    }

    pub fn side(mut self, site: Site) -> Self {
        self.raw.side = Some(site_name(site).into());
        self
    }

    pub fn volume_ml(mut self, volume_ml: f64) -> Self {
        self.raw.volume_ml = Some(volume_ml);
        self
    }

    /// Repeat the injection `times` times in all, every `every_days` days.
    pub fn repeat(mut self, every_days: f64, times: i64) -> Self {
        self.raw.every_days = Some(every_days);
        self.raw.times = Some(times);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Format;

    const TEXT: &str = "[patient]\nsex = \"female\"\nage = 42\n\
        [patient.baseline_severity]\nforehead = 2\n\
        [patient.muscles.masseter]\nmass_scale = 1.4\n\
        [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n\
        [[injection]]\nday = 14\nproduct = \"Dysport\"\nmuscle = \"masseter\"\nside = \"right\"\nunits = 50\nvolume_ml = 0.5\nevery_days = 90\ntimes = 3\n\
        [[injection]]\nday = 30\nproduct = \"Botox\"\narea = \"crows_feet\"\nunits = 24\n";

    fn built() -> PlanBuilder {
        Plan::builder()
            .patient(Sex::Female, 42.0)
            .baseline_severity("forehead", 2.0)
            .muscle_override(
                "masseter",
                MuscleOverrideFile {
                    mass_scale: Some(1.4),
                    ..MuscleOverrideFile::default()
                },
            )
            .injection(InjectionEntry::new(
                "onabotulinumtoxinA",
                "procerus",
                Site::Midline,
                4.0,
            ))
            .injection(
                InjectionEntry::new("Dysport", "masseter", Site::Right, 50.0)
                    .day(14.0)
                    .volume_ml(0.5)
                    .repeat(90.0, 3),
            )
            .injection(InjectionEntry::area("Botox", "crows_feet", 24.0).day(30.0))
    }

    #[test]
    fn builder_and_text_give_the_same_plan() {
        let parsed = Plan::parse(TEXT, Format::Toml).unwrap();
        assert_eq!(built().build().unwrap(), parsed);
    }

    #[test]
    fn builder_and_text_give_the_same_errors() {
        let text = TEXT.replace("units = 4\n", "units = -4\n");
        let parsed = Plan::parse(&text, Format::Toml).unwrap_err();
        let errors = built()
            .injection(InjectionEntry::new(
                "onabotulinumtoxinA",
                "procerus",
                Site::Midline,
                -4.0,
            ))
            .build()
            .unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].field, "injection[4].units");
        assert_eq!(errors.0[0].line, None);
        assert_eq!(parsed.0[0].message, errors.0[0].message);
        let pattern = Plan::builder()
            .patient(Sex::Female, 42.0)
            .glabella_pattern("Botox", 20.0)
            .build()
            .unwrap();
        let units: Vec<(crate::anatomy::MuscleId, f64, f64)> = pattern
            .injections
            .iter()
            .map(|i| (i.muscle, i.units, i.volume_ml))
            .collect();
        let anatomy = crate::anatomy::Anatomy::get();
        let procerus = anatomy.find("procerus").unwrap();
        let corrugator = anatomy.find("corrugator_supercilii").unwrap();
        assert_eq!(
            units,
            [
                (procerus, 4.0, 0.1),
                (corrugator, 8.0, 0.2),
                (corrugator, 8.0, 0.2)
            ]
        );
        let missing = Plan::builder().build().unwrap_err();
        assert_eq!(missing.0[0].field, "plan");
        let no_sex = Plan::builder()
            .baseline_severity("glabella", 2.0)
            .build()
            .unwrap_err();
        assert_eq!(no_sex.0[0].field, "patient.sex");
    }
}
