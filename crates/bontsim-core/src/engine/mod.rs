//! The application API of bontsim: one [`Engine`] holding a [`Model`] (every parameter set)
//! with one method per task (simulate, check, trial, trial merge, sensitivity, symmetry
//! planning). Requests check themselves and every refusal is an [`Error`], so the CLI, a web
//! server, language bindings and a fit of a patient's own parameters all call the same code
//! and get the same results and the same errors. Long work reports its [`Progress`] through
//! a callback; nothing here reads or writes files.

mod error;
mod request;
mod runner;

pub use error::{Error, RequestError};
pub use request::{
    checked_days, parse_responder, CompareRequest, SensitivityRequest, Shard, SimulateRequest,
    SymmetryRequest, TrialArm, TrialRequest, DEFAULT_ATROPHY_DAYS, MAX_HORIZON_DAYS,
    MAX_PROPOSED_UNITS, SENSITIVITY_SAMPLES,
};
pub use runner::{worker_threads, WorkerThreads, THREADS_PER_CORE};

use crate::face::course::CourseParameters;
use crate::face::planner::{plan_symmetry, PlannerOptions, Proposal};
use crate::metrics::build_report_with_course;
use crate::model::Parameters;
use crate::plan::{Format, Plan};
use crate::population::Variability;
use crate::report::Report;
use crate::sensitivity::{analyse_around, model_runs, SensitivityReport};
use crate::simulation::simulate;
use crate::solve::SolverOptions;
use crate::trial::TrialAggregate;

/// Every parameter set of the model: the toxin model's [`Parameters`], the face's course
/// ([`CourseParameters`]: palsy recovery and training) and the spreads of the virtual
/// population ([`Variability`]). [`Model::default`] is the typical patient of docs/model.md.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model {
    pub parameters: Parameters,
    pub course: CourseParameters,
    pub variability: Variability,
}

impl Default for Model {
    fn default() -> Model {
        Model {
            parameters: Parameters::TYPICAL,
            course: CourseParameters::TYPICAL,
            variability: Variability::default(),
        }
    }
}

/// How far long work has come: `done` of `total` units (patients for a trial, model runs
/// for a sensitivity analysis).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// A plan checked without simulating: its extent in words and its warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanCheck {
    /// "7 injections in 1 session on day 0" and the like ([`Plan::extent`]).
    pub extent: String,
    pub warnings: Vec<String>,
}

/// A trial's result: the whole trial, or one shard's partial result for
/// [`Engine::trial_merge`].
#[derive(Debug, Clone, PartialEq)]
pub enum TrialOutcome {
    Whole(TrialAggregate),
    Partial(TrialAggregate),
}

/// The entry point of the application API.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    model: Model,
}

impl Engine {
    /// An engine predicting for `model` ([`Engine::default`]: the typical patient).
    ///
    /// ```
    /// use bontsim_core::engine::{Engine, Model};
    /// let mut model = Model::default();
    /// model.parameters.k_l *= 0.5; // a patient whose nerve terminals recover at half speed
    /// let engine = Engine::new(model);
    /// assert_eq!(engine.model().parameters.k_l, model.parameters.k_l);
    /// ```
    pub fn new(model: Model) -> Engine {
        Engine { model }
    }

    /// The model this engine predicts with.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Parse a plan (TOML or JSON text).
    ///
    /// ```
    /// use bontsim_core::{engine::Engine, Format};
    /// let error = Engine::default().parse_plan("[patient]\nsex = \"female\"\nage = 42\n[[injection]]\nday = 0\n", Format::Toml);
    /// assert!(error.unwrap_err().to_string().contains("muscle"));
    /// ```
    pub fn parse_plan(&self, text: &str, format: Format) -> Result<Plan, Error> {
        Ok(Plan::parse(text, format)?)
    }

    /// Simulate a plan and report it: strength, mass and volume per muscle, wrinkle areas,
    /// the face's scores, risks and warnings.
    ///
    /// ```
    /// use bontsim_core::engine::{Engine, SimulateRequest};
    /// use bontsim_core::Format;
    /// let engine = Engine::default();
    /// let plan = engine.parse_plan(
    ///     "[patient]\nsex = \"female\"\nage = 42\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n",
    ///     Format::Toml,
    /// )?;
    /// let mut request = SimulateRequest::new(&plan);
    /// request.days = Some(120);
    /// let report = engine.simulate(&request)?;
    /// assert_eq!(report.days, 120);
    /// request.days = Some(0);
    /// assert!(engine.simulate(&request).unwrap_err().to_string().starts_with("days:"));
    /// # Ok::<(), bontsim_core::Error>(())
    /// ```
    pub fn simulate(&self, request: &SimulateRequest) -> Result<Report, Error> {
        let days = request.validate()?;
        let face_days = if request.face_days.is_empty() {
            crate::face::DEFAULT_AT_DAYS.to_vec()
        } else {
            request.face_days.clone()
        };
        Ok(self.report(request.plan, days, &face_days))
    }

