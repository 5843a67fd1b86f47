//! Eyelid ptosis from where the toxin is injected, not from how many units.
//!
//! ```text
//! lambda_b(V) = lambda_bolus (V / 0.1 mL)^(1/3)                      (mm; the bolus fills a volume)
//! s(c)        = c / (c + c_half),   c = U_eq / V                     (U/mL; the levator's acceptors)
//! x_side      = sum over a session's injections and their levator neighbours on that side of
//!               kappa phi_n exp(-d_n / lambda_b(V_side)) (V_side / 0.1 mL) s(c)
//! ```
//! The levator palpebrae is blocked when injected fluid crosses the orbital septum. How much
//! crosses is set by the injection site (`d_n`, the distance from the muscle's injection zone to
//! the levator through the septum, and `phi_n`, from `data/anatomy.toml`) and by the volume
//! injected there; the few nerve terminals of the thin levator take up what that fluid carries
//! up to their ceiling at any cosmetic dilution (receptor-limited, as in the target muscle), so
//! more units in the same volume add little: the dose-ranging trials saw no more eyelid ptosis
//! at 40-80 U than at 20 U (Carruthers 2005 men [R]; PMC9558451 [R]). `x_side` is the
//! exposure of the typical placement; injectors and patients vary, so the risk is log-normal in
//! it (`metrics::SPREAD_LOG_SD`), with `x50` fitted to the label glabella dose (ONA 20 U: 3%).

use super::Parameters;
use crate::anatomy::{Anatomy, NeighbourSide, Side};
use crate::plan::Plan;

/// `lambda_bolus` (mm): spread length of a 0.1 mL bolus. [E] Equal to the spread length of the
/// dose model at the labelled 4 U/0.1 mL (`lambda_1 4^(1/3)` = 7.9 mm), so that label placements
/// rank as they did.
pub const BOLUS_LENGTH_MM: f64 = 8.0;
/// `c_half` (U/mL): injectate concentration at which the fluid crossing the septum loads half of
/// the levator's ceiling. [E] The hyperdilute end of cosmetic practice (0.5 U/0.1 mL): label
/// dilutions (20-40 U/mL) and the dose-ranging trials' (up to 160 U/mL) are all near saturation.
pub const LEVATOR_HALF_CONCENTRATION: f64 = 5.0;
/// `x50`: site exposure at which half of the treated eyes droop. FITTED so that the label
/// glabella pattern (ONA 20 U: procerus 4 U in 0.1 mL, each corrugator 8 U in 0.2 mL) gives a
/// 3% eyelid-ptosis rate, between 5.4% (Carruthers 2002 [R]) and 0.9% (SAKURA 3 [R]).
pub const EYELID_EXPOSURE_50: f64 = 0.14;

/// The exposure `x_side` of the levator palpebrae of each side ([left, right]) in the plan's
/// worst session (injections of one day form a session).
pub fn levator_site_exposure(plan: &Plan, parameters: &Parameters) -> [f64; 2] {
    let anatomy = Anatomy::get();
    let Some(levator) = anatomy.index_of("levator_palpebrae_superioris") else {
        return [0.0, 0.0];
    };
    let levator_name = &anatomy.muscle(levator).name;
    let mut worst = [0.0f64; 2];
    let mut session = [0.0f64; 2];
    let mut session_day = None;
    for injection in &plan.injections {
        if session_day != Some(injection.day) {
            session = [0.0, 0.0];
            session_day = Some(injection.day);
        }
        if injection.volume_ml <= 0.0 || injection.equivalent_units <= 0.0 {
            continue;
        }
        let concentration = injection.equivalent_units / injection.volume_ml;
        let saturation = concentration / (concentration + LEVATOR_HALF_CONCENTRATION);
        for &(side, share) in injection.site.shares() {
            let volume = injection.volume_ml * share;
            let length = BOLUS_LENGTH_MM * (volume / 0.1).cbrt();
            for neighbour in &anatomy.muscle(injection.muscle).neighbours {
                if &neighbour.muscle != levator_name {
                    continue;
                }
                let levator_side = match neighbour.side {
                    NeighbourSide::Same => side,
                    NeighbourSide::Opposite => side.opposite(),
                };
                session[levator_side.index()] += parameters.spread_escape
                    * neighbour.fascial_barrier
                    * (-neighbour.distance_mm / length).exp()
                    * (volume / 0.1)
                    * saturation;
            }
        }
        for side in Side::BOTH {
            worst[side.index()] = worst[side.index()].max(session[side.index()]);
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{InjectionEntry, Sex, Site};

    fn glabella(units: f64, corrugator_volume_ml: f64) -> Plan {
        let product = "onabotulinumtoxinA";
        Plan::builder()
            .patient(Sex::Female, 45.0)
            .injection(InjectionEntry::new(
                product,
                "procerus",
                Site::Midline,
                units / 5.0,
            ))
            .injection(
                InjectionEntry::new(
                    product,
                    "corrugator_supercilii",
                    Site::Left,
                    units * 2.0 / 5.0,
                )
                .volume_ml(corrugator_volume_ml),
            )
            .injection(
                InjectionEntry::new(
                    product,
                    "corrugator_supercilii",
                    Site::Right,
                    units * 2.0 / 5.0,
                )
                .volume_ml(corrugator_volume_ml),
            )
            .build()
            .unwrap()
    }

    #[test]
    fn units_in_the_same_volume_add_little_but_volume_and_closeness_add_much() {
        let parameters = Parameters::TYPICAL;
        let label = levator_site_exposure(&glabella(20.0, 0.2), &parameters);
        let quadruple = levator_site_exposure(&glabella(80.0, 0.2), &parameters);
        let dilute = levator_site_exposure(&glabella(20.0, 0.8), &parameters);
        assert_eq!(
            label[0], label[1],
            "a symmetric plan exposes both eyes alike"
        );
        // 4x the units in the same volumes: the levator's acceptors were already near their
        // ceiling, so the exposure grows by s(160 U/mL) / s(40 U/mL) = 1.09 only.
        assert!(quadruple[0] > label[0] && quadruple[0] < 1.15 * label[0]);
        // 4x the corrugator volume: more fluid, spreading further, crosses the septum.
        assert!(dilute[0] > 4.0 * label[0], "{dilute:?} vs {label:?}");
        // The label forehead site (35 mm from the levator) exposes it far less than the
        // corrugator site (13 mm) with the same volume and units.
        let forehead = Plan::builder()
            .patient(Sex::Female, 45.0)
            .injection(
                InjectionEntry::new("onabotulinumtoxinA", "frontalis", Site::Left, 8.0)
                    .volume_ml(0.2),
            )
            .build()
            .unwrap();
        let frontalis = levator_site_exposure(&forehead, &parameters)[0];
        assert!(frontalis > 0.0 && frontalis < 0.1 * label[0], "{frontalis}");
        assert_eq!(levator_site_exposure(&forehead, &parameters)[1], 0.0);
    }
}
