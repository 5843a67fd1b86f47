//! Partial trial results (`partial.json` of `bontsim trial --shard i/n`) and their merge.
//!
//! A partial is a file that may have been copied, edited or written by another bontsim, and
//! its counts are added up without being recomputed, so every partial is checked before
//! anything is added: it must come from this model ([`crate::MODEL_VERSION`]), hold exactly
//! the patients of its shard, have one count per day, no count above its patients, and name
//! the same trial (settings, plans by content hash) as the others. The merge itself adds
//! with overflow checks. Errors are typed and name the partial and the field.

use crate::plan::MAX_DAY;
use crate::trial::{shard_range, ArmAggregate, TrialAggregate, VOLUME_BINS};
use crate::MODEL_VERSION;
use sha2::{Digest, Sha256};

/// Most virtual patients a trial may have (the `--patients` limit).
pub const MAX_PATIENTS: u64 = 1_000_000_000;

/// Fixed-point scale of the summed risk probabilities (one patient's probability is at most
/// this).
const PROBABILITY_ONE: u128 = 1_000_000_000_000;

/// Shard counts above this are not listed one by one when shards are missing.
const LISTED_SHARDS: u64 = 100_000;

/// SHA-256 of a plan file's bytes, as lowercase hex: the same text `sha256sum PLAN` prints,
/// so a user can see which plan a partial result was run with.
pub fn plan_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Why partial results cannot be merged. `partial` names the partial as the caller labelled
/// it (a file path); `field` is the key path inside it, e.g. `arms[0].areas[1].responders`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge: give at least one partial result")]
    Empty,
    #[error("{partial}: {field}: {reason}")]
    Unreadable {
        partial: String,
        field: String,
        reason: String,
    },
    #[error("{partial}: {field}: missing: the partial result was written by an older bontsim; re-run this shard with this version (bontsim {MODEL_VERSION})")]
    Outdated { partial: String, field: String },
    #[error("{partial}: {field}: {reason}")]
    Invalid {
        partial: String,
        field: String,
        reason: String,
    },
    #[error("{partial}: {field}: {value} differs from {expected} in {first}: the partial results come from different trials")]
    Differs {
        partial: String,
        first: String,
        field: String,
        value: String,
        expected: String,
    },
    #[error("{partial}: {field}: the merged count overflows")]
    Overflow { partial: String, field: String },
    #[error(
        "patients {from}..{to} are in both {first} and {second} (the same shard given twice?)"
    )]
    Overlap {
        first: String,
        second: String,
        from: u64,
        to: u64,
    },
    #[error("{}", incomplete(.missing_shards, .missing_patients, *.patients))]
    Incomplete {
        /// The missing shards as `i/n`, when every partial was cut into the same `n`.
        missing_shards: Vec<String>,
        /// Patient ranges `[start, end)` no partial covers.
        missing_patients: Vec<(u64, u64)>,
        patients: u64,
    },
}

/// "a", "a and b", "a, b and c"; past ten items, the first ten and how many more.
fn listing(items: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut shown: Vec<String> = items.iter().take(SHOWN).cloned().collect();
    if items.len() > SHOWN {
        shown.push(format!("{} more", items.len() - SHOWN));
    }
    match shown.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

fn incomplete(shards: &[String], patients_missing: &[(u64, u64)], patients: u64) -> String {
    let ranges: Vec<String> = patients_missing
        .iter()
        .map(|(start, end)| format!("{start}..{end}"))
        .collect();
    let uncovered = format!(
        "patients {} of {patients} are not covered",
        listing(&ranges)
    );
    match shards.len() {
        0 => format!("{uncovered}: some shards are missing"),
        1 => format!("shard {} is missing ({uncovered})", shards[0]),
        _ => format!("shards {} are missing ({uncovered})", listing(shards)),
    }
}

/// Read a partial result. A value of the wrong type or out of its type's range (a negative
/// or fractional count, a number too large) is refused with the path of its field.
pub fn parse_partial(partial: &str, bytes: &[u8]) -> Result<TrialAggregate, MergeError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        MergeError::Unreadable {
            partial: partial.to_string(),
            field: if path == "." {
                "partial result".into()
            } else {
                path
            },
            reason: format!("{} (not a bontsim partial result)", error.into_inner()),
        }
    })
}

