//! Typed view of `data/anatomy.toml`: the muscles bontsim knows, their sides, movements,
//! neighbours for toxin spread, sizes and atrophy susceptibility.
//!
//! The data file is compiled into the binary so that the core library never touches the file
//! system; every value in it carries a source string that `docs/model.md` cites.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The side of the face a compartment or an injection belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Left,
    Right,
}

impl Side {
    pub const BOTH: [Side; 2] = [Side::Left, Side::Right];

    pub fn name(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }

    pub fn opposite(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }

    pub fn index(self) -> usize {
        match self {
            Side::Left => 0,
            Side::Right => 1,
        }
    }
}

/// Where a neighbour lies relative to the injected compartment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeighbourSide {
    Same,
    Opposite,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Neighbour {
    pub muscle: String,
    pub side: NeighbourSide,
    pub distance_mm: f64,
    pub fascial_barrier: f64,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Muscle {
    pub name: String,
    pub display_name: String,
    pub region: String,
    pub midline_allowed: bool,
    pub injectable: bool,
    pub movements: Vec<String>,
    pub antagonists: Vec<String>,
    pub synergists: Vec<String>,
    pub nerve_branch: String,
    pub mass_g: f64,
    pub mass_source: String,
    pub atrophy_susceptibility: f64,
    pub atrophy_source: String,
    pub typical_dose_units: [f64; 2],
    pub dose_source: String,
    #[serde(default)]
    pub wrinkle_area: Option<String>,
    /// `k_T` (1/day): turnover of the poisoned terminals of this muscle (sprouts and new
    /// endplates that carry no toxin replace them), added to the decay `k_L` of a reached
    /// terminal's load. 0 where no muscle-specific evidence differs (docs/model.md sec. 2.13).
    #[serde(default)]
    pub terminal_turnover: f64,
    /// Multiplier of the toxin's effect per unit in this muscle (its sensitivity): above 1
    /// where the muscle's shape puts more toxin on each reached terminal than `m^alpha`
    /// dilution assumes (a thin sheet), 1 otherwise (docs/model.md sec. 2.13).
    #[serde(default = "unit_response")]
    pub toxin_response: f64,
    /// `phi`: the fraction of this muscle's nerve terminals that lie in the band where its
    /// wrinkle area's lines fold and where the usual injection sites sit. The area's lines
    /// read the block of that band, `M (1 - min(1, B / phi))`, since the terminals a dose
    /// reaches lie around its sites; the whole muscle's movement reads the mean `B`. 1 (the
    /// lines read the whole muscle) unless a sheet muscle's anatomy says otherwise
    /// (docs/model.md sec. 2.15).
    #[serde(default = "unit_response")]
    pub line_band_fraction: f64,
    /// Source of `terminal_turnover`, `toxin_response` and `line_band_fraction`, required
    /// when any differs from its default.
    #[serde(default)]
    pub response_source: Option<String>,
    /// Multipliers of the common tissue rates where this muscle's own atrophy series differ
    /// (docs/model.md sec. 2.13): all 1 unless `[muscle.tissue]` says otherwise.
    #[serde(default)]
    pub tissue: TissueFactors,
    #[serde(default, rename = "neighbour")]
    pub neighbours: Vec<Neighbour>,
}

fn unit_response() -> f64 {
    1.0
}

/// How one muscle's tissue departs from the common law of `model/adaptation.rs`: each field
/// multiplies the patient's rate of the same name, so that population variability and the
/// sensitivity analysis still act on it. The masseter, a heavily loaded jaw closer whose
/// atrophy, fibrosis and recovery are imaged and studied in animals, has its own; the
/// expression muscles keep the common rates to the bit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TissueFactors {
    /// Multiplies `k_loss`, the contractile-mass loss under block.
    #[serde(default = "unit_response")]
    pub mass_loss: f64,
    /// Multiplies `k_gain`, the regrowth with activity.
    #[serde(default = "unit_response")]
    pub mass_gain: f64,
    /// Multiplies `k_F`, the non-contractile (fibrous and fatty) tissue's filling of the
    /// room contractile mass leaves.
    #[serde(default = "unit_response")]
    pub non_contractile_gain: f64,
    /// Multiplies `rho_F`, the slowing of regrowth by that tissue.
    #[serde(default = "unit_response")]
    pub non_contractile_slowing: f64,
    /// Multiplies `k_Fd`, its resorption.
    #[serde(default = "unit_response")]
    pub non_contractile_resorption: f64,
    /// Where the factors come from; required when any differs from 1.
    #[serde(default)]
    pub source: Option<String>,
}

