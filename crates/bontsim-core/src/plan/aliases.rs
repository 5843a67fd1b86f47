//! Clinical treatment areas in plans (`area = "glabella"`, or the area's name as `muscle`):
//! each expands to the usual muscles with a fixed, documented split of the units, so a plan
//! can say "20 U glabella" as clinicians do and still be simulated muscle by muscle.
//!
//! An area is a pattern of injection sites on the model's muscles (sources in
//! `docs/cli.md`, "Treatment areas"). `units` is the total for the area: it is shared out in
//! proportion to the sites, every site getting the same units, as on the labels (glabella
//! 20 U = 5 sites of 4 U: procerus 4 U, each corrugator 8 U). The expansion produces ordinary
//! injections, one per muscle and side, so warnings, label limits and the model see exactly
//! what the same plan written muscle by muscle would give.

use super::Site;
use crate::anatomy::{Anatomy, MuscleId, Side};
use crate::names;

/// Injection sites of one muscle and side in an area's pattern.
#[derive(Debug, Clone, Copy)]
pub struct Sites {
    /// Muscle name of the anatomy table (`bontsim muscles`).
    pub muscle: &'static str,
    pub site: Site,
    /// Number of injection sites; each site gets the same share of the units.
    pub count: f64,
}

/// A clinical treatment area and its pattern of sites.
#[derive(Debug)]
pub struct Area {
    /// Canonical name, as written in plans.
    pub name: &'static str,
    /// Other names accepted for it (canonical forms, see [`names::canonical`]).
    pub aliases: &'static [&'static str],
    /// Usual total dose of onabotulinumtoxinA for the whole area (both sides), for hints.
    pub usual_units: f64,
    pub sites: &'static [Sites],
}

const fn sites(muscle: &'static str, site: Site, count: f64) -> Sites {
    Sites {
        muscle,
        site,
        count,
    }
}

/// The areas, with the patterns documented in `docs/cli.md` (each one sourced there).
pub const TREATMENT_AREAS: [Area; 9] = [
    Area {
        name: "glabella",
        aliases: &["glabellar_lines", "frown_lines"],
        usual_units: 20.0,
        sites: &[
            sites("procerus", Site::Midline, 1.0),
            sites("corrugator_supercilii", Site::Left, 2.0),
            sites("corrugator_supercilii", Site::Right, 2.0),
        ],
    },
    Area {
        name: "forehead",
        aliases: &["forehead_lines", "horizontal_forehead_lines"],
        usual_units: 20.0,
        sites: &[
            sites("frontalis", Site::Left, 2.5),
            sites("frontalis", Site::Right, 2.5),
        ],
    },
    Area {
        name: "crows_feet",
        aliases: &[
            "crows_feet_lines",
            "lateral_canthal",
            "lateral_canthal_lines",
        ],
        usual_units: 24.0,
        sites: &[
            sites("orbicularis_oculi", Site::Left, 3.0),
            sites("orbicularis_oculi", Site::Right, 3.0),
        ],
    },
    Area {
        name: "bunny_lines",
        aliases: &["nasal_lines"],
        usual_units: 8.0,
        sites: &[
            sites("nasalis", Site::Left, 1.0),
            sites("nasalis", Site::Right, 1.0),
        ],
    },
    Area {
        name: "gummy_smile",
        aliases: &[],
        usual_units: 4.0,
        sites: &[
            sites("levator_labii_superioris_alaeque_nasi", Site::Left, 1.0),
            sites("levator_labii_superioris_alaeque_nasi", Site::Right, 1.0),
        ],
    },
    Area {
        name: "masseter",
        aliases: &["jawline", "jaw", "masseters", "jaw_slimming"],
        usual_units: 50.0,
        sites: &[
            sites("masseter", Site::Left, 3.0),
            sites("masseter", Site::Right, 3.0),
        ],
    },
    Area {
        name: "neck_bands",
        aliases: &["platysmal_bands", "platysma_bands", "neck"],
        usual_units: 30.0,
        sites: &[
            sites("platysma", Site::Left, 4.0),
            sites("platysma", Site::Right, 4.0),
        ],
    },
    Area {
        name: "chin",
        aliases: &["dimpled_chin", "chin_dimpling", "cobblestone_chin"],
        usual_units: 4.0,
        sites: &[sites("mentalis", Site::Midline, 1.0)],
    },
    Area {
        name: "dao",
        aliases: &["mouth_corners", "marionette_lines"],
        usual_units: 6.0,
        sites: &[
            sites("depressor_anguli_oris", Site::Left, 1.0),
            sites("depressor_anguli_oris", Site::Right, 1.0),
        ],
    },
];

/// Names users write for treatments bontsim does not expand, with what to write instead.
const NOT_EXPANDED: [(&[&str], &str); 5] = [
    (
        &["lip_flip", "lips", "perioral", "perioral_lines", "lip_lines", "smokers_lines"],
        "give muscle = \"orbicularis_oris\" once per side, 1-2 U per lip quadrant (2-4 U per side)",
    ),
    (
        &["nefertiti", "nefertiti_lift"],
        "give area = \"neck_bands\" (platysma, 15 U per side) or muscle = \"platysma\" once per side, 15-20 U per side",
    ),
    (
        &["brow_lift", "eyebrow_lift", "brows"],
        "give muscle = \"orbicularis_oculi\" once per side, 2-4 U at the tail of the brow",
    ),
    (
        &["bruxism"],
        "give area = \"masseter\" (25 U per side), and muscle = \"temporalis\" once per side (10-25 U) if wanted",
    ),
    (
        &["upper_face", "full_face"],
        "give one injection per area: area = \"glabella\" (20 U), \"forehead\" (20 U), \"crows_feet\" (24 U)",
    ),
];

