//! From a validated plan to daily per-compartment trajectories: spread every injection to
//! its compartments, convert units to concentrations, and integrate each compartment.

use crate::anatomy::{Anatomy, MuscleId, Side};
use crate::model::{immunity, spread, CompartmentConstants, Parameters, ProductRates, State};
use crate::plan::Plan;
use crate::solve::{integrate_many, Dose, Problem, SolverOptions};
use std::sync::Arc;

/// Deposits below this (U) are numerical dust from the exponential spread kernel: the
/// compartment is not simulated or reported for them.
pub const NEGLIGIBLE_UNITS: f64 = 1e-3;

/// One muscle on one side over the simulated days.
#[derive(Debug, Clone)]
pub struct CompartmentResult {
    pub muscle: MuscleId,
    pub side: Side,
    /// Days on which this compartment was injected directly, with the units (U-eq).
    pub injections: Vec<(f64, f64)>,
    /// Total toxin reaching the compartment (U-eq), injected or spread.
    pub total_units: f64,
    /// Daily states; shared (not copied) between left/right twins with identical inputs.
    pub states: Arc<Vec<State>>,
    pub constants: CompartmentConstants,
}

/// The simulated face: every compartment that received toxin, plus the inputs.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub days: usize,
    pub compartments: Vec<CompartmentResult>,
}

impl Simulation {
    pub fn compartment(&self, muscle: MuscleId, side: Side) -> Option<&CompartmentResult> {
        self.compartments
            .iter()
            .find(|c| c.muscle == muscle && c.side == side)
    }
}

/// Per-compartment constants for a plan's patient.
pub fn compartment_constants(plan: &Plan, muscle: MuscleId) -> CompartmentConstants {
    let anatomy_muscle = Anatomy::get().muscle(muscle);
    let patient_override = plan.patient.overrides[muscle.index()];
    CompartmentConstants {
        mass_g: anatomy_muscle.mass_g * patient_override.mass_scale,
        sensitivity: patient_override.sensitivity * anatomy_muscle.toxin_response,
        atrophy_susceptibility: patient_override
            .atrophy_susceptibility
            .unwrap_or(anatomy_muscle.atrophy_susceptibility),
    }
}

/// The patient's parameters as one muscle sees them: the turnover of its poisoned terminals
/// (`k_T`, anatomy.toml) adds to the decay `k_L` of a reached terminal's load, and its own
/// tissue factors multiply the tissue rates (docs/model.md sec. 2.13). Muscles without either
/// keep the parameters to the bit.
pub fn muscle_parameters(parameters: &Parameters, muscle: MuscleId) -> Parameters {
    let anatomy_muscle = Anatomy::get().muscle(muscle);
    let turnover = anatomy_muscle.terminal_turnover;
    let tissue = &anatomy_muscle.tissue;
    if turnover == 0.0 && tissue.is_common() {
        return *parameters;
    }
    let mut own = *parameters;
    if turnover != 0.0 {
        own.k_l = parameters.k_l + turnover;
    }
    if !tissue.is_common() {
        own.k_loss = parameters.k_loss * tissue.mass_loss;
        own.k_gain = parameters.k_gain * tissue.mass_gain;
        own.k_f = parameters.k_f * tissue.non_contractile_gain;
        own.rho_f = parameters.rho_f * tissue.non_contractile_slowing;
        own.k_fd = parameters.k_fd * tissue.non_contractile_resorption;
    }
    own
}

/// The default horizon: a year past the last injection, at least two years.
pub fn default_days(plan: &Plan) -> usize {
    let last = plan.injections.last().map(|i| i.day).unwrap_or(0.0);
    ((last + 365.0).ceil() as usize)
        .max(730)
        .min(crate::plan::MAX_DAY as usize + 1)
}

