//! Model parameters with their values and sources. `docs/model.md` is the long form; each
//! field here names the symbol used there. Values marked "fitted" were fitted by
//! `cargo run --release -p bontsim-core --example calibrate` to the data named beside them.
//! Concentrations (`D`, `L`, `EC50`, `c_cov`) are in U per g^alpha (alpha = 2/3), written
//! U/g^a: units divided by the muscle mass to the power `mass_exponent`.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Parameters {
    // --- spread (model/spread.rs) ---
    /// `lambda_1`: spread length scale of 1 U in 0.1 mL (mm). Borodic 1994: at 1 U the
    /// denervation gradient collapses over 15-30 mm of rabbit muscle [R].
    pub spread_length_mm: f64,
    /// `kappa`: fraction of the kernel that escapes a muscle's boundary. Prior [E]: limited
    /// spread to orbicularis oculi after glabellar doses (Alimohammadi 2014 [R]). Not fitted:
    /// the eyelid-ptosis rate is fitted through the spread variability `SPREAD_LOG_SD`
    /// (metrics.rs), and only the product of the two matters for it.
    pub spread_escape: f64,
    /// Exponent of dose in the spread length (volume filling: 1/3) [E].
    pub spread_dose_exponent: f64,
    /// Exponent of injected volume in the spread length: 5x volume gives ~1.5x field
    /// (Hsu 2004 ~50% larger field [M]; Kim 2003 rabbit 0.5 vs 0.1 mL [R]).
    pub spread_volume_exponent: f64,

    // --- pharmacodynamics (model/pharmacodynamics.rs) ---
    /// `k_in` (1/day): uptake of deposited toxin into nerve terminals. Fitted to onset
    /// (Beer 2011: 48% by day 1, 77% by day 2 [R]).
    pub k_in: f64,
    /// `k_L` (1/day): loss of intracellular light-chain activity, ln 2 / 31 d
    /// (Foran 2003, half-life of BoNT/A inhibition of release [R]).
    pub k_l: f64,
    /// `EC50` (U/g^a): toxin load at which a reached terminal is half blocked. FITTED (with
    /// `c_sat`) to the median duration of ONA 20 U glabella (19.7 wk, PMC9558451 [R]),
    /// checked against 10 U (Carruthers 2005 [R]) and 40 U (>= 24 wk).
    pub ec50: f64,
    /// `c_cov` (U/g^a): concentration at which a dose reaches 1 - 1/e (63%) of a muscle's
    /// nerve terminals. Coverage saturates with dose (Borodic 1994: 1 U blocks a 15-30 mm
    /// segment, 5-10 U the whole muscle [R]; EDB: plateau of 85-90% decrement at 15-20 U
    /// [R]). Fitted to the EMG depth of Winn & Sires (corrugator 8 U: -64 to -78%; DAO 2 U:
    /// -18 to -54% at 2-4 weeks [R]).
    pub coverage_concentration: f64,
    /// `c_sat` (U/g^a): receptor-limited uptake, the dose ceiling. A dose of concentration `c`
    /// loads the terminals it reaches with what a limited pool of acceptors `c_sat` binds
    /// tightly (Morrison quadratic, `pharmacodynamics::taken_up`); the rest is not
    /// internalised and is cleared, so units above the label add little duration. FITTED with
    /// EC50 to the flat ONA 40-80 U week-24 responder rates (PMC9558451 [R]) keeping ONA 20 U
    /// at 139 d and a 20 -> 40 U step; held out: Carruthers 2005 10-40 U, the calibration
    /// durations (docs/validation.md, "Repeated treatment", "Dose ceiling").
    pub uptake_saturation: f64,
    /// `alpha`: exponent of muscle mass in the toxin concentration `c = U / m^alpha`. Motor
    /// endplates lie in bands (Happak 1997 [R]), so the terminals a deposit reaches grow
    /// with the band's area, ~ m^(2/3), not with the whole mass [E]; fitted jointly to the
    /// glabella durations (0.75 g corrugator) and the masseter nadir (24 g) - with alpha = 1
    /// no EC50 reproduces both.
    pub mass_exponent: f64,
    /// `h`: Hill coefficient of a terminal's block against its load: steep, because a
    /// terminal resumes release once its light-chain activity falls below what re-cleaves
    /// new SNAP-25 (Keller 1999; Meunier 2003 [R]). FITTED with EC50 so that the offset is
    /// sharp enough for the return-to-baseline and none/mild durations (PMC9558451; SAKURA)
    /// to lie ~30-40 days apart. Depth saturation comes from coverage `c_cov`.
    pub hill: f64,
    /// `k_on` (1/day): rate at which blockade reaches its toxin-determined level.
    /// Fitted to onset and peak (84% of maximal effect by day 2-4, Prager 2013 [R]).
    pub k_on: f64,
    /// `k_r0` (1/day): recovery of transmission (terminal sprouting, then return of the
    /// parent terminal ~90 d, Meunier 2003 [R]) once the toxin level falls, in a junction
    /// without remodelling. FITTED with `rho_R` and `k_Rin` so that a first dose, remodelled to
    /// `R` ~0.15 by its recovery, keeps the single-dose durations of the calibration tests
    /// and the population's responder rates (tests/trial.rs).
    pub k_r0: f64,
    /// `rho_R`: slowing of recovery by remodelling memory `R` (repeated injections slow
    /// recovery of release in mouse, Rogozhin 2008 [R]; Minamoto 2015 rat [R]). Set [E] so
    /// that the third of three 20 U glabella doses 120 days apart lasts ~12% longer than the
    /// first: larger than nothing (animal data), bounded by the stable intervals of human
    /// repeated cycles (Rzany 2007; Toronto blepharospasm series [R]); docs/model.md.
    pub rho_r: f64,
    /// `k_Rin` (1/day): build-up of remodelling memory under blockade: slow, so that memory
    /// grows over several cycles instead of saturating in the first one [E].
    pub k_r_in: f64,
    /// `k_Rout` (1/day): fading of remodelling memory (axon branching abnormal for months:
    /// Rogozhin 2008 [R]); ln 2 / 180 d prior [E].
    pub k_r_out: f64,

    /// `gamma`: exponent of area strength in wrinkle severity, `severity = baseline S^gamma`.
    /// 1 (linear) in the typical patient: no source separates a threshold-like relation, and
    /// gamma > 1 did not close the gap between the return-to-baseline and none/mild
    /// durations (docs/validation.md). Kept as a parameter so that the population fit can vary it.
    pub severity_exponent: f64,

    // --- adaptation (model/adaptation.rs) ---
    /// `k_loss` (1/day): rate of contractile-mass loss under block. Fitted to masseter
    /// nadir at week 11-12 (Arch Aesthetic Plast Surg 2016 [R]; Yu 2007 [R]); 0.03 (was
    /// 0.025) with `rho_A`, so that one dose keeps its depth while the remodelled junctions
    /// of a course slow the loss (docs/model.md sec. 2.13).
    pub k_loss: f64,
    /// `k_gain` (1/day): regrowth rate when activity returns. Fitted to incomplete
    /// masseter recovery at week 25 and contour back by ~6 months (Yu 2007 [R]).
    pub k_gain: f64,
    /// `k_F` (1/day): accumulation of non-contractile tissue per unit of mass deficit while
    /// the muscle is blocked (`dF/dt = k_F B (1 - M - F) - k_Fd F`). Rabbit: contractile material
    /// 80% at 3 months and 64% at 6 months of monthly block (Fortuna 2011 [R]) gives
    /// ~0.002-0.004/day per unit of mass deficit [D]; the free space `1 - M - F` it
    /// fills shrinks as it grows, so the fitted rate is higher. FITTED to 0.006 so that masseter
    /// volume levels at the -25% that ultrasound reports over years of repeated injections
    /// (Kim 2010 [R]) and stays above 0.6 under 3-monthly maintenance (claim A8).
    pub k_f: f64,
    /// `k_Fd` (1/day): resorption of non-contractile tissue, half-life 400 days [E]
    /// (> 6 months: not resolved 6 months after the last injection, Fortuna 2013/2015 [R];
    /// human gastrocnemius CSA still 78-88% of control 12 months after one dose, Schroeder
    /// 2009 [R]).
    pub k_fd: f64,
    /// `rho_F`: slowing of regrowth by non-contractile tissue (fat and fibrosis hinder
    /// regeneration). Set [E] with `k_F` so that the time for volume to return after stopping
    /// grows with the tissue a course left behind, i.e. with cumulative units (claim A6 on
    /// volume; Fortuna 2013/2015: after repeated injections contractile material recovers
    /// only partly within 6 months [R]).
    pub rho_f: f64,
    /// `rho_A`: slowing of contractile-mass loss by remodelled junctions (`R`): sprouts and
    /// remodelled endplates return trophic, non-quantal support to the fibres before evoked
    /// transmission returns (sprouts release transmitter within weeks, Rogozhin 2008 [R]),
    /// so the atrophy drive of a block falls as a course goes on and maintenance atrophy
    /// levels off instead of driving the muscle to its floor. Set [E] as large as the
    /// single-dose masseter nadir (depth and week), Kim 2010's maintenance volume and claims
    /// A3 and A6 allow (3.5 with the dose ceiling; 4 breaks A6's doubling of the volume's
    /// return); docs/model.md sec. 2.13.
    pub rho_a: f64,
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters::TYPICAL
    }
}

