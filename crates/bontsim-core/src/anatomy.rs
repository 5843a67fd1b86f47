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
    #[serde(default, rename = "neighbour")]
    pub neighbours: Vec<Neighbour>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnatomyFile {
    muscle: Vec<Muscle>,
}

/// All muscles, in the order of the data file. A muscle's index in this slice is its id.
#[derive(Debug)]
pub struct Anatomy {
    pub muscles: Vec<Muscle>,
}

static ANATOMY: OnceLock<Anatomy> = OnceLock::new();

impl Anatomy {
    /// The embedded anatomy. The data file is checked by a unit test, so parsing cannot fail
    /// in a released binary.
    pub fn get() -> &'static Anatomy {
        ANATOMY.get_or_init(|| {
            let file: AnatomyFile = toml::from_str(include_str!("../data/anatomy.toml"))
                .expect("embedded anatomy.toml is valid (checked by tests)");
            Anatomy {
                muscles: file.muscle,
            }
        })
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.muscles.iter().position(|m| m.name == name)
    }

    /// A muscle by a name as a user typed it: any case, spaces or hyphens for underscores
    /// ("Corrugator Supercilii"); see [`crate::names::canonical`].
    pub fn find(&self, name: &str) -> Option<usize> {
        self.index_of(name)
            .or_else(|| self.index_of(&crate::names::canonical(name)))
    }

    pub fn muscle(&self, index: usize) -> &Muscle {
        &self.muscles[index]
    }

    pub fn len(&self) -> usize {
        self.muscles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.muscles.is_empty()
    }

    /// Compartment index of a muscle and side: compartments are (muscle, left), (muscle, right).
    pub fn compartment(muscle: usize, side: Side) -> usize {
        muscle * 2 + side.index()
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