/// The plan's treatment sessions as the immune system sees them (units weighted by each
/// product's immunogenicity), and this patient's immune course over them.
pub fn plan_immunity(plan: &Plan) -> immunity::ImmuneCourse {
    let mut sessions: Vec<immunity::ImmuneSession> = Vec::new();
    for injection in &plan.injections {
        let immunogenicity =
            crate::product::find_product(injection.product).map_or(1.0, |p| p.immunogenicity);
        let antigen = injection.equivalent_units * immunogenicity;
        match sessions.last_mut() {
            Some(session) if session.day == injection.day => {
                session.units += injection.equivalent_units;
                session.antigen_units += antigen;
            }
            _ => sessions.push(immunity::ImmuneSession {
                day: injection.day,
                units: injection.equivalent_units,
                antigen_units: antigen,
            }),
        }
    }
    immunity::immune_course(
        sessions,
        plan.patient.antibodies,
        plan.patient.immune_quantile,
    )
}

/// The toxin reaching one compartment: its constants and doses, ready to integrate.
#[derive(Debug, Clone, PartialEq)]
pub struct CompartmentDoses {
    pub compartment: usize,
    pub constants: CompartmentConstants,
    /// Doses sorted by day, same-day deposits merged into one dose (U/g^a) whose product
    /// rates are the deposits' potency-weighted mean ([`merge_same_day_doses`]).
    pub doses: Vec<Dose>,
    /// Total units received (U-eq), injected or spread.
    pub total_units: f64,
}

/// Every compartment that receives toxin (at least [`NEGLIGIBLE_UNITS`]), with its doses
/// after spread, and the units injected directly into each compartment `(day, U-eq)`. This is
/// the one place where injections become per-compartment doses. Neutralising antibodies
/// (`plan_immunity`) take their share of each session before the toxin reaches the
/// terminals: the concentrations are scaled, the units received are reported as given.
pub fn compartment_doses(
    plan: &Plan,
    parameters: &Parameters,
) -> (Vec<CompartmentDoses>, Vec<Vec<(f64, f64)>>) {
    compartment_doses_above(plan, parameters, NEGLIGIBLE_UNITS)
}

/// [`compartment_doses`] keeping every compartment that receives at least `least_units` (the
/// doses of parts of a plan, whose sum decides what is negligible).
pub fn compartment_doses_above(
    plan: &Plan,
    parameters: &Parameters,
    least_units: f64,
) -> (Vec<CompartmentDoses>, Vec<Vec<(f64, f64)>>) {
    let (items, direct) = compartment_doses_of(plan, parameters, least_units, None);
    let mut by_compartment = vec![Vec::new(); Anatomy::get().compartment_count()];
    for (compartment, day, units) in direct {
        by_compartment[compartment].push((day, units));
    }
    (items, by_compartment)
}

/// One spread kept for the injections after it: the target compartment, the bits of the
/// units and volume it was made for, and where its deposits are.
#[derive(Clone, Copy)]
struct KeptSpread {
    target: usize,
    units: u64,
    volume: u64,
    start: usize,
    end: usize,
}

/// Slots of kept spreads, one per compartment index modulo this: on the stack, since a
/// virtual trial makes a plan's doses for every patient. The anatomy has fewer compartments,
/// so none shares a slot; if one did, the slot's key would tell them apart and the spread
/// would only be made again.
const KEPT_SPREADS: usize = 64;