/// One model parameter by name: its name as in docs/model.md and the field list of
/// [`Parameters`] (`ec50`, `k_l`, ...), its meaning in words a clinician reads, its symbol
/// there, and its field. [`PARAMETERS`] is the one list every tool that names parameters
/// uses (sensitivity analysis, figures, calibration and fitting examples).
pub struct NamedParameter {
    pub name: &'static str,
    pub meaning: &'static str,
    pub symbol: &'static str,
    field: fn(&mut Parameters) -> &mut f64,
}

/// Every parameter of [`Parameters`], in the order of its fields.
pub const PARAMETERS: [NamedParameter; 23] = [
    NamedParameter {
        name: "spread_length_mm",
        meaning: "toxin spread distance",
        symbol: "lambda_1",
        field: |p| &mut p.spread_length_mm,
    },
    NamedParameter {
        name: "spread_escape",
        meaning: "toxin spread beyond the muscle",
        symbol: "kappa",
        field: |p| &mut p.spread_escape,
    },
    NamedParameter {
        name: "spread_dose_exponent",
        meaning: "growth of spread with dose",
        symbol: "spread dose exponent",
        field: |p| &mut p.spread_dose_exponent,
    },
    NamedParameter {
        name: "spread_volume_exponent",
        meaning: "growth of spread with injected volume",
        symbol: "spread volume exponent",
        field: |p| &mut p.spread_volume_exponent,
    },
    NamedParameter {
        name: "k_in",
        meaning: "toxin uptake into nerve terminals",
        symbol: "k_in",
        field: |p| &mut p.k_in,
    },
    NamedParameter {
        name: "k_l",
        meaning: "decay of toxin activity in the terminal",
        symbol: "k_L",
        field: |p| &mut p.k_l,
    },
    NamedParameter {
        name: "ec50",
        meaning: "toxin load blocking half a terminal",
        symbol: "EC50",
        field: |p| &mut p.ec50,
    },
    NamedParameter {
        name: "coverage_concentration",
        meaning: "dose reaching most nerve terminals",
        symbol: "c_cov",
        field: |p| &mut p.coverage_concentration,
    },
    NamedParameter {
        name: "uptake_saturation",
        meaning: "saturation of toxin uptake",
        symbol: "c_sat",
        field: |p| &mut p.uptake_saturation,
    },
    NamedParameter {
        name: "mass_exponent",
        meaning: "dilution of toxin by muscle size",
        symbol: "alpha",
        field: |p| &mut p.mass_exponent,
    },
    NamedParameter {
        name: "hill",
        meaning: "steepness of block against toxin load",
        symbol: "h",
        field: |p| &mut p.hill,
    },
    NamedParameter {
        name: "k_on",
        meaning: "speed of onset of the block",
        symbol: "k_on",
        field: |p| &mut p.k_on,
    },
    NamedParameter {
        name: "k_r0",
        meaning: "nerve sprouting recovery rate",
        symbol: "k_r0",
        field: |p| &mut p.k_r0,
    },
    NamedParameter {
        name: "rho_r",
        meaning: "slower recovery after repeated blocks",
        symbol: "rho_R",
        field: |p| &mut p.rho_r,
    },
    NamedParameter {
        name: "k_r_in",
        meaning: "build-up of nerve remodelling",
        symbol: "k_Rin",
        field: |p| &mut p.k_r_in,
    },
    NamedParameter {
        name: "k_r_out",
        meaning: "fading of nerve remodelling",
        symbol: "k_Rout",
        field: |p| &mut p.k_r_out,
    },
    NamedParameter {
        name: "severity_exponent",
        meaning: "wrinkle severity against strength",
        symbol: "gamma",
        field: |p| &mut p.severity_exponent,
    },
    NamedParameter {
        name: "k_loss",
        meaning: "muscle mass loss under block",
        symbol: "k_loss",
        field: |p| &mut p.k_loss,
    },
    NamedParameter {
        name: "k_gain",
        meaning: "muscle mass regrowth",
        symbol: "k_gain",
        field: |p| &mut p.k_gain,
    },
    NamedParameter {
        name: "k_f",
        meaning: "build-up of fibrous tissue",
        symbol: "k_F",
        field: |p| &mut p.k_f,
    },
    NamedParameter {
        name: "k_fd",
        meaning: "resorption of fibrous tissue",
        symbol: "k_Fd",
        field: |p| &mut p.k_fd,
    },
    NamedParameter {
        name: "rho_f",
        meaning: "slower regrowth with fibrous tissue",
        symbol: "rho_F",
        field: |p| &mut p.rho_f,
    },
    NamedParameter {
        name: "rho_a",
        meaning: "slower mass loss with remodelled junctions",
        symbol: "rho_A",
        field: |p| &mut p.rho_a,
    },
];