/// Sum of counts, `None` on overflow.
fn total(counts: &[u64]) -> Option<u64> {
    counts.iter().try_fold(0u64, |sum, &c| sum.checked_add(c))
}

impl TrialAggregate {
    /// Check one partial result on its own: written by this model, holding exactly the
    /// patients of its shard, counts shaped by its days and bounded by its patients.
    pub fn check_partial(&self, partial: &str) -> Result<(), MergeError> {
        let outdated = |field: &str| MergeError::Outdated {
            partial: partial.to_string(),
            field: field.to_string(),
        };
        let invalid = |field: String, reason: String| MergeError::Invalid {
            partial: partial.to_string(),
            field,
            reason,
        };
        if self.model_version.is_empty() {
            return Err(outdated("model_version"));
        }
        let Some((i, n)) = self.shard else {
            return Err(outdated("shard"));
        };
        if let Some(k) = self.arms.iter().position(|a| a.plan_sha256.is_empty()) {
            return Err(outdated(&format!("arms[{k}].plan_sha256")));
        }
        if self.model_version != MODEL_VERSION {
            return Err(invalid(
                "model_version".into(),
                format!(
                    "\"{}\" is not the model of this bontsim ({MODEL_VERSION}); re-run this shard with this version",
                    self.model_version
                ),
            ));
        }
        let settings = &self.settings;
        if !(1..=MAX_PATIENTS).contains(&settings.patients) {
            return Err(invalid(
                "settings.patients".into(),
                format!("{} is not from 1 to {MAX_PATIENTS}", settings.patients),
            ));
        }
        let days = settings.days;
        if days == 0 || days as f64 > MAX_DAY {
            return Err(invalid(
                "settings.days".into(),
                format!("{days} is not from 1 to {MAX_DAY} (100 years)"),
            ));
        }
        if let Some(day) = settings.atrophy_days.iter().find(|&&d| d as f64 > MAX_DAY) {
            return Err(invalid(
                "settings.atrophy_days".into(),
                format!("{day} is more than {MAX_DAY} days (100 years)"),
            ));
        }
        if i == 0 || i > n {
            return Err(invalid(
                "shard".into(),
                format!("{i}/{n} needs 1 <= i <= n"),
            ));
        }
        let range = shard_range(settings.patients, i, n);
        if self.covered != [(range.start, range.end)] {
            let covered: Vec<String> = self
                .covered
                .iter()
                .map(|(start, end)| format!("{start}..{end}"))
                .collect();
            return Err(invalid(
                "covered".into(),
                format!(
                    "patients [{}] are not those of shard {i}/{n} of {} patients ({}..{})",
                    covered.join(", "),
                    settings.patients,
                    range.start,
                    range.end
                ),
            ));
        }
        let patients = range.end - range.start;
        for (k, arm) in self.arms.iter().enumerate() {
            let at = |field: &str| format!("arms[{k}].{field}");
            if arm.plan_sha256.len() != 64
                || !arm
                    .plan_sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                return Err(invalid(
                    at("plan_sha256"),
                    format!("\"{}\" is not a SHA-256 in lowercase hex", arm.plan_sha256),
                ));
            }
            if arm.patients != patients {
                return Err(invalid(
                    at("patients"),
                    format!(
                        "{} patients, but the shard covers {patients} (patients {}..{})",
                        arm.patients, range.start, range.end
                    ),
                ));
            }
            for (j, area) in arm.areas.iter().enumerate() {
                let at = |field: &str| format!("arms[{k}].areas[{j}].{field}");
                for (field, counts, expected) in [
                    ("responders", &area.responders, days),
                    ("durations", &area.durations, days + 1),
                    ("onsets", &area.onsets, days + 1),
                    (
                        "first_cycle_durations",
                        &area.first_cycle_durations,
                        days + 1,
                    ),
                ] {
                    if counts.len() != expected {
                        return Err(invalid(
                            at(field),
                            format!(
                                "{} counts, but settings.days = {days} asks for {expected}",
                                counts.len()
                            ),
                        ));
                    }
                }
                if let Some((day, count)) = area
                    .responders
                    .iter()
                    .enumerate()
                    .find(|(_, &count)| count > patients)
                {
                    return Err(invalid(
                        format!("arms[{k}].areas[{j}].responders[{day}]"),
                        format!("{count} responders among {patients} patients"),
                    ));
                }
                // Every patient has one onset bin (the last one: never responded).
                if total(&area.onsets) != Some(patients) {
                    return Err(invalid(
                        at("onsets"),
                        format!(
                            "the onsets count {} patients, but the shard has {patients}",
                            shown_total(&area.onsets)
                        ),
                    ));
                }
                // Every responder has one duration.
                let never = area.onsets[days];
                if total(&area.durations) != Some(patients - never) {
                    return Err(invalid(
                        at("durations"),
                        format!(
                            "the durations count {} responders, but {patients} patients of whom {never} never responded are {}",
                            shown_total(&area.durations),
                            patients - never
                        ),
                    ));
                }
                // A responder has at most one first-cycle response (none when the response
                // begins only after the area's second session).
                let first_cycle_responders = total(&area.first_cycle_durations);
                if first_cycle_responders.is_none_or(|n| n > patients - never) {
                    return Err(invalid(
                        at("first_cycle_durations"),
                        format!(
                            "the first-cycle durations count {} responders, more than the {} patients who responded",
                            shown_total(&area.first_cycle_durations),
                            patients - never
                        ),
                    ));
                }
                if Some(area.first_cycle_still_responding) > first_cycle_responders {
                    return Err(invalid(
                        at("first_cycle_still_responding"),
                        format!(
                            "{} patients still responding at the second session, more than the {} first-cycle responders",
                            area.first_cycle_still_responding,
                            shown_total(&area.first_cycle_durations)
                        ),
                    ));
                }
                if area.first_cycle_end_day.is_some_and(|day| day >= days) {
                    return Err(invalid(
                        at("first_cycle_end_day"),
                        format!("not within the {days} simulated days"),
                    ));
                }
            }
            for (m, atrophy) in arm.atrophy.iter().enumerate() {
                let at = |field: &str| format!("arms[{k}].atrophy[{m}].{field}");
                if atrophy.day >= days {
                    return Err(invalid(
                        at("day"),
                        format!(
                            "day {} is not within the {days} simulated days",
                            atrophy.day
                        ),
                    ));
                }
                if atrophy.volume_histogram.len() != VOLUME_BINS {
                    return Err(invalid(
                        at("volume_histogram"),
                        format!(
                            "{} bins where there are {VOLUME_BINS}",
                            atrophy.volume_histogram.len()
                        ),
                    ));
                }
                if total(&atrophy.volume_histogram) != Some(patients) {
                    return Err(invalid(
                        at("volume_histogram"),
                        format!(
                            "counts {} patients, but the shard has {patients}",
                            shown_total(&atrophy.volume_histogram)
                        ),
                    ));
                }
            }
            let most = u128::from(patients) * PROBABILITY_ONE;
            if let Some((r, (risk, sum))) = arm
                .adverse_events
                .iter()
                .enumerate()
                .find(|(_, (_, sum))| *sum > most)
            {
                return Err(invalid(
                    format!("arms[{k}].adverse_events[{r}]"),
                    format!("{risk}: {sum} is more than {patients} patients with probability 1 ({most})"),
                ));
            }
        }
        Ok(())
    }

    /// Check that `self` is a partial of the same trial as `first`: settings, arms, plans
    /// (by content) and what each arm counts.
    fn check_same_trial(
        &self,
        partial: &str,
        first: &TrialAggregate,
        first_label: &str,
    ) -> Result<(), MergeError> {
        let differs = |field: String, value: String, expected: String| MergeError::Differs {
            partial: partial.to_string(),
            first: first_label.to_string(),
            field,
            value,
            expected,
        };
        let (a, b) = (&self.settings, &first.settings);
        let settings = [
            ("seed", a.seed.to_string(), b.seed.to_string()),
            ("patients", a.patients.to_string(), b.patients.to_string()),
            ("days", a.days.to_string(), b.days.to_string()),
            (
                "responder",
                a.responder.name().to_string(),
                b.responder.name().to_string(),
            ),
            (
                "atrophy_days",
                format!("{:?}", a.atrophy_days),
                format!("{:?}", b.atrophy_days),
            ),
        ];
        for (field, value, expected) in settings {
            if value != expected {
                return Err(differs(format!("settings.{field}"), value, expected));
            }
        }
        if self.arms.len() != first.arms.len() {
            return Err(differs(
                "arms".into(),
                format!("{} arms", self.arms.len()),
                format!("{} arms", first.arms.len()),
            ));
        }
        for (k, (arm, other)) in self.arms.iter().zip(&first.arms).enumerate() {
            let at = |field: &str| format!("arms[{k}].{field}");
            if arm.plan != other.plan {
                return Err(differs(
                    at("plan"),
                    format!("\"{}\"", arm.plan),
                    format!("\"{}\"", other.plan),
                ));
            }
            if arm.plan_sha256 != other.plan_sha256 {
                return Err(MergeError::Invalid {
                    partial: partial.to_string(),
                    field: at("plan_sha256"),
                    reason: format!(
                        "the plan {} had other content when this shard ran ({}) than for {first_label} ({}): every shard must simulate the same plan file",
                        arm.plan, arm.plan_sha256, other.plan_sha256
                    ),
                });
            }
            // What each arm counts, by name: areas, muscle-sides and days, risks.
            type Labels = fn(&ArmAggregate) -> Vec<String>;
            let lists: [(&str, Labels); 3] = [
                ("areas", |arm| {
                    arm.areas.iter().map(|a| a.area.clone()).collect()
                }),
                ("atrophy", |arm| {
                    arm.atrophy
                        .iter()
                        .map(|a| format!("{} ({}) day {}", a.muscle, a.side, a.day))
                        .collect()
                }),
                ("adverse_events", |arm| {
                    arm.adverse_events.iter().map(|r| r.0.clone()).collect()
                }),
            ];
            for (field, labels) in lists {
                let (value, expected) = (labels(arm), labels(other));
                // A shard with no patients has no risks yet.
                let no_risks_yet =
                    field == "adverse_events" && (value.is_empty() || expected.is_empty());
                if value != expected && !no_risks_yet {
                    return Err(differs(
                        at(field),
                        format!("{value:?}"),
                        format!("{expected:?}"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Merge partial results `(label, partial)` into the whole trial: each partial checked
    /// on its own and against the first, no patient in two partials, every patient in one,
    /// and every sum checked for overflow. The result does not depend on the order.
    pub fn merge_partials(
        parts: &[(String, TrialAggregate)],
    ) -> Result<TrialAggregate, MergeError> {
        let Some(((first_label, first), rest)) = parts.split_first() else {
            return Err(MergeError::Empty);
        };
        for (label, part) in parts {
            part.check_partial(label)?;
        }
        for (label, part) in rest {
            part.check_same_trial(label, first, first_label)?;
        }
        // Each partial covers its shard's one range (checked above).
        let mut ranges: Vec<(u64, u64, &str)> = parts
            .iter()
            .flat_map(|(label, part)| {
                part.covered
                    .iter()
                    .map(move |&(start, end)| (start, end, label.as_str()))
            })
            .filter(|(start, end, _)| start < end)
            .collect();
        ranges.sort();
        for pair in ranges.windows(2) {
            if pair[0].1 > pair[1].0 {
                return Err(MergeError::Overlap {
                    first: pair[0].2.to_string(),
                    second: pair[1].2.to_string(),
                    from: pair[1].0,
                    to: pair[0].1.min(pair[1].1),
                });
            }
        }
        let patients = first.settings.patients;
        let mut missing_patients = Vec::new();
        let mut next = 0;
        for &(start, end, _) in &ranges {
            if start > next {
                missing_patients.push((next, start));
            }
            next = end;
        }
        if next < patients {
            missing_patients.push((next, patients));
        }
        if !missing_patients.is_empty() {
            return Err(MergeError::Incomplete {
                missing_shards: missing_shards(parts, patients),
                missing_patients,
                patients,
            });
        }
        let mut total = first.clone();
        for (label, part) in rest {
            for (k, (arm, other)) in total.arms.iter_mut().zip(&part.arms).enumerate() {
                arm.merge(other).map_err(|failure| MergeError::Overflow {
                    partial: label.clone(),
                    field: format!("arms[{k}].{failure}"),
                })?;
            }
        }
        total.shard = None;
        total.covered = ranges.iter().map(|&(start, end, _)| (start, end)).collect();
        Ok(total)
    }
}

/// The shards `i/n` absent from `parts`, when every part was cut into the same `n` (and `n`
/// is small enough to list); shards of no patients are never missing.
fn missing_shards(parts: &[(String, TrialAggregate)], patients: u64) -> Vec<String> {
    let shards: Vec<(u64, u64)> = parts.iter().filter_map(|(_, p)| p.shard).collect();
    let Some(&(_, n)) = shards.first() else {
        return Vec::new();
    };
    if n > LISTED_SHARDS || shards.iter().any(|&(_, other)| other != n) {
        return Vec::new();
    }
    let mut present: Vec<u64> = shards.iter().map(|&(i, _)| i).collect();
    present.sort_unstable();
    (1..=n)
        .filter(|i| present.binary_search(i).is_err() && !shard_range(patients, *i, n).is_empty())
        .map(|i| format!("{i}/{n}"))
        .collect()
}

/// A sum of counts for a message ("more than 2^64" when it overflows).
fn shown_total(counts: &[u64]) -> String {
    total(counts).map_or_else(|| "more than 2^64".into(), |t| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Format, Plan};
    use crate::population::Variability;
    use crate::trial::{run_arm, Responder, TrialSettings};

    const PLAN: &str = "[patient]\nsex = \"female\"\nage = 40\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 10\n";

    /// Shard `i` of `n` of a small trial, as `bontsim trial --shard` writes it.
    fn shard(i: u64, n: u64) -> (String, TrialAggregate) {
        let plan = Plan::parse(PLAN, Format::Toml).expect("valid plan");
        let settings = TrialSettings {
            seed: 3,
            patients: 6,
            days: 40,
            responder: Responder::NoneOrMild,
            atrophy_days: vec![20],
        };
        let range = shard_range(settings.patients, i, n);
        let mut arm = run_arm(
            "plan.toml",
            &plan,
            &settings,
            &Variability::default(),
            range.clone(),
        );
        arm.plan_sha256 = plan_sha256(PLAN.as_bytes());
        (
            format!("shard{i}/partial.json"),
            TrialAggregate {
                model_version: MODEL_VERSION.into(),
                shard: Some((i, n)),
                settings,
                covered: vec![(range.start, range.end)],
                arms: vec![arm],
            },
        )
    }

    /// The merge error of shards 1/2 and 2/2 after `tamper` changed shard 2/2.
    fn merged_after(tamper: impl FnOnce(&mut TrialAggregate)) -> MergeError {
        let mut second = shard(2, 2);
        tamper(&mut second.1);
        TrialAggregate::merge_partials(&[shard(1, 2), second]).expect_err("refused")
    }

    fn invalid_field(error: &MergeError) -> &str {
        match error {
            MergeError::Invalid { partial, field, .. } => {
                assert_eq!(partial, "shard2/partial.json");
                field
            }
            other => panic!("not an invalid field: {other}"),
        }
    }

    #[test]
    fn plan_hash_is_the_sha256_of_the_bytes() {
        // The SHA-256 of "abc" (FIPS 180-2, appendix B.1).
        assert_eq!(
            plan_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn untouched_shards_merge_into_the_whole_trial() {
        let merged = TrialAggregate::merge_partials(&[shard(2, 2), shard(1, 2)]).unwrap();
        assert_eq!(merged.covered, vec![(0, 3), (3, 6)]);
        assert_eq!(merged.arms[0].patients, 6);
        assert_eq!(merged.shard, None);
        let onsets: u64 = merged.arms[0].areas[0].onsets.iter().sum();
        assert_eq!(onsets, 6);
    }

    #[test]
    fn counts_above_the_patients_are_refused() {
        let error = merged_after(|p| {
            for count in &mut p.arms[0].areas[0].responders {
                *count = *count * 50 + 50;
            }
        });
        let field = invalid_field(&error);
        assert!(field.starts_with("arms[0].areas[0].responders["), "{error}");
        assert!(
            error.to_string().contains("responders among 3 patients"),
            "{error}"
        );
    }

    #[test]
    fn first_cycle_counts_are_bounded_by_the_responders() {
        let error = merged_after(|p| p.arms[0].areas[0].first_cycle_durations[0] += 1000);
        assert_eq!(
            invalid_field(&error),
            "arms[0].areas[0].first_cycle_durations"
        );
        let error = merged_after(|p| p.arms[0].areas[0].first_cycle_still_responding = 1000);
        assert_eq!(
            invalid_field(&error),
            "arms[0].areas[0].first_cycle_still_responding"
        );
        let error = merged_after(|p| p.arms[0].areas[0].first_cycle_durations.truncate(3));
        assert_eq!(
            invalid_field(&error),
            "arms[0].areas[0].first_cycle_durations"
        );
    }

    #[test]
    fn onsets_and_durations_must_count_every_patient() {
        let error = merged_after(|p| p.arms[0].areas[0].onsets[0] += 1);
        assert_eq!(invalid_field(&error), "arms[0].areas[0].onsets");
        let error = merged_after(|p| p.arms[0].areas[0].durations[0] += 1);
        assert_eq!(invalid_field(&error), "arms[0].areas[0].durations");
        let error = merged_after(|p| p.arms[0].atrophy[0].volume_histogram[100] += 1);
        assert_eq!(invalid_field(&error), "arms[0].atrophy[0].volume_histogram");
    }

    #[test]
    fn counts_that_would_overflow_are_refused() {
        let error = merged_after(|p| p.arms[0].areas[0].onsets[5] = u64::MAX);
        assert_eq!(invalid_field(&error), "arms[0].areas[0].onsets");
        assert!(error.to_string().contains("more than 2^64"), "{error}");
        let error = merged_after(|p| p.arms[0].adverse_events[0].1 = u128::MAX);
        assert_eq!(invalid_field(&error), "arms[0].adverse_events[0]");
    }

    #[test]
    fn merging_arms_checks_every_sum() {
        let (_, mut a) = shard(1, 2);
        let (_, b) = shard(2, 2);
        a.arms[0].areas[0].responders[0] = u64::MAX;
        let mut b = b.arms[0].clone();
        b.areas[0].responders[0] = 1;
        let failure = a.arms[0].merge(&b).expect_err("overflow");
        assert_eq!(
            failure.to_string(),
            "areas[0].responders[0]: the sum overflows"
        );
        b.areas[0].responders.truncate(10);
        let mut fresh = shard(1, 2).1.arms[0].clone();
        let failure = fresh.merge(&b).expect_err("lengths");
        assert_eq!(
            failure.to_string(),
            "areas[0].responders: 10 counts where 40 are expected"
        );
    }

    #[test]
    fn patients_must_be_those_of_the_shard() {
        let error = merged_after(|p| p.arms[0].patients = 100);
        assert_eq!(invalid_field(&error), "arms[0].patients");
        let error = merged_after(|p| p.covered = vec![(3, 300)]);
        assert_eq!(invalid_field(&error), "covered");
        let error = merged_after(|p| p.settings.patients = 0);
        assert_eq!(invalid_field(&error), "settings.patients");
    }

    #[test]
    fn vectors_must_have_one_count_per_day() {
        let error = merged_after(|p| p.arms[0].areas[0].responders.truncate(10));
        assert_eq!(invalid_field(&error), "arms[0].areas[0].responders");
        assert!(error.to_string().contains("10 counts"), "{error}");
        let error = merged_after(|p| p.arms[0].areas[0].onsets.truncate(10));
        assert_eq!(invalid_field(&error), "arms[0].areas[0].onsets");
    }

    #[test]
    fn days_out_of_range_are_refused() {
        let error = merged_after(|p| p.settings.days = 1_000_000_000_000_000);
        assert_eq!(invalid_field(&error), "settings.days");
        let error = merged_after(|p| p.settings.days = 0);
        assert_eq!(invalid_field(&error), "settings.days");
    }

    #[test]
    fn plans_of_other_content_are_refused() {
        let error = merged_after(|p| p.arms[0].plan_sha256 = plan_sha256(b"another plan"));
        assert_eq!(invalid_field(&error), "arms[0].plan_sha256");
        assert!(error.to_string().contains("other content"), "{error}");
        let error = merged_after(|p| p.arms[0].plan_sha256 = "not a hash".into());
        assert_eq!(invalid_field(&error), "arms[0].plan_sha256");
    }

    #[test]
    fn other_models_and_seeds_are_refused() {
        let error = merged_after(|p| p.model_version = "0.0.9+model.0".into());
        assert_eq!(invalid_field(&error), "model_version");
        let error = merged_after(|p| p.settings.seed = 4);
        match &error {
            MergeError::Differs {
                field,
                value,
                expected,
                ..
            } => assert_eq!(
                (field.as_str(), value.as_str(), expected.as_str()),
                ("settings.seed", "4", "3")
            ),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn partials_of_older_versions_ask_for_a_re_run() {
        for (tamper, field) in [
            (
                Box::new(|p: &mut TrialAggregate| p.model_version.clear())
                    as Box<dyn Fn(&mut TrialAggregate)>,
                "model_version",
            ),
            (Box::new(|p: &mut TrialAggregate| p.shard = None), "shard"),
            (
                Box::new(|p: &mut TrialAggregate| p.arms[0].plan_sha256.clear()),
                "arms[0].plan_sha256",
            ),
        ] {
            let error = merged_after(tamper);
            assert_eq!(
                error,
                MergeError::Outdated {
                    partial: "shard2/partial.json".into(),
                    field: field.into()
                }
            );
            assert!(error.to_string().contains("re-run this shard"), "{error}");
        }
        // A partial written before these fields existed reads, then asks for a re-run.
        let (_, part) = shard(1, 1);
        let mut json = serde_json::to_value(&part).unwrap();
        let object = json.as_object_mut().unwrap();
        object.remove("model_version");
        object.remove("shard");
        json["arms"][0]
            .as_object_mut()
            .unwrap()
            .remove("plan_sha256");
        let old = parse_partial("old", json.to_string().as_bytes()).unwrap();
        assert!(matches!(
            TrialAggregate::merge_partials(&[("old".into(), old)]),
            Err(MergeError::Outdated { .. })
        ));
    }

    #[test]
    fn unreadable_values_name_their_field() {
        let (_, part) = shard(1, 1);
        let mut json = serde_json::to_value(&part).unwrap();
        json["arms"][0]["areas"][0]["responders"][3] = serde_json::json!(-1);
        let error = parse_partial("p", json.to_string().as_bytes()).expect_err("negative");
        match &error {
            MergeError::Unreadable { field, .. } => {
                assert_eq!(field, "arms[0].areas[0].responders[3]")
            }
            other => panic!("{other}"),
        }
        json["arms"][0]["areas"][0]["responders"][3] = serde_json::json!(1.5);
        assert!(parse_partial("p", json.to_string().as_bytes()).is_err());
        json["settings"]["days"] = serde_json::json!(1e15);
        assert!(parse_partial("p", json.to_string().as_bytes()).is_err());
    }

    #[test]
    fn missing_and_doubled_shards_are_named() {
        let error = TrialAggregate::merge_partials(&[shard(1, 4), shard(3, 4)]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "shards 2/4 and 4/4 are missing (patients 1..3 and 4..6 of 6 are not covered)"
        );
        let error = TrialAggregate::merge_partials(&[shard(1, 2), shard(1, 2)]).unwrap_err();
        assert!(
            matches!(error, MergeError::Overlap { from: 0, to: 3, .. }),
            "{error}"
        );
        let error = TrialAggregate::merge_partials(&[shard(1, 2)]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "shard 2/2 is missing (patients 3..6 of 6 are not covered)"
        );
    }
}