/// [`compartment_doses_above`], only for the compartments in `only` when given (the others'
/// doses are not made; those kept are the same to the bit). The units injected directly are
/// one list `(compartment, day, U-eq)` in the plan's order, not a list per compartment.
fn compartment_doses_of(
    plan: &Plan,
    parameters: &Parameters,
    least_units: f64,
    only: Option<&[usize]>,
) -> (Vec<CompartmentDoses>, Vec<(usize, f64, f64)>) {
    let count = Anatomy::get().compartment_count();
    // (compartment, day, U-eq, share not neutralised, the product's rates) of every deposit,
    // in one list rather than one per compartment: a virtual trial makes this for every
    // patient, and a list per reached compartment was most of its allocations.
    let mut received: Vec<(usize, f64, f64, f64, ProductRates)> =
        Vec::with_capacity(8 * plan.injections.len());
    let mut direct: Vec<(usize, f64, f64)> = Vec::with_capacity(2 * plan.injections.len());
    // The spread of the last injection into each compartment, kept: a repeated injection
    // (same units, same volume) spreads the same, and a plan's repeats are most of its
    // injections (the full face: 6 of each), so each is distributed once. Keyed by the bits
    // of its inputs, the deposits are those `distribute` would give again.
    let mut kept = [KeptSpread {
        target: usize::MAX,
        units: 0,
        volume: 0,
        start: 0,
        end: 0,
    }; KEPT_SPREADS];
    let mut deposits = Vec::new();
    let immunity = plan_immunity(plan);
    for injection in &plan.injections {
        let reaching = 1.0 - immunity.neutralised_on(injection.day);
        let product = crate::product::find_product(injection.product)
            .map_or(ProductRates::REFERENCE, |product| product.rates());
        for &(side, share) in injection.site.shares() {
            let units = injection.equivalent_units * share;
            let volume_ml = injection.volume_ml * share;
            let target = Anatomy::compartment(injection.muscle, side);
            direct.push((target, injection.day, units));
            let slot = &mut kept[target % KEPT_SPREADS];
            let (units_bits, volume_bits) = (units.to_bits(), volume_ml.to_bits());
            if (slot.target, slot.units, slot.volume) != (target, units_bits, volume_bits) {
                let start = deposits.len();
                spread::distribute(
                    parameters,
                    injection.muscle,
                    side,
                    units,
                    volume_ml,
                    &mut deposits,
                );
                *slot = KeptSpread {
                    target,
                    units: units_bits,
                    volume: volume_bits,
                    start,
                    end: deposits.len(),
                };
            }
            for deposit in &deposits[slot.start..slot.end] {
                received.push((
                    deposit.compartment,
                    injection.day,
                    deposit.units,
                    reaching,
                    product,
                ));
            }
        }
    }
    // Grouped by compartment with each compartment's deposits in the order they arrived (a
    // counting sort: stable, and linear in the deposits), so its sums are those of a list
    // per compartment.
    let mut starts = vec![0usize; count + 1];
    for deposit in &received {
        starts[deposit.0 + 1] += 1;
    }
    for c in 0..count {
        starts[c + 1] += starts[c];
    }
    let mut grouped = received.clone();
    for deposit in &received {
        grouped[starts[deposit.0]] = *deposit;
        starts[deposit.0] += 1;
    }
    let mut items = Vec::new();
    for deposits in grouped.chunk_by(|a, b| a.0 == b.0) {
        let compartment = deposits[0].0;
        if only.is_some_and(|only| !only.contains(&compartment)) {
            continue;
        }
        let total_units: f64 = deposits.iter().map(|d| d.2).sum();
        if total_units < least_units {
            continue;
        }
        let constants = compartment_constants(plan, Anatomy::compartment_muscle(compartment));
        let scaled_mass = constants.mass_g.powf(parameters.mass_exponent);
        let doses: Vec<Dose> = deposits
            .iter()
            .map(|&(_, day, units, reaching, product)| Dose {
                day,
                concentration: units * reaching / scaled_mass,
                product,
            })
            .collect();
        let doses = merge_same_day_doses(doses);
        items.push(CompartmentDoses {
            compartment,
            constants,
            doses,
            total_units,
        });
    }
    (items, direct)
}