impl Parameters {
    /// The typical patient (see docs/model.md for each value's source and fit).
    pub const TYPICAL: Parameters = Parameters {
        spread_length_mm: 5.0,
        spread_escape: 0.1,
        spread_dose_exponent: 1.0 / 3.0,
        spread_volume_exponent: 0.25,
        k_in: 1.0,
        k_l: std::f64::consts::LN_2 / 31.0,
        ec50: 0.61,
        coverage_concentration: 4.6,
        uptake_saturation: 12.0,
        mass_exponent: 2.0 / 3.0,
        hill: 3.5,
        k_on: 0.5,
        k_r0: 0.2,
        rho_r: 10.0,
        k_r_in: 0.003,
        k_r_out: std::f64::consts::LN_2 / 180.0,
        severity_exponent: 1.0,
        k_loss: 0.03,
        k_gain: 0.018,
        k_f: 0.006,
        k_fd: std::f64::consts::LN_2 / 400.0,
        rho_f: 4.0,
        rho_a: 3.5,
    };

    /// The parameter named as in [`PARAMETERS`], for tools that set parameters by name.
    pub fn by_name_mut(&mut self, name: &str) -> Option<&mut f64> {
        let parameter = PARAMETERS.iter().find(|p| p.name == name)?;
        Some((parameter.field)(self))
    }