    /// Simulate a plan and report its muscles only (the `muscles` of [`Engine::simulate`],
    /// identical to the bit), without grading the face every day: for pages that compare
    /// several what-ifs by their muscles' size.
    ///
    /// ```
    /// use bontsim_core::engine::{Engine, SimulateRequest};
    /// use bontsim_core::Format;
    /// let engine = Engine::default();
    /// let plan = engine.parse_plan(
    ///     "[patient]\nsex = \"female\"\nage = 42\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"masseter\"\nside = \"left\"\nunits = 25\n",
    ///     Format::Toml,
    /// )?;
    /// let mut request = SimulateRequest::new(&plan);
    /// request.days = Some(200);
    /// let muscles = engine.simulate_muscles(&request)?;
    /// let whole = engine.simulate(&request)?;
    /// assert_eq!(muscles[0].summary.volume_loss_percent, whole.muscles[0].summary.volume_loss_percent);
    /// assert_eq!(muscles[0].daily.len(), 200);
    /// # Ok::<(), bontsim_core::Error>(())
    /// ```
    pub fn simulate_muscles(
        &self,
        request: &SimulateRequest,
    ) -> Result<Vec<crate::report::MuscleReport>, Error> {
        let days = request.validate()?;
        let simulation = simulate(
            request.plan,
            &self.model.parameters,
            days,
            &SolverOptions::default(),
        );
        Ok(crate::metrics::muscle_reports(request.plan, &simulation))
    }

    fn report(&self, plan: &Plan, days: usize, face_days: &[usize]) -> Report {
        let simulation = simulate(
            plan,
            &self.model.parameters,
            days,
            &SolverOptions::default(),
        );
        build_report_with_course(
            plan,
            &simulation,
            &self.model.parameters,
            &self.model.course,
            face_days,
        )
    }

    /// Simulate two plans over the same days (given, or the longer of their defaults), for a
    /// side-by-side comparison.
    ///
    /// ```
    /// use bontsim_core::engine::{CompareRequest, Engine};
    /// use bontsim_core::Format;
    /// let engine = Engine::default();
    /// let dose = |units| format!("[patient]\nsex = \"female\"\nage = 42\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"masseter\"\nside = \"left\"\nunits = {units}\n");
    /// let light = engine.parse_plan(&dose(10), Format::Toml)?;
    /// let heavy = engine.parse_plan(&dose(25), Format::Toml)?;
    /// let [a, b] = engine.compare(&CompareRequest { plans: [&light, &heavy], days: Some(90) })?;
    /// assert_eq!((a.days, b.days), (90, 90));
    /// # Ok::<(), bontsim_core::Error>(())
    /// ```
    pub fn compare(&self, request: &CompareRequest) -> Result<[Report; 2], Error> {
        let days = request.validate()?;
        Ok(request
            .plans
            .map(|plan| self.report(plan, days, &crate::face::DEFAULT_AT_DAYS)))
    }

    /// The face of a plan on every day of `days` (default as [`Engine::simulate`]), simulated
    /// once with the engine's model, from which any day's picture is built as plain data.
    ///
    /// ```
    /// use bontsim_core::{engine::Engine, face::scene::SceneTitle, Format};
    /// let engine = Engine::default();
    /// let plan = engine.parse_plan(
    ///     "[patient]\nsex = \"female\"\nage = 42\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"frontalis\"\nside = \"left\"\nunits = 6\n",
    ///     Format::Toml,
    /// )?;
    /// let series = engine.face_series(&plan, Some(60))?;
    /// let title = SceneTitle {
    ///     plan_name: "forehead".into(),
    ///     doses: "frontalis 6 U left".into(),
    ///     expression_name: "rest".into(),
    /// };
    /// assert!(!series.scene(14, None, &title).shapes.is_empty());
    /// # Ok::<(), bontsim_core::Error>(())
    /// ```
    pub fn face_series(
        &self,
        plan: &Plan,
        days: Option<usize>,
    ) -> Result<crate::face::scene::FaceSeries, Error> {
        let days = checked_days(days, plan)?;
        Ok(crate::face::scene::FaceSeries::with_parameters(
            plan,
            days,
            &self.model.parameters,
            &self.model.course,
        ))
    }