/// Deposits of one day (an injection and spread from its neighbours, of one product or
/// several) become one dose: concentrations add, and each product rate multiplier is the
/// mean of the deposits' weighted by their concentrations (potency-weighted units), so the
/// product that brings most of the toxin sets most of the speed; deposits of one product
/// keep its rates exactly. Sorted by day, then by size, then by rates: left and right twins
/// then sum their same-day deposits in the same order, so symmetric plans give
/// bit-identical inputs (and one integration).
pub fn merge_same_day_doses(mut doses: Vec<Dose>) -> Vec<Dose> {
    let order = |a: &Dose, b: &Dose| {
        a.day
            .total_cmp(&b.day)
            .then(a.concentration.total_cmp(&b.concentration))
            .then_with(|| a.product.onset.total_cmp(&b.product.onset))
            .then_with(|| a.product.recovery.total_cmp(&b.product.recovery))
    };
    // A short list is sorted whole (by insertion, cheaply); a long one already in day order
    // (a plan's injections are) needs only each day's few deposits ordered, which gives the
    // order of the whole sort (stable).
    if doses.len() > 20 && doses.is_sorted_by(|a, b| a.day.total_cmp(&b.day).is_le()) {
        for day in doses.chunk_by_mut(|a, b| a.day.total_cmp(&b.day).is_eq()) {
            if day.len() > 1 {
                day.sort_by(order);
            }
        }
    } else {
        doses.sort_by(order);
    }
    doses.dedup_by(|later, first| {
        if later.day == first.day {
            first.product =
                first
                    .product
                    .merged(first.concentration, later.product, later.concentration);
            first.concentration += later.concentration;
            true
        } else {
            false
        }
    });
    doses
}

pub fn simulate(
    plan: &Plan,
    parameters: &Parameters,
    days: usize,
    options: &SolverOptions,
) -> Simulation {
    simulate_compartments(plan, parameters, days, options, None)
}

/// A plan's compartments ready to integrate: every compartment that receives toxin with its
/// doses, parameters and constants, and which of them share their inputs (symmetric plans give
/// left and right compartments identical inputs, and identical inputs give identical outputs,
/// so each distinct input is integrated once).
pub struct PreparedCompartments {
    pub items: Vec<CompartmentDoses>,
    /// Units injected directly, `(compartment, day, U-eq)` (compartment indices of
    /// [`Anatomy::compartment`]), in the plan's order.
    direct: Vec<(usize, f64, f64)>,
    parameters: Vec<Parameters>,
    /// Items whose inputs are distinct, in the order of their first appearance.
    pub distinct: Vec<usize>,
    /// For each item, its position in `distinct`.
    pub twin_of: Vec<usize>,
}

impl PreparedCompartments {
    /// The compartments of `plan` for a patient with `parameters`; only those in `only`
    /// (indices of [`Anatomy::compartment`]) when given.
    pub fn new(plan: &Plan, parameters: &Parameters, only: Option<&[usize]>) -> Self {
        let (items, direct) = compartment_doses_of(plan, parameters, NEGLIGIBLE_UNITS, only);
        let compartment_parameters: Vec<Parameters> = items
            .iter()
            .map(|item| {
                muscle_parameters(parameters, Anatomy::compartment_muscle(item.compartment))
            })
            .collect();
        let mut distinct: Vec<usize> = Vec::new();
        let twin_of: Vec<usize> = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let (constants, list) = (&item.constants, &item.doses);
                match distinct.iter().position(|&u| {
                    items[u].constants == *constants
                        && items[u].doses == *list
                        && compartment_parameters[u] == compartment_parameters[i]
                }) {
                    Some(k) => k,
                    None => {
                        distinct.push(i);
                        distinct.len() - 1
                    }
                }
            })
            .collect();
        PreparedCompartments {
            items,
            direct,
            parameters: compartment_parameters,
            distinct,
            twin_of,
        }
    }

    /// The item of compartment `compartment` (index of [`Anatomy::compartment`]), when it
    /// receives toxin.
    pub fn item_of(&self, compartment: usize) -> Option<usize> {
        self.items
            .iter()
            .position(|item| item.compartment == compartment)
    }

    /// The distinct compartments to integrate, in the order of `distinct`.
    pub fn problems(&self) -> impl Iterator<Item = Problem<'_>> {
        self.distinct.iter().map(|&i| Problem {
            parameters: &self.parameters[i],
            constants: &self.items[i].constants,
            doses: &self.items[i].doses,
            start: None,
        })
    }
}

