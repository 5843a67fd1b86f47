//! Typed view of `data/face.toml`: per-muscle landmark gains, the standard expressions and the
//! synkinesis couplings. Parsed once; muscle names are resolved to anatomy indices here so the
//! kinematics work on dense arrays.

use crate::anatomy::{Anatomy, MuscleId};
use crate::plan::palsy::COUPLINGS;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Landmarks of one side of the face, in the order of [`Landmarks`] arrays.
pub const LANDMARKS: [&str; 10] = [
    "brow",
    "fissure",
    "commissure_up",
    "commissure_out",
    "upper_lip",
    "lower_lip",
    "nasolabial",
    "pucker",
    "chin",
    "neck",
];
pub const BROW: usize = 0;
pub const FISSURE: usize = 1;
pub const COMMISSURE_UP: usize = 2;
pub const COMMISSURE_OUT: usize = 3;
pub const UPPER_LIP: usize = 4;
pub const LOWER_LIP: usize = 5;
pub const NASOLABIAL: usize = 6;
pub const PUCKER: usize = 7;
pub const CHIN: usize = 8;
pub const NECK: usize = 9;

/// Landmark positions of one side (mm).
pub type Landmarks = [f64; 10];

/// What an expression's movement is measured by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// Excursion of one landmark from rest.
    Landmark(usize),
    /// Closing of the palpebral fissure from its resting height.
    EyeClosure,
    /// Distance travelled by the mouth corner (vertical and lateral).
    Commissure,
}

#[derive(Debug, Clone)]
pub struct Expression {
    pub name: String,
    pub measure: Measure,
    /// Voluntary command per muscle index (0 for muscles not commanded).
    pub commands: Vec<f64>,
}

#[derive(Debug, Clone)]
pub struct Coupling {
    pub name: String,
    pub drivers: Vec<MuscleId>,
    /// (muscle, gain).
    pub targets: Vec<(MuscleId, f64)>,
}

#[derive(Debug, Clone)]
pub struct FaceData {
    pub neutral: Landmarks,
    /// Per muscle index: displacement at full voluntary activation.
    pub movement: Vec<Landmarks>,
    /// Per muscle index: resting displacement held by the muscle's tone.
    pub rest: Vec<Landmarks>,
    /// Per muscle index: the share of the toxin's weakening that reaches the fibres doing
    /// the muscle's voluntary movement (1 for most muscles; see `voluntary_toxin_reach` in
    /// face.toml).
    pub voluntary_toxin_reach: Vec<f64>,
    pub expressions: Vec<Expression>,
    /// In [`COUPLINGS`] order.
    pub couplings: Vec<Coupling>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaceFile {
    neutral: BTreeMap<String, f64>,
    muscle: Vec<MuscleFile>,
    expression: Vec<ExpressionFile>,
    coupling: Vec<CouplingFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MuscleFile {
    name: String,
    movement: BTreeMap<String, f64>,
    rest: BTreeMap<String, f64>,
    voluntary_toxin_reach: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpressionFile {
    name: String,
    measure: String,
    commands: BTreeMap<String, f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CouplingFile {
    name: String,
    drivers: Vec<String>,
    targets: BTreeMap<String, f64>,
}

static FACE: OnceLock<FaceData> = OnceLock::new();

fn landmark(name: &str) -> Result<usize, String> {
    LANDMARKS
        .iter()
        .position(|l| *l == name)
        .ok_or_else(|| format!("face.toml: unknown landmark \"{name}\""))
}

fn muscle(name: &str) -> Result<MuscleId, String> {
    Anatomy::get()
        .index_of(name)
        .ok_or_else(|| format!("face.toml: unknown muscle \"{name}\""))
}

fn landmarks(map: &BTreeMap<String, f64>) -> Result<Landmarks, String> {
    let mut out = [0.0; 10];
    for (name, value) in map {
        out[landmark(name)?] = *value;
    }
    Ok(out)
}

fn parse(text: &str) -> Result<FaceData, String> {
    let file: FaceFile = toml::from_str(text).map_err(|e| format!("face.toml: {e}"))?;
    let count = Anatomy::get().len();
    let neutral = landmarks(&file.neutral)?;
    let mut movement = vec![[0.0; 10]; count];
    let mut rest = vec![[0.0; 10]; count];
    let mut voluntary_toxin_reach = vec![1.0; count];
    for entry in &file.muscle {
        let index = muscle(&entry.name)?.index();
        movement[index] = landmarks(&entry.movement)?;
        rest[index] = landmarks(&entry.rest)?;
        if let Some(reach) = entry.voluntary_toxin_reach {
            voluntary_toxin_reach[index] = reach;
        }
    }
    let mut expressions = Vec::new();
    for entry in &file.expression {
        let measure = match entry.measure.as_str() {
            "eye_closure" => Measure::EyeClosure,
            "commissure" => Measure::Commissure,
            other => Measure::Landmark(landmark(other)?),
        };
        let mut commands = vec![0.0; count];
        for (name, value) in &entry.commands {
            commands[muscle(name)?.index()] = *value;
        }
        expressions.push(Expression {
            name: entry.name.clone(),
            measure,
            commands,
        });
    }
    let mut couplings = Vec::new();
    for name in COUPLINGS {
        let entry = file
            .coupling
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| format!("face.toml: coupling \"{name}\" missing"))?;
        couplings.push(Coupling {
            name: entry.name.clone(),
            drivers: entry
                .drivers
                .iter()
                .map(|d| muscle(d))
                .collect::<Result<_, _>>()?,
            targets: entry
                .targets
                .iter()
                .map(|(m, g)| Ok((muscle(m)?, *g)))
                .collect::<Result<_, String>>()?,
        });
    }
    Ok(FaceData {
        neutral,
        movement,
        rest,
        voluntary_toxin_reach,
        expressions,
        couplings,
    })
}

impl FaceData {
    /// The embedded face data. A unit test parses it, so this cannot fail in a release.
    pub fn get() -> &'static FaceData {
        FACE.get_or_init(|| {
            parse(include_str!("../../data/face.toml")).expect("embedded face.toml is valid")
        })
    }

    pub fn expression_index(&self, name: &str) -> Option<usize> {
        self.expressions.iter().position(|e| e.name == name)
    }

    pub fn expression_names(&self) -> Vec<&str> {
        self.expressions.iter().map(|e| e.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_face_data_parses_and_names_the_standard_expressions() {
        let data = parse(include_str!("../../data/face.toml")).unwrap();
        for name in [
            "brow_lift",
            "gentle_eye_closure",
            "full_eye_closure",
            "smile",
            "snarl",
            "lip_pucker",
            "lower_lip_eee",
        ] {
            assert!(data.expression_index(name).is_some(), "{name}");
        }
        assert_eq!(data.couplings.len(), COUPLINGS.len());
    }

    #[test]
    fn a_complete_palsy_effaces_the_nasolabial_fold() {
        // The fold at rest is held entirely by muscle tone (docs/model.md, "Face").
        let data = FaceData::get();
        let held: f64 = data.rest.iter().map(|r| r[NASOLABIAL]).sum();
        assert!((held - data.neutral[NASOLABIAL]).abs() < 1e-12);
    }
}