/// An area by its name or an alias, whatever the case and separators.
pub fn find_area(name: &str) -> Option<&'static Area> {
    let canonical = names::canonical(name);
    TREATMENT_AREAS
        .iter()
        .find(|area| area.name == canonical || area.aliases.contains(&canonical.as_str()))
}

/// What to write instead of a known treatment name that is not an area of bontsim.
pub fn not_expanded_hint(name: &str) -> Option<&'static str> {
    let canonical = names::canonical(name);
    NOT_EXPANDED
        .iter()
        .find(|(names, _)| names.contains(&canonical.as_str()))
        .map(|(_, hint)| *hint)
}

/// The closest area name or alias to a mistyped one.
pub fn suggest_area(name: &str) -> Option<&'static str> {
    names::closest(
        name,
        TREATMENT_AREAS
            .iter()
            .flat_map(|area| std::iter::once(area.name).chain(area.aliases.iter().copied())),
    )
}

/// The list of area names, for messages.
pub fn area_names() -> String {
    let names: Vec<&str> = TREATMENT_AREAS.iter().map(|area| area.name).collect();
    names.join(", ")
}

/// One injection of an expanded area: a muscle and side with its share of the units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    pub muscle: MuscleId,
    pub site: Site,
    /// Injection sites it stands for: its share of the units is `sites` over the sites of
    /// all targets, and its default volume 0.1 mL per site.
    pub sites: f64,
}

impl Area {
    /// The area's injections: the whole pattern (`side` None), or one side's half of it,
    /// where a midline site counts half on that side.
    pub fn targets(&self, side: Option<Side>) -> Vec<Target> {
        let anatomy = Anatomy::get();
        let kept: Vec<(MuscleId, Site, f64)> = self
            .sites
            .iter()
            .filter_map(|s| {
                let muscle = anatomy.index_of(s.muscle)?;
                match (side, s.site) {
                    (None, site) => Some((muscle, site, s.count)),
                    (Some(Side::Left), Site::Left) | (Some(Side::Left), Site::Midline) => {
                        Some((muscle, Site::Left, half_if_midline(s)))
                    }
                    (Some(Side::Right), Site::Right) | (Some(Side::Right), Site::Midline) => {
                        Some((muscle, Site::Right, half_if_midline(s)))
                    }
                    _ => None,
                }
            })
            .collect();
        kept.into_iter()
            .map(|(muscle, site, sites)| Target {
                muscle,
                site,
                sites,
            })
            .collect()
    }

    /// Whether every site of the pattern is on the midline (then `side = "midline"` is the
    /// whole pattern).
    pub fn all_midline(&self) -> bool {
        self.sites.iter().all(|s| s.site == Site::Midline)
    }

    /// The expansion at the usual dose, for hints: `procerus midline 4 U + ...`.
    pub fn describe(&self) -> String {
        let total: f64 = self.sites.iter().map(|s| s.count).sum();
        let parts: Vec<String> = self
            .sites
            .iter()
            .map(|s| {
                let side = match s.site {
                    Site::Left => "left",
                    Site::Right => "right",
                    Site::Midline => "midline",
                };
                format!(
                    "{} {side} {} U",
                    s.muscle,
                    self.usual_units * s.count / total
                )
            })
            .collect();
        format!("{} U = {}", self.usual_units, parts.join(" + "))
    }
}

fn half_if_midline(sites: &Sites) -> f64 {
    match sites.site {
        Site::Midline => sites.count / 2.0,
        _ => sites.count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_names_injectable_muscles_and_midline_only_where_allowed() {
        let anatomy = Anatomy::get();
        for area in &TREATMENT_AREAS {
            assert_eq!(names::canonical(area.name), area.name);
            for alias in area.aliases {
                assert_eq!(names::canonical(alias), *alias, "{alias}");
                assert!(anatomy.index_of(alias).is_none(), "{alias} is a muscle");
            }
            for s in area.sites {
                let index = anatomy.index_of(s.muscle).expect(s.muscle);
                let muscle = anatomy.muscle(index);
                assert!(muscle.injectable, "{}", s.muscle);
                assert!(s.site != Site::Midline || muscle.midline_allowed);
                assert!(s.count > 0.0);
            }
            let whole: f64 = area.targets(None).iter().map(|t| t.sites).sum();
            let halves: f64 = [Side::Left, Side::Right]
                .iter()
                .flat_map(|side| area.targets(Some(*side)))
                .map(|t| t.sites)
                .sum();
            assert_eq!(whole, halves, "{}: the halves make the whole", area.name);
        }
    }

    #[test]
    fn areas_are_found_by_name_and_alias_and_mistypes_get_a_suggestion() {
        assert_eq!(find_area("Crow's Feet").unwrap().name, "crows_feet");
        assert_eq!(find_area("jawline").unwrap().name, "masseter");
        assert_eq!(find_area("Glabella").unwrap().name, "glabella");
        assert!(find_area("frontalis").is_none());
        assert_eq!(suggest_area("glabela"), Some("glabella"));
        assert!(not_expanded_hint("Lip flip")
            .unwrap()
            .contains("orbicularis_oris"));
        assert_eq!(
            find_area("glabella").unwrap().describe(),
            "20 U = procerus midline 4 U + corrugator_supercilii left 8 U + corrugator_supercilii right 8 U"
        );
    }

    #[test]
    fn one_side_is_half_the_pattern() {
        let glabella = find_area("glabella").unwrap();
        let left = glabella.targets(Some(Side::Left));
        assert_eq!(left.len(), 2);
        assert_eq!(left[0].site, Site::Left);
        assert_eq!(left[0].sites, 0.5, "procerus: half its midline site");
        assert_eq!(left[1].sites, 2.0);
    }
}