/// [`simulate`] restricted to the compartments (indices of [`Anatomy::compartment`]) in
/// `only`, when given: a fit that reads a few muscles need not integrate every muscle the
/// toxin spreads to. Each simulated compartment is bit-identical to its [`simulate`] result
/// (compartments are independent and integrated lane by lane); the others are left out as
/// untreated ones are.
pub fn simulate_compartments(
    plan: &Plan,
    parameters: &Parameters,
    days: usize,
    options: &SolverOptions,
    only: Option<&[usize]>,
) -> Simulation {
    let mut prepared = PreparedCompartments::new(plan, parameters, only);
    // Distinct compartments are split evenly between the threads: a lane that finishes takes
    // the next compartment of its thread, and what a step costs beyond its vector arithmetic
    // (acceptance, daily states) is paid per busy lane, so 10 + 10 of the full face's 20 take
    // less than 16 + 4 in whole batches (docs/performance.md). Each compartment's result is
    // bit-identical whatever group or thread integrates it (solve::integrate_many), so the
    // split may depend on the number of threads. Results are placed by index, so they do not
    // depend on the number of threads.
    let problems: Vec<Problem> = prepared.problems().collect();
    let group_size = problems.len().div_ceil(rayon::current_num_threads()).max(1);
    let mut groups: Vec<Vec<crate::solve::Trajectory>> =
        problems.chunks(group_size).map(|_| Vec::new()).collect();
    // The calling thread integrates the first group itself while the pool takes the others:
    // one thread fewer to wake and to wait for.
    rayon::in_place_scope(|scope| {
        let mut slots = groups.iter_mut().zip(problems.chunks(group_size));
        let first = slots.next();
        for (slot, group) in slots {
            scope.spawn(move |_| *slot = integrate_many(group, days, options));
        }
        if let Some((slot, group)) = first {
            *slot = integrate_many(group, days, options);
        }
    });
    let trajectories: Vec<Arc<Vec<State>>> = groups
        .into_iter()
        .flatten()
        .map(|trajectory| Arc::new(trajectory.states))
        .collect();
    // Each compartment's direct injections, in the plan's order (a stable sort).
    let mut direct = std::mem::take(&mut prepared.direct);
    direct.sort_by_key(|injection| injection.0);
    let compartments = prepared
        .items
        .iter()
        .zip(&prepared.twin_of)
        .map(|(item, &k)| CompartmentResult {
            muscle: Anatomy::compartment_muscle(item.compartment),
            side: Side::BOTH[item.compartment % 2],
            injections: merge_same_day(
                &direct[direct.partition_point(|d| d.0 < item.compartment)
                    ..direct.partition_point(|d| d.0 <= item.compartment)],
            ),
            total_units: item.total_units,
            states: Arc::clone(&trajectories[k]),
            constants: item.constants,
        })
        .collect();
    Simulation { days, compartments }
}