    /// What the parameter named `name` means, in words a clinician reads (docs/model.md), and
    /// its symbol there: for figures and tables that name parameters.
    pub fn meaning(name: &str) -> Option<(&'static str, &'static str)> {
        PARAMETERS
            .iter()
            .find(|p| p.name == name)
            .map(|p| (p.meaning, p.symbol))
    }

    /// The parameter's meaning with its symbol in parentheses ("nerve sprouting recovery
    /// rate (k_r0)"); an unknown name is returned as given.
    pub fn label(name: &str) -> String {
        match Parameters::meaning(name) {
            Some((meaning, symbol)) => format!("{meaning} ({symbol})"),
            None => name.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Parameters, PARAMETERS};

    #[test]
    fn every_parameter_has_a_meaning_in_words() {
        let mut parameters = Parameters::TYPICAL;
        let mut meanings = Vec::new();
        for name in PARAMETERS.iter().map(|p| p.name) {
            let (meaning, symbol) = Parameters::meaning(name).expect(name);
            assert!(parameters.by_name_mut(name).is_some(), "{name}");
            assert!(!meaning.contains('_'), "{meaning}");
            assert!(!symbol.is_empty());
            meanings.push(meaning);
        }
        let count = meanings.len();
        meanings.sort_unstable();
        meanings.dedup();
        assert_eq!(meanings.len(), count, "two parameters share a meaning");
        assert_eq!(
            Parameters::label("k_r0"),
            "nerve sprouting recovery rate (k_r0)"
        );
        assert_eq!(Parameters::label("unknown"), "unknown");
    }

    #[test]
    fn every_field_is_reachable_by_name() {
        // Each name reaches a field of its own: setting them all to distinct values and
        // reading them back finds each value once.
        let names: Vec<&str> = PARAMETERS.iter().map(|p| p.name).collect();
        let mut parameters = Parameters::TYPICAL;
        for (i, name) in names.iter().enumerate() {
            *parameters.by_name_mut(name).expect(name) = 1000.0 + i as f64;
        }
        assert_eq!(parameters.ec50, 1006.0);
        assert_eq!(parameters.rho_f, 1021.0);
        for (i, name) in names.iter().enumerate() {
            assert_eq!(*parameters.by_name_mut(name).unwrap(), 1000.0 + i as f64);
        }
        assert!(parameters.by_name_mut("no_such_parameter").is_none());
    }
}