impl TissueFactors {
    /// All rates as the common law has them.
    pub const COMMON: TissueFactors = TissueFactors {
        mass_loss: 1.0,
        mass_gain: 1.0,
        non_contractile_gain: 1.0,
        non_contractile_slowing: 1.0,
        non_contractile_resorption: 1.0,
        source: None,
    };

    /// The five factors, in the order of the fields.
    pub fn factors(&self) -> [f64; 5] {
        [
            self.mass_loss,
            self.mass_gain,
            self.non_contractile_gain,
            self.non_contractile_slowing,
            self.non_contractile_resorption,
        ]
    }

    /// Whether every factor is 1 (the muscle follows the common law).
    pub fn is_common(&self) -> bool {
        self.factors().iter().all(|&factor| factor == 1.0)
    }
}

impl Default for TissueFactors {
    fn default() -> Self {
        TissueFactors::COMMON
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnatomyFile {
    muscle: Vec<Muscle>,
}

/// A muscle of the embedded anatomy: its position in the data file, typed so that a muscle cannot
/// be mixed up with a day, a compartment or a count. Names stay at the edges (plans, reports,
/// CLI options); inside the core a muscle is a `MuscleId`.
/// Serialized as its index, as the plain index was before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct MuscleId(u16);

impl MuscleId {
    /// The first muscle of the data file: the fallback where a result names no known muscle.
    pub const FIRST: MuscleId = MuscleId(0);

    /// The position in [`Anatomy::muscles`] and in per-muscle arrays.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// All muscles, in the order of the data file. A muscle's index in this slice is its id.
#[derive(Debug)]
pub struct Anatomy {
    pub muscles: Vec<Muscle>,
    /// Each muscle's neighbours by id (`None`: a name the data file does not define), in the
    /// order of [`Muscle::neighbours`]: resolved once, since every injection's spread reads
    /// them.
    neighbour_ids: Vec<Vec<Option<MuscleId>>>,
}

static ANATOMY: OnceLock<Anatomy> = OnceLock::new();

impl Anatomy {
    /// The embedded anatomy. The data file is checked by a unit test, so parsing cannot fail
    /// in a released binary.
    pub fn get() -> &'static Anatomy {
        ANATOMY.get_or_init(|| {
            let file: AnatomyFile = toml::from_str(include_str!("../data/anatomy.toml"))
                .expect("embedded anatomy.toml is valid (checked by tests)");
            let find = |name: &str| {
                file.muscle
                    .iter()
                    .position(|m| m.name == name)
                    .map(Self::id_at)
            };
            let neighbour_ids = file
                .muscle
                .iter()
                .map(|m| m.neighbours.iter().map(|n| find(&n.muscle)).collect())
                .collect();
            Anatomy {
                muscles: file.muscle,
                neighbour_ids,
            }
        })
    }

    /// The ids of `muscle`'s neighbours, in the order of its [`Muscle::neighbours`].
    pub fn neighbour_ids(&self, muscle: MuscleId) -> &[Option<MuscleId>] {
        &self.neighbour_ids[muscle.index()]
    }

    /// A muscle by its exact (canonical) name.
    pub fn index_of(&self, name: &str) -> Option<MuscleId> {
        self.muscles
            .iter()
            .position(|m| m.name == name)
            .map(Self::id_at)
    }

    /// The id of the muscle at a position of [`Anatomy::muscles`]; the data file has far fewer
    /// than 65 536 muscles (checked by a unit test).
    fn id_at(index: usize) -> MuscleId {
        MuscleId(u16::try_from(index).expect("fewer than 65536 muscles"))
    }

    /// Every muscle's id, in the order of the data file.
    pub fn ids(&self) -> impl Iterator<Item = MuscleId> + '_ {
        (0..self.muscles.len()).map(Self::id_at)
    }

    /// A muscle by a name as a user typed it: any case, spaces or hyphens for underscores
    /// ("Corrugator Supercilii"); see [`crate::names::canonical`].
    pub fn find(&self, name: &str) -> Option<MuscleId> {
        self.index_of(name)
            .or_else(|| self.index_of(&crate::names::canonical(name)))
    }

    pub fn muscle(&self, id: MuscleId) -> &Muscle {
        &self.muscles[id.index()]
    }

    pub fn len(&self) -> usize {
        self.muscles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.muscles.is_empty()
    }

    /// Compartment index of a muscle and side: compartments are (muscle, left), (muscle, right).
    pub fn compartment(muscle: MuscleId, side: Side) -> usize {
        muscle.index() * 2 + side.index()
    }

    /// The muscle of a compartment index (the inverse of [`Anatomy::compartment`]).
    pub fn compartment_muscle(compartment: usize) -> MuscleId {
        Self::id_at(compartment / 2)
    }

    pub fn compartment_count(&self) -> usize {
        self.muscles.len() * 2
    }

    /// The closest known muscle name, for "did you mean" hints ([`crate::names::closest`]).
    pub fn suggest(&self, name: &str) -> Option<&str> {
        crate::names::closest(name, self.muscles.iter().map(|m| m.name.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_anatomy_is_consistent() {
        let anatomy = Anatomy::get();
        assert_eq!(anatomy.len(), 20);
        for muscle in &anatomy.muscles {
            assert!(muscle.mass_g > 0.0, "{} mass", muscle.name);
            assert!((0.0..=1.0).contains(&muscle.atrophy_susceptibility));
            assert!(!muscle.mass_source.is_empty() && !muscle.atrophy_source.is_empty());
            assert!(
                (0.0..0.2).contains(&muscle.terminal_turnover),
                "{}",
                muscle.name
            );
            assert!(
                (0.2..=5.0).contains(&muscle.toxin_response),
                "{}",
                muscle.name
            );
            assert!(
                muscle.line_band_fraction > 0.2 && muscle.line_band_fraction <= 1.0,
                "{}",
                muscle.name
            );
            let tissue = &muscle.tissue;
            for factor in tissue.factors() {
                assert!((0.1..=10.0).contains(&factor), "{}", muscle.name);
            }
            assert!(
                tissue.is_common()
                    || tissue
                        .source
                        .as_deref()
                        .is_some_and(|source| source.contains('[')),
                "{}: muscle-specific tissue rates need a tagged source",
                muscle.name
            );
            if muscle.terminal_turnover != 0.0
                || muscle.toxin_response != 1.0
                || muscle.line_band_fraction != 1.0
            {
                assert!(
                    muscle
                        .response_source
                        .as_deref()
                        .is_some_and(|source| source.contains('[')),
                    "{}: a muscle-specific response needs a tagged source",
                    muscle.name
                );
            }
            for neighbour in &muscle.neighbours {
                assert!(
                    anatomy.index_of(&neighbour.muscle).is_some(),
                    "{} lists unknown neighbour {}",
                    muscle.name,
                    neighbour.muscle
                );
                assert!(neighbour.distance_mm > 0.0);
                assert!((0.0..=1.0).contains(&neighbour.fascial_barrier));
            }
            for other in muscle.antagonists.iter().chain(&muscle.synergists) {
                assert!(anatomy.index_of(other).is_some(), "{other}");
            }
        }
        let masseter = anatomy.index_of("masseter").unwrap();
        let frontalis = anatomy.index_of("frontalis").unwrap();
        assert!(
            anatomy.muscle(masseter).atrophy_susceptibility
                > 3.0 * anatomy.muscle(frontalis).atrophy_susceptibility
        );
        assert!(
            !anatomy
                .muscle(anatomy.index_of("levator_palpebrae_superioris").unwrap())
                .injectable
        );
    }

    #[test]
    fn ids_cover_every_muscle_and_compartment_in_order() {
        let anatomy = Anatomy::get();
        let ids: Vec<MuscleId> = anatomy.ids().collect();
        assert_eq!(ids.len(), anatomy.len());
        assert_eq!(ids[0], MuscleId::FIRST);
        for (position, &id) in ids.iter().enumerate() {
            assert_eq!(id.index(), position);
            assert_eq!(anatomy.index_of(&anatomy.muscle(id).name), Some(id));
            for side in Side::BOTH {
                assert_eq!(
                    Anatomy::compartment_muscle(Anatomy::compartment(id, side)),
                    id
                );
            }
        }
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
        // Plans serialize a muscle as its position, as the plain index did.
        let masseter = anatomy.find("masseter").unwrap();
        assert_eq!(
            serde_json::to_string(&masseter).unwrap(),
            masseter.index().to_string()
        );
    }

    #[test]
    fn suggestions_find_typos() {
        let anatomy = Anatomy::get();
        assert_eq!(
            anatomy.suggest("corugator_supercilii"),
            Some("corrugator_supercilii")
        );
        assert_eq!(anatomy.suggest("maseter"), Some("masseter"));
    }

    #[test]
    fn muscles_are_found_whatever_the_case_and_separators() {
        let anatomy = Anatomy::get();
        let corrugator = anatomy.index_of("corrugator_supercilii");
        assert!(corrugator.is_some());
        for typed in [
            "Corrugator Supercilii",
            "corrugator-supercilii",
            "CORRUGATOR_SUPERCILII",
        ] {
            assert_eq!(anatomy.find(typed), corrugator, "{typed}");
        }
        assert_eq!(anatomy.find("Frontalis"), anatomy.index_of("frontalis"));
        assert_eq!(anatomy.find("corrugator"), None);
    }
}