fn merge_same_day(injections: &[(usize, f64, f64)]) -> Vec<(f64, f64)> {
    let mut sorted: Vec<(f64, f64)> = injections.iter().map(|d| (d.1, d.2)).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, f64)> = Vec::new();
    for (day, units) in sorted {
        match merged.last_mut() {
            Some(last) if last.0 == day => last.1 += units,
            _ => merged.push((day, units)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Format;

    fn dose(day: f64, concentration: f64, onset: f64) -> Dose {
        Dose {
            day,
            concentration,
            product: ProductRates {
                onset,
                recovery: 1.0,
                duration: 1.0,
            },
        }
    }

    #[test]
    fn same_day_doses_merge_with_potency_weighted_rates() {
        let merged = merge_same_day_doses(vec![
            dose(30.0, 1.0, 1.0),
            dose(0.0, 3.0, 2.0),
            dose(0.0, 1.0, 1.0),
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].day, 0.0);
        assert_eq!(merged[0].concentration, 4.0);
        assert!((merged[0].product.onset - 1.75).abs() < 1e-15);
        assert_eq!(merged[1], dose(30.0, 1.0, 1.0));
        // The order deposits arrive in does not change the merged dose (left/right twins).
        let reversed = merge_same_day_doses(vec![
            dose(0.0, 1.0, 1.0),
            dose(30.0, 1.0, 1.0),
            dose(0.0, 3.0, 2.0),
        ]);
        assert_eq!(merged, reversed);
    }

    proptest::proptest! {
        /// Day-ordered deposits (how a plan delivers them) are ordered within each day only:
        /// the merged doses must be those of the whole sort, to the bit.
        #[test]
        fn day_ordered_deposits_merge_as_fully_sorted_ones(
            deposits in proptest::collection::vec(
                (0u8..4, 0u8..4, 0u8..3),
                0..64,
            )
        ) {
            let mut doses: Vec<Dose> = deposits
                .iter()
                .map(|&(day, size, onset)| {
                    dose(30.0 * f64::from(day), 0.5 + f64::from(size), 1.0 + 0.25 * f64::from(onset))
                })
                .collect();
            doses.sort_by(|a, b| a.day.total_cmp(&b.day));
            let mut fully_sorted = doses.clone();
            fully_sorted.sort_by(|a, b| {
                a.day
                    .total_cmp(&b.day)
                    .then(a.concentration.total_cmp(&b.concentration))
                    .then_with(|| a.product.onset.total_cmp(&b.product.onset))
            });
            // Out of day order, the whole sort runs: the reference.
            fully_sorted.reverse();
            let reference = merge_same_day_doses(fully_sorted);
            let merged = merge_same_day_doses(doses);
            proptest::prop_assert_eq!(merged.len(), reference.len());
            for (a, b) in merged.iter().zip(&reference) {
                proptest::prop_assert_eq!(a.day.to_bits(), b.day.to_bits());
                proptest::prop_assert_eq!(a.concentration.to_bits(), b.concentration.to_bits());
                proptest::prop_assert_eq!(a.product.onset.to_bits(), b.product.onset.to_bits());
            }
        }
    }

    #[test]
    fn a_restricted_simulation_keeps_its_compartments_to_the_bit() {
        let plan = Plan::parse(
            "[patient]\nsex = \"female\"\nage = 50\n\
             [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n\
             [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"corrugator_supercilii\"\nside = \"left\"\nunits = 8\n\
             [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"masseter\"\nside = \"right\"\nunits = 25\n\
             [[injection]]\nday = 120\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"masseter\"\nside = \"right\"\nunits = 20\n",
            Format::Toml,
        )
        .unwrap();
        let options = SolverOptions::default();
        let whole = simulate(&plan, &Parameters::TYPICAL, 200, &options);
        let anatomy = Anatomy::get();
        let corrugator = anatomy.index_of("corrugator_supercilii").unwrap();
        let masseter = anatomy.index_of("masseter").unwrap();
        let only = [
            Anatomy::compartment(corrugator, Side::Left),
            Anatomy::compartment(corrugator, Side::Right),
            Anatomy::compartment(masseter, Side::Right),
        ];
        let restricted =
            simulate_compartments(&plan, &Parameters::TYPICAL, 200, &options, Some(&only));
        assert!(restricted.compartments.len() < whole.compartments.len());
        assert_eq!(restricted.compartments.len(), only.len());
        for kept in &restricted.compartments {
            let full = whole.compartment(kept.muscle, kept.side).unwrap();
            assert_eq!(kept.states, full.states);
            assert_eq!(kept.injections, full.injections);
        }
    }

    #[test]
    fn every_dose_carries_the_rates_of_its_product() {
        let plan = Plan::parse(
            "[patient]\nsex = \"female\"\nage = 50\n\
             [[injection]]\nday = 0\nproduct = \"Dysport\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 10\n\
             [[injection]]\nday = 90\nproduct = \"Xeomin\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n",
            Format::Toml,
        )
        .unwrap();
        let (items, _) = compartment_doses(&plan, &Parameters::TYPICAL);
        let abo = crate::product::find_product("abobotulinumtoxinA")
            .unwrap()
            .rates();
        let inco = crate::product::find_product("incobotulinumtoxinA")
            .unwrap()
            .rates();
        assert!(!items.is_empty());
        for item in &items {
            for dose in &item.doses {
                let expected = if dose.day == 0.0 { abo } else { inco };
                assert_eq!(dose.product, expected, "{dose:?}");
            }
        }
    }
}