    /// Check a plan without simulating: its extent and its warnings.
    ///
    /// ```
    /// use bontsim_core::{engine::Engine, Format};
    /// let engine = Engine::default();
    /// let plan = engine.parse_plan(
    ///     "[patient]\nsex = \"female\"\nage = 42\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n",
    ///     Format::Toml,
    /// )?;
    /// assert_eq!(engine.check(&plan).extent, "1 injection in 1 session on day 0");
    /// # Ok::<(), bontsim_core::Error>(())
    /// ```
    pub fn check(&self, plan: &Plan) -> PlanCheck {
        PlanCheck {
            extent: plan.extent(),
            warnings: plan.warnings.clone(),
        }
    }

    /// Run a virtual trial (or one shard of it), calling `progress` as patients are done. The
    /// result does not depend on the number of threads.
    ///
    /// ```
    /// use bontsim_core::engine::{Engine, Shard, TrialArm, TrialOutcome, TrialRequest};
    /// use bontsim_core::Format;
    /// let engine = Engine::default();
    /// let text = "[patient]\nsex = \"female\"\nage = 42\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n";
    /// let arm = TrialArm {
    ///     name: "procerus".into(),
    ///     plan: engine.parse_plan(text, Format::Toml)?,
    ///     plan_sha256: bontsim_core::partial::plan_sha256(text.as_bytes()),
    /// };
    /// let mut request = TrialRequest::new(vec![arm], 8);
    /// request.days = Some(60);
    /// request.shard = Some(Shard::parse("1/2")?);
    /// let TrialOutcome::Partial(partial) = engine.trial(&request, &|_| {})? else {
    ///     unreachable!("a shard gives a partial result")
    /// };
    /// assert_eq!(partial.covered, vec![(0, 4)]);
    /// # Ok::<(), bontsim_core::Error>(())
    /// ```
    pub fn trial(
        &self,
        request: &TrialRequest,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<TrialOutcome, Error> {
        self.trial_cancellable(
            request,
            progress,
            &std::sync::atomic::AtomicBool::new(false),
        )
    }

    /// [`Engine::trial`] that stops early when `cancel` is set (from another thread, e.g. on
    /// an interrupt): chunks of patients not yet started are skipped and the call returns
    /// [`Error::Cancelled`] once the running ones finish.
    ///
    /// ```
    /// use bontsim_core::engine::{Engine, Error, TrialArm, TrialRequest};
    /// use bontsim_core::Format;
    /// use std::sync::atomic::AtomicBool;
    /// let engine = Engine::default();
    /// let text = "[patient]\nsex = \"female\"\nage = 42\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n";
    /// let arm = TrialArm {
    ///     name: "procerus".into(),
    ///     plan: engine.parse_plan(text, Format::Toml)?,
    ///     plan_sha256: bontsim_core::partial::plan_sha256(text.as_bytes()),
    /// };
    /// let request = TrialRequest::new(vec![arm], 1000);
    /// let stopped = engine.trial_cancellable(&request, &|_| {}, &AtomicBool::new(true));
    /// assert!(matches!(stopped, Err(Error::Cancelled)));
    /// # Ok::<(), bontsim_core::Error>(())
    /// ```
    pub fn trial_cancellable(
        &self,
        request: &TrialRequest,
        progress: &(dyn Fn(Progress) + Sync),
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<TrialOutcome, Error> {
        let settings = request.validate()?;
        let shard = request.shard.map(|s| (s.index, s.count));
        let aggregate = runner::run(
            &request.arms,
            runner::Run {
                settings: &settings,
                shard,
                threads: request.threads,
                parameters: &self.model.parameters,
                variability: &self.model.variability,
                cancel,
            },
            progress,
        )?;
        Ok(match shard {
            Some(_) => TrialOutcome::Partial(aggregate),
            None => TrialOutcome::Whole(aggregate),
        })
    }

    /// Merge the partial results of a trial's shards (labelled, e.g. by file) into the whole
    /// trial; refuses partials of different trials or models, overlaps and gaps.
    ///
    /// ```
    /// use bontsim_core::engine::{Engine, Error};
    /// let refused = Engine::default().trial_merge(&[]);
    /// assert!(matches!(refused, Err(Error::Merge(_))));
    /// ```
    pub fn trial_merge(
        &self,
        partials: &[(String, TrialAggregate)],
    ) -> Result<TrialAggregate, Error> {
        Ok(TrialAggregate::merge_partials(partials)?)
    }

    /// Sensitivity of a plan's outcomes to the model parameters around this engine's model:
    /// tornado bars and Sobol indices. `progress` counts model runs.
    ///
    /// ```
    /// use bontsim_core::engine::{Engine, SensitivityRequest};
    /// use bontsim_core::Format;
    /// let engine = Engine::default();
    /// let plan = engine.parse_plan(
    ///     "[patient]\nsex = \"female\"\nage = 42\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n",
    ///     Format::Toml,
    /// )?;
    /// let mut request = SensitivityRequest::new(&plan);
    /// request.samples = 8;
    /// request.days = Some(60);
    /// request.mass_day = 30;
    /// let report = engine.sensitivity(&request, &|_| {})?;
    /// assert_eq!(report.model_runs, bontsim_core::sensitivity::model_runs(8));
    /// # Ok::<(), bontsim_core::Error>(())
    /// ```
    pub fn sensitivity(
        &self,
        request: &SensitivityRequest,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<SensitivityReport, Error> {
        let days = request.validate()?;
        let total = model_runs(request.samples) as u64;
        Ok(analyse_around(
            request.plan,
            &self.model.parameters,
            days,
            request.mass_day,
            request.samples,
            request.seed,
            &|done| {
                progress(Progress {
                    done: done as u64,
                    total,
                })
            },
        ))
    }

    /// Propose doses that even a palsied face, for this engine's model; also returns the
    /// planner's options the request resolved to (product, caps), which the proposal is read
    /// with.
    ///
    /// ```
    /// use bontsim_core::engine::{Engine, SymmetryRequest};
    /// use bontsim_core::Format;
    /// let engine = Engine::default();
    /// let plan = engine.parse_plan(
    ///     "[patient]\nsex = \"female\"\nage = 45\n[palsy]\naffected_side = \"left\"\nhouse_brackmann = 4\nonset_day = -400\n",
    ///     Format::Toml,
    /// )?;
    /// let mut request = SymmetryRequest::new(&plan);
    /// request.max_units = 5.0;
    /// request.horizon_days = 20;
    /// let (proposal, options) = engine.plan_symmetry(&request)?;
    /// let proposed: f64 = proposal.doses.iter().map(|d| d.units).sum();
    /// assert!(proposed <= options.max_units);
    /// # Ok::<(), bontsim_core::Error>(())
    /// ```
    pub fn plan_symmetry(
        &self,
        request: &SymmetryRequest,
    ) -> Result<(Proposal, PlannerOptions), Error> {
        let mut options = request.validate()?;
        options.parameters = self.model.parameters;
        options.course = self.model.course;
        let proposal = plan_symmetry(request.plan, &options)?;
        Ok((proposal, options))
    }

    /// Fit a patient's own parameters to their observations (the population as the prior)
    /// and forecast over the posterior: parameters, bands, the next cycle's return of
    /// movement, diagnostics and visit-by-visit updating (module [`crate::fit`]).
    ///
    /// ```
    /// use bontsim_core::engine::Engine;
    /// use bontsim_core::fit::{parse_observations_csv, FitRequest};
    /// use bontsim_core::Format;
    /// let engine = Engine::default();
    /// let plan = engine.parse_plan(
    ///     "[patient]\nsex = \"female\"\nage = 42\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n",
    ///     Format::Toml,
    /// )?;
    /// let observations = parse_observations_csv("day,area,kind,value\n30,glabella,severity_max,2\n", None).unwrap();
    /// let mut request = FitRequest::new(&plan, observations);
    /// request.draws = 50;
    /// request.sequential = false;
    /// let fit = engine.fit(&request)?;
    /// assert_eq!(fit.next_cycle[0].area, "glabella");
    /// request.prior_weight = 0.0;
    /// assert!(engine.fit(&request).unwrap_err().to_string().starts_with("prior_weight:"));
    /// # Ok::<(), bontsim_core::Error>(())
    /// ```
    pub fn fit(&self, request: &crate::fit::FitRequest) -> Result<crate::fit::FitResult, Error> {
        Ok(crate::fit::fit(request, &self.model)?)
    }

    /// Choose the next dose and interval over a patient's posterior, minimising the expected
    /// loss of `goals` (module [`crate::fit::optimise`]).
    pub fn optimise(
        &self,
        request: &crate::fit::FitRequest,
        goals: &crate::fit::optimise::Goals,
    ) -> Result<crate::fit::optimise::OptimiseResult, Error> {
        Ok(crate::fit::optimise::optimise(request, goals, &self.model)?)
    }
}

#[cfg(test)]
mod tests;
