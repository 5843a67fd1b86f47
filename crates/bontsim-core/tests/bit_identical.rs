//! Simulation outputs fixed to the bit: a hash of every daily state of every simulated
//! compartment, for every example plan, the benchmark's full face and a few virtual patients.
//! The expected hashes were computed by the code before the right-hand side moved into
//! `model/` (commit eaa80dd), so a refactoring of the equations or the solver that changes a
//! single bit of a result fails here. A deliberate change of the model's results updates them
//! (and says so in its commit message): the volume and recovery-memory change (non-contractile
//! tissue only under block, into the free volume; slower, stronger remodelling memory) did, and so
//! did the muscle-specific recovery with maintenance atrophy that slows over a course
//! (orbicularis oculi terminal turnover, `rho_A`, `k_loss`), the dose ceiling (tight-binding
//! uptake, EC50, product duration factors), the masseter's own tissue rates (every plan
//! whose doses or spread reach a masseter), and the solver's muscle states in single
//! precision (every plan; within 1e-5 of double precision, `solve.rs`).

mod common;

use bontsim_core::plan::{Format, Plan};
use bontsim_core::population::{virtual_patient, Variability};
use bontsim_core::{simulate, Parameters, Simulation, SolverOptions};
use common::{example, full_face};

/// FNV-1a over the bits of every output value, with each compartment's muscle and side, so
/// that a moved, missing or changed series changes the hash.
fn hash(simulation: &Simulation) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |word: u64| {
        for byte in word.to_le_bytes() {
            hash ^= byte as u64;
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    feed(simulation.days as u64);
    for compartment in &simulation.compartments {
        feed(compartment.muscle.index() as u64);
        feed(compartment.side as u64);
        feed(compartment.total_units.to_bits());
        for state in compartment.states.iter() {
            for value in state {
                feed(value.to_bits());
            }
        }
    }
    hash
}

const EXAMPLES: [(&str, u64); 15] = [
    ("every_warning.toml", 0xa7d3_523a_32b4_0cec),
    ("forehead_and_crows_feet.toml", 0x32bf_7eb2_c09a_fcd1),
    ("glabella_20u_every_4_months.toml", 0xdd9e_0cfa_fb4a_8084),
    ("glabella_light_10u.toml", 0xb4cd_c97a_534f_f138),
    ("masseter_25u_every_3_months.toml", 0x917f_295e_42ac_ff7e),
    ("masseter_25u_every_6_months.toml", 0xc9f3_e93d_a7ce_f0bc),
    ("masseter_stopped_after_3_years.toml", 0xbf9e_dabf_f86a_62fa),
    ("palsy_acute_bell.toml", 0x94fa_6cfa_1b86_ff95),
    ("palsy_acute_bell_healthy_side.toml", 0x6dba_5270_3778_683d),
    ("palsy_healthy_side.toml", 0x68bf_054d_a58b_a5a8),
    ("palsy_healthy_side_overtreated.toml", 0x08c0_cd92_b1fe_5523),
    ("palsy_long_standing_untreated.toml", 0x94fa_6cfa_1b86_ff95),
    ("palsy_post_paralytic_tightness.toml", 0x326d_1c6a_eb8f_0c5e),
    ("palsy_synkinesis_affected_side.toml", 0x4c28_bba2_363e_b89a),
    ("palsy_with_therapy.toml", 0x94fa_6cfa_1b86_ff95),
];

const FULL_FACE: u64 = 0x900f_ceb0_e783_7f20;

/// Two products on one day reaching the same compartments (the procerus's spread meets the
/// corrugators' own doses), then a second session of one product: same-day doses of
/// different products merged.
const MIXED_PRODUCTS_PLAN: &str = r#"
[patient]
sex = "female"
age = 50

[[injection]]
day = 0
product = "onabotulinumtoxinA"
muscle = "procerus"
side = "midline"
units = 6

[[injection]]
day = 0
product = "abobotulinumtoxinA"
muscle = "corrugator_supercilii"
side = "left"
units = 25

[[injection]]
day = 0
product = "incobotulinumtoxinA"
muscle = "corrugator_supercilii"
side = "right"
units = 9

[[injection]]
day = 100
product = "daxibotulinumtoxinA"
muscle = "corrugator_supercilii"
side = "left"
units = 12
"#;

const MIXED_PRODUCTS: u64 = 0x8395_f24e_c8c7_4b9e;

/// Virtual patients 0..4 of the glabella plan, seed 7 (their parameters and compartment
/// constants differ from the typical patient's, including slow recoverers).
const VIRTUAL_PATIENTS: [u64; 4] = [
    0x5e7a_febb_ea57_8cbc,
    0x63ac_ce9e_ae43_3658,
    0x8983_3eaa_21a7_ad80,
    0x1b78_e21a_b8f3_f728,
];

#[test]
fn example_plans_simulate_to_the_same_bits() {
    let mut wrong = Vec::new();
    for (name, expected) in EXAMPLES {
        let plan = example(name);
        let days = bontsim_core::simulation::default_days(&plan);
        let actual = hash(&simulate(
            &plan,
            &Parameters::TYPICAL,
            days,
            &SolverOptions::default(),
        ));
        if actual != expected {
            wrong.push(format!("{name}: {actual:#018x}"));
        }
    }
    let actual = hash(&simulate(
        &full_face(),
        &Parameters::TYPICAL,
        730,
        &SolverOptions::default(),
    ));
    if actual != FULL_FACE {
        wrong.push(format!("full face: {actual:#018x}"));
    }
    let mixed = Plan::parse(MIXED_PRODUCTS_PLAN, Format::Toml).expect("mixed plan is valid");
    let actual = hash(&simulate(
        &mixed,
        &Parameters::TYPICAL,
        400,
        &SolverOptions::default(),
    ));
    if actual != MIXED_PRODUCTS {
        wrong.push(format!("mixed products: {actual:#018x}"));
    }
    let plan = example("glabella_20u_every_4_months.toml");
    for (index, expected) in VIRTUAL_PATIENTS.iter().enumerate() {
        let patient = virtual_patient(
            &plan,
            &Parameters::TYPICAL,
            &Variability::default(),
            7,
            index as u64,
        );
        let actual = hash(&simulate(
            &patient.plan,
            &patient.parameters,
            730,
            &SolverOptions::default(),
        ));
        if actual != *expected {
            wrong.push(format!("virtual patient {index}: {actual:#018x}"));
        }
    }
    assert!(wrong.is_empty(), "changed outputs:\n{}", wrong.join("\n"));
}
