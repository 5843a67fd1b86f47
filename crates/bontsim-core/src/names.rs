//! Names as users type them: muscles, sides, products and areas are matched whatever their
//! case, and spaces or hyphens count as underscores ("Corrugator Supercilii" is
//! `corrugator_supercilii`), so that a plan written from a clinic note is not refused over
//! spelling conventions. A real misspelling still fails, with the closest known name offered.

/// The canonical form of a typed name: lower case, runs of spaces, hyphens and underscores
/// as one underscore, apostrophes dropped ("Crow's feet" is `crows_feet`), no surrounding
/// separators.
pub fn canonical(name: &str) -> String {
    let mut canonical = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.trim().chars() {
        match c {
            ' ' | '-' | '_' | '\t' => separator = true,
            '\'' | '\u{2019}' => {}
            c => {
                if separator && !canonical.is_empty() {
                    canonical.push('_');
                }
                separator = false;
                canonical.extend(c.to_lowercase());
            }
        }
    }
    canonical
}

/// Whether two typed names are the same name (see [`canonical`]).
pub fn same(a: &str, b: &str) -> bool {
    a == b || canonical(a) == canonical(b)
}

/// The closest of `known` to a mistyped `name`, for "did you mean" hints: within an edit
/// distance of 1 plus a quarter of the name's length, on canonical forms. A typo in the
/// whole name or in its first word ("corugator" for `corrugator_supercilii`) both count.
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let name = canonical(name);
    let length = name.chars().count();
    known
        .into_iter()
        .map(|candidate| {
            let full = canonical(candidate);
            let prefix: String = full.chars().take(length + 1).collect();
            let shorter: String = full.chars().take(length).collect();
            let distance = edit_distance(&full, &name)
                .min(edit_distance(&prefix, &name))
                .min(edit_distance(&shorter, &name));
            (distance, candidate)
        })
        .min_by_key(|(distance, _)| *distance)
        .filter(|(distance, _)| *distance <= 1 + length / 4)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, used only for error hints.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_spaces_and_hyphens_do_not_matter() {
        assert_eq!(canonical("Corrugator Supercilii"), "corrugator_supercilii");
        assert_eq!(
            canonical("  depressor-anguli  oris "),
            "depressor_anguli_oris"
        );
        assert_eq!(canonical("Crow's feet"), "crows_feet");
        assert_eq!(canonical("LEFT"), "left");
        assert!(same("Botox Cosmetic", "botox-cosmetic"));
        assert!(!same("frontalis", "frontal"));
    }

    #[test]
    fn the_closest_name_is_offered() {
        let known = ["Botox", "Dysport", "Xeomin"];
        assert_eq!(closest("Botx", known), Some("Botox"));
        assert_eq!(closest("dysprot", known), Some("Dysport"));
        assert_eq!(closest("something else", known), None);
    }
}
