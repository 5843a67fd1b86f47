//! `bontsim._bontsim`: the native layer under the Python package `bontsim`. It is thin on
//! purpose: it parses plans and runs every task through the core's [`Engine`], and returns
//! the same texts the command line writes (report JSON and CSV, trial summary JSON and CSV
//! tables, partial results, the planned plan, a fit's posterior JSON and CSV tables, the
//! optimiser's proposal) as Python strings and bytes; the Python layer
//! (`python/bontsim/`) turns them into dictionaries and pandas data frames. Long work runs
//! with the interpreter released, on all cores, and stops on an interrupt (Ctrl-C).

use bontsim_core::anatomy::Anatomy;
use bontsim_core::engine::{
    Engine, Progress, RequestError, SensitivityRequest, Shard, SimulateRequest, SymmetryRequest,
    TrialArm, TrialOutcome, TrialRequest,
};
use bontsim_core::fit::optimise::Goals;
use bontsim_core::fit::{parse_observations_csv, FitRequest, FitResult};
use bontsim_core::plan::{Format, Plan, PlanErrors};
use bontsim_core::report::Report;
use bontsim_core::trial::TrialAggregate;
use bontsim_render::text;
use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

create_exception!(
    _bontsim,
    PlanError,
    PyValueError,
    "A plan that is not valid: every problem, each as `name:line: field: message`; the \
     problems as (line, field, message) tuples in `errors`."
);

/// How often a long call looks for an interrupt and reports its progress.
const POLL: Duration = Duration::from_millis(100);

fn format_of(format: &str) -> PyResult<Format> {
    match format {
        "toml" => Ok(Format::Toml),
        "json" => Ok(Format::Json),
        other => Err(PyValueError::new_err(format!(
            "format: \"{other}\" is not one of toml, json"
        ))),
    }
}

/// A plan's errors as the command line words them (`name:line: field: message`; without
/// the line when `with_lines` is false: a plan given as a dict has no lines of its own).
fn plan_error(py: Python<'_>, name: &str, errors: &PlanErrors, with_lines: bool) -> PyErr {
    let lines: Vec<String> = errors
        .0
        .iter()
        .map(|e| match e.line.filter(|_| with_lines) {
            Some(line) => format!("{name}:{line}: {}: {}", e.field, e.message),
            None => format!("{name}: {}: {}", e.field, e.message),
        })
        .collect();
    let error = PlanError::new_err(format!("invalid plan\n{}", lines.join("\n")));
    let details: Vec<(Option<usize>, String, String)> = errors
        .0
        .iter()
        .map(|e| {
            let line = e.line.filter(|_| with_lines);
            (line, e.field.clone(), e.message.clone())
        })
        .collect();
    // Setting an attribute on a fresh exception only fails when out of memory; the message
    // still says everything then.
    let _ = error.value(py).setattr("errors", details);
    error
}

fn request_error(error: &RequestError) -> PyErr {
    PyValueError::new_err(error.to_string())
}

/// An engine error as a Python exception: bad input is a ValueError naming the field (the
/// keyword argument), an interrupt is KeyboardInterrupt, anything else a RuntimeError.
fn engine_error(py: Python<'_>, error: bontsim_core::Error) -> PyErr {
    match error {
        bontsim_core::Error::Plan(errors) => plan_error(py, "plan", &errors, true),
        bontsim_core::Error::Request(error) => request_error(&error),
        bontsim_core::Error::Cancelled => pyo3::exceptions::PyKeyboardInterrupt::new_err(()),
        bontsim_core::Error::Threads { .. } => PyRuntimeError::new_err(error.to_string()),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// A validated plan, with the text and name it was read from (a trial's partial results
/// record the text's SHA-256, and its arms are named by `name`, as the command line does).
#[pyclass(frozen, module = "bontsim._bontsim", name = "NativePlan")]
struct NativePlan {
    plan: Plan,
    #[pyo3(get)]
    name: String,
    #[pyo3(get)]
    text: String,
    #[pyo3(get)]
    format: String,
}

#[pymethods]
impl NativePlan {
    /// Parse plan text (`format` "toml" or "json"); `name` prefixes every error (a path),
    /// followed by the error's line when `with_lines`.
    #[new]
    #[pyo3(signature = (text, format, name, with_lines=true))]
    fn new(
        py: Python<'_>,
        text: String,
        format: &str,
        name: String,
        with_lines: bool,
    ) -> PyResult<NativePlan> {
        let parsed = Engine::default()
            .parse_plan(&text, format_of(format)?)
            .map_err(|error| match error {
                bontsim_core::Error::Plan(errors) => plan_error(py, &name, &errors, with_lines),
                other => engine_error(py, other),
            })?;
        Ok(NativePlan {
            plan: parsed,
            name,
            text,
            format: format.to_string(),
        })
    }

    /// The plan's label-limit and interval warnings.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.plan.warnings.clone()
    }

    /// "7 injections in 1 session on day 0" and the like.
    #[getter]
    fn extent(&self) -> String {
        Engine::default().check(&self.plan).extent
    }

    /// The SHA-256 of the plan's text, as partial trial results record it.
    #[getter]
    fn sha256(&self) -> String {
        bontsim_core::partial::plan_sha256(self.text.as_bytes())
    }
}

/// A simulation's report; its JSON and CSV are the command line's, text for text.
#[pyclass(frozen, module = "bontsim._bontsim", name = "NativeReport")]
struct NativeReport {
    report: Report,
}

#[pymethods]
impl NativeReport {
    /// The report as `bontsim simulate --format json` prints it (`pretty`), or the same
    /// JSON without the spaces (half the text for a parser to read).
    #[pyo3(signature = (pretty=true))]
    fn json(&self, pretty: bool) -> PyResult<String> {
        let json = if pretty {
            serde_json::to_string_pretty(&self.report).map(|mut json| {
                json.push('\n');
                json
            })
        } else {
            serde_json::to_string(&self.report)
        };
        json.map_err(|e| PyRuntimeError::new_err(format!("cannot serialise the report: {e}")))
    }

    /// The report as `bontsim simulate --format csv` prints it.
    fn csv(&self) -> String {
        text::csv::report(&self.report)
    }

    #[getter]
    fn days(&self) -> usize {
        self.report.days
    }

    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.report.warnings.clone()
    }
}

/// Simulate a plan over `days` (default: the plan's), the face graded in full on `face_days`.
#[pyfunction]
#[pyo3(signature = (plan, days=None, face_days=Vec::new()))]
fn simulate(
    py: Python<'_>,
    plan: &NativePlan,
    days: Option<usize>,
    face_days: Vec<usize>,
) -> PyResult<NativeReport> {
    let request = SimulateRequest {
        plan: &plan.plan,
        days,
        face_days,
    };
    let report = py
        .detach(|| Engine::default().simulate(&request))
        .map_err(|e| engine_error(py, e))?;
    Ok(NativeReport { report })
}

/// Runs `work` on a thread of its own with the interpreter released, while this thread
/// reports progress to `progress(done, total)` and looks for interrupts every [`POLL`]; on an
/// interrupt (or an exception from `progress`) it sets the cancel flag, waits for the work to
/// stop and raises.
fn run_interruptible<T: Send>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(&(dyn Fn(Progress) + Sync), &AtomicBool) -> Result<T, bontsim_core::Error> + Send,
) -> PyResult<T> {
    let done = AtomicU64::new(0);
    let total = AtomicU64::new(0);
    let cancel = AtomicBool::new(false);
    let progress = progress.map(|p| p.clone().unbind());
    let report = |py: Python<'_>| -> PyResult<()> {
        py.check_signals()?;
        if let Some(callback) = &progress {
            callback.call1(
                py,
                (done.load(Ordering::Relaxed), total.load(Ordering::Relaxed)),
            )?;
        }
        Ok(())
    };
    let (result, interrupted) = py.detach(|| {
        std::thread::scope(|scope| {
            let worker = scope.spawn(|| {
                work(
                    &|p: Progress| {
                        total.store(p.total, Ordering::Relaxed);
                        done.fetch_max(p.done, Ordering::Relaxed);
                    },
                    &cancel,
                )
            });
            let mut interrupted = None;
            while !worker.is_finished() {
                std::thread::sleep(POLL);
                if interrupted.is_none() {
                    if let Err(error) = Python::attach(report) {
                        cancel.store(true, Ordering::Relaxed);
                        interrupted = Some(error);
                    }
                }
            }
            let result = match worker.join() {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            (result, interrupted)
        })
    });
    if let Some(error) = interrupted {
        return Err(error);
    }
    let value = result.map_err(|e| engine_error(py, e))?;
    // The last report: the bar ends at its total.
    report(py)?;
    Ok(value)
}

/// A whole trial's summary as text: the summary JSON and the five CSV tables, as
/// `bontsim trial` writes them.
fn summary_texts<'py>(py: Python<'py>, aggregate: &TrialAggregate) -> PyResult<Bound<'py, PyDict>> {
    let summary = aggregate.summary();
    let json = text::trial::summary_json(&summary)
        .map_err(|e| PyRuntimeError::new_err(format!("cannot serialise the summary: {e}")))?;
    let tables = text::trial::tables(&summary);
    let dict = PyDict::new(py);
    dict.set_item("summary_json", json)?;
    dict.set_item("responders", tables.responders)?;
    dict.set_item("durations", tables.durations)?;
    dict.set_item("adverse_events", tables.adverse_events)?;
    dict.set_item("duration_distribution", tables.duration_distribution)?;
    dict.set_item("atrophy", tables.atrophy)?;
    Ok(dict)
}

/// Run a virtual trial (or one shard `(index, count)` of it). A whole trial returns its
/// summary texts (a dict), a shard its partial result (bytes, as `partial.json` holds it).
#[pyfunction]
#[pyo3(signature = (plans, patients, seed, responder, days=None, atrophy_days=Vec::new(), threads=None, shard=None, progress=None))]
#[allow(clippy::too_many_arguments)]
fn trial<'py>(
    py: Python<'py>,
    plans: Vec<PyRef<'py, NativePlan>>,
    patients: u64,
    seed: u64,
    responder: &str,
    days: Option<usize>,
    atrophy_days: Vec<usize>,
    threads: Option<usize>,
    shard: Option<(u64, u64)>,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let responder =
        bontsim_core::engine::parse_responder(responder).map_err(|e| request_error(&e))?;
    let shard = shard
        .map(|(index, count)| Shard::new(index, count))
        .transpose()
        .map_err(|e| request_error(&e))?;
    let arms = plans
        .iter()
        .map(|plan| TrialArm {
            name: plan.name.clone(),
            plan: plan.plan.clone(),
            plan_sha256: bontsim_core::partial::plan_sha256(plan.text.as_bytes()),
        })
        .collect();
    let request = TrialRequest {
        arms,
        patients,
        seed,
        days,
        responder,
        atrophy_days,
        threads,
        shard,
    };
    request.validate().map_err(|e| request_error(&e))?;
    let engine = Engine::default();
    let outcome = run_interruptible(py, progress, |progress, cancel| {
        engine.trial_cancellable(&request, progress, cancel)
    })?;
    match outcome {
        TrialOutcome::Whole(aggregate) => Ok(summary_texts(py, &aggregate)?.into_any()),
        TrialOutcome::Partial(aggregate) => {
            let json = serde_json::to_vec(&aggregate).map_err(|e| {
                PyRuntimeError::new_err(format!("cannot serialise the partial result: {e}"))
            })?;
            Ok(PyBytes::new(py, &json).into_any())
        }
    }
}

/// Merge partial results `(label, bytes of partial.json)` into the whole trial's summary texts.
#[pyfunction]
fn trial_merge<'py>(
    py: Python<'py>,
    partials: Vec<(String, Vec<u8>)>,
) -> PyResult<Bound<'py, PyDict>> {
    let engine = Engine::default();
    let merged = py.detach(|| {
        let mut parts = Vec::with_capacity(partials.len());
        for (label, bytes) in &partials {
            parts.push((
                label.clone(),
                bontsim_core::partial::parse_partial(label, bytes)?,
            ));
        }
        engine.trial_merge(&parts)
    });
    let merged = merged.map_err(|e| engine_error(py, e))?;
    summary_texts(py, &merged)
}

/// Tornado and Sobol indices of a plan's outcomes: `(json, csv)` as `bontsim sensitivity`
/// writes them.
#[pyfunction]
#[pyo3(signature = (plan, samples, seed, days=None, mass_day=180, progress=None))]
fn sensitivity(
    py: Python<'_>,
    plan: &NativePlan,
    samples: usize,
    seed: u64,
    days: Option<usize>,
    mass_day: usize,
    progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<(String, String)> {
    let request = SensitivityRequest {
        plan: &plan.plan,
        samples,
        seed,
        days,
        mass_day,
    };
    request.validate().map_err(|e| request_error(&e))?;
    let engine = Engine::default();
    // The analysis has no cancel flag: an interrupt is raised once it is done.
    let report = run_interruptible(py, progress, |progress, _cancel| {
        engine.sensitivity(&request, progress)
    })?;
    let json = text::sensitivity::json(&report)
        .map_err(|e| PyRuntimeError::new_err(format!("cannot serialise the analysis: {e}")))?;
    Ok((json, text::sensitivity::csv(&report)))
}

/// Doses that even a palsied face: `(planned plan text, notes)` as `bontsim plan-symmetry`
/// prints them (notes: what the command prints on standard error for a JSON plan).
#[pyfunction]
#[pyo3(signature = (plan, max_units=50.0, horizon_days=180, synkinesis=false, day=0.0, product="onabotulinumtoxinA".to_string(), max_per_muscle=None, step_units=2.5, min_expressivity=bontsim_core::face::EXPRESSIVITY_FLOOR))]
#[allow(clippy::too_many_arguments)]
fn plan_symmetry(
    py: Python<'_>,
    plan: &NativePlan,
    max_units: f64,
    horizon_days: usize,
    synkinesis: bool,
    day: f64,
    product: String,
    max_per_muscle: Option<f64>,
    step_units: f64,
    min_expressivity: f64,
) -> PyResult<(String, Vec<String>)> {
    let request = SymmetryRequest {
        plan: &plan.plan,
        max_units,
        horizon_days,
        synkinesis,
        day,
        product,
        max_per_muscle,
        step_units,
        min_expressivity,
    };
    let planned = py.detach(|| Engine::default().plan_symmetry(&request));
    let (proposal, options) = planned.map_err(|e| engine_error(py, e))?;
    let format = format_of(&plan.format)?;
    let planned = text::symmetry::render(&plan.text, format, &proposal, &options)
        .map_err(PyValueError::new_err)?;
    Ok((planned.plan, planned.notes))
}

/// The fit of a plan to the observations of a CSV text (`name`: the file as the user named
/// it, in every error), checked against the plan's dates, and to the plan's own
/// `[[observation]]` entries (added by the engine; none from a file without a text). Bad rows
/// raise ValueError with the command line's `NAME:LINE: FIELD: why` lines.
fn fit_request<'a>(
    plan: &'a Plan,
    observations: Option<&str>,
    name: &str,
    seed: u64,
    draws: usize,
    prior_weight: f64,
) -> PyResult<FitRequest<'a>> {
    let observations = match observations {
        Some(text) => parse_observations_csv(text, plan.start_date).map_err(|errors| {
            PyValueError::new_err(text::fit::observation_errors(name, &errors))
        })?,
        None => Vec::new(),
    };
    let mut request = FitRequest::new(plan, observations);
    request.seed = seed;
    request.draws = draws;
    request.prior_weight = prior_weight;
    Ok(request)
}

/// A fitted patient: the posterior JSON and the CSV tables `bontsim fit` writes.
#[pyclass(frozen, module = "bontsim._bontsim", name = "NativeFit")]
struct NativeFit {
    result: FitResult,
}

#[pymethods]
impl NativeFit {
    /// `posterior.json` without `figures` (the SVG files only the command line draws).
    fn json(&self) -> PyResult<String> {
        let value = text::fit::posterior(&self.result).map_err(PyRuntimeError::new_err)?;
        serde_json::to_string(&value)
            .map_err(|e| PyRuntimeError::new_err(format!("cannot serialise the posterior: {e}")))
    }

    /// `draws.csv`, text for text.
    fn draws_csv(&self) -> String {
        text::fit::draws_csv(&self.result)
    }

    /// `bands.csv`, text for text.
    fn bands_csv(&self) -> String {
        text::fit::bands_csv(&self.result)
    }
}

/// Fit a patient's own parameters to their observations (`bontsim fit`): the observations
/// CSV text (`observations_name` names it in errors) and the plan's `[[observation]]`
/// entries. Runs with the interpreter released; an interrupt is raised when the fit ends.
#[pyfunction]
#[pyo3(signature = (plan, observations=None, observations_name="<observations>".to_string(), seed=1, draws=bontsim_core::fit::DEFAULT_DRAWS, prior_weight=bontsim_core::fit::DEFAULT_PRIOR_WEIGHT, sequential=true, days=None))]
#[allow(clippy::too_many_arguments)]
fn fit(
    py: Python<'_>,
    plan: &NativePlan,
    observations: Option<String>,
    observations_name: String,
    seed: u64,
    draws: usize,
    prior_weight: f64,
    sequential: bool,
    days: Option<usize>,
) -> PyResult<NativeFit> {
    let mut request = fit_request(
        &plan.plan,
        observations.as_deref(),
        &observations_name,
        seed,
        draws,
        prior_weight,
    )?;
    request.sequential = sequential;
    request.days = days;
    request.validate().map_err(|e| request_error(&e))?;
    let engine = Engine::default();
    // The fit has no cancel flag: an interrupt is raised once it is done.
    let result = run_interruptible(py, None, |_progress, _cancel| engine.fit(&request))?;
    Ok(NativeFit { result })
}

/// The next dose and interval over the patient's posterior (`bontsim optimise`):
/// `(proposed plan text, result JSON)`, the text as the command prints it.
#[pyfunction]
#[pyo3(signature = (plan, observations=None, observations_name="<observations>".to_string(), seed=1, draws=bontsim_core::fit::DEFAULT_DRAWS, prior_weight=bontsim_core::fit::DEFAULT_PRIOR_WEIGHT, severity_target=None, severity_share=0.8, volume_floor=None, slimming_target=None, units_weight=0.0, antibody_weight=0.0, horizon_days=365))]
#[allow(clippy::too_many_arguments)]
fn optimise(
    py: Python<'_>,
    plan: &NativePlan,
    observations: Option<String>,
    observations_name: String,
    seed: u64,
    draws: usize,
    prior_weight: f64,
    severity_target: Option<f64>,
    severity_share: f64,
    volume_floor: Option<f64>,
    slimming_target: Option<f64>,
    units_weight: f64,
    antibody_weight: f64,
    horizon_days: usize,
) -> PyResult<(String, String)> {
    let mut request = fit_request(
        &plan.plan,
        observations.as_deref(),
        &observations_name,
        seed,
        draws,
        prior_weight,
    )?;
    // As the command line: the proposal needs no visit-by-visit updating.
    request.sequential = false;
    request.validate().map_err(|e| request_error(&e))?;
    let goals = Goals {
        severity_target,
        severity_share,
        volume_floor,
        slimming_target,
        units_weight,
        antibody_weight,
        horizon_days,
    };
    let engine = Engine::default();
    let result = run_interruptible(py, None, |_progress, _cancel| {
        engine.optimise(&request, &goals)
    })?;
    let json = serde_json::to_string(&result)
        .map_err(|e| PyRuntimeError::new_err(format!("cannot serialise the proposal: {e}")))?;
    Ok((text::fit::proposal(&plan.text, &result, &goals), json))
}

/// The muscles bontsim knows, one dict each (the columns of `bontsim.muscles()`).
#[pyfunction]
fn muscles(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for m in &Anatomy::get().muscles {
        let row = PyDict::new(py);
        row.set_item("muscle", &m.name)?;
        row.set_item("display_name", &m.display_name)?;
        row.set_item("region", &m.region)?;
        row.set_item("injectable", m.injectable)?;
        row.set_item("midline_allowed", m.midline_allowed)?;
        row.set_item("mass_g", m.mass_g)?;
        row.set_item("usual_units_low", m.typical_dose_units[0])?;
        row.set_item("usual_units_high", m.typical_dose_units[1])?;
        row.set_item("nerve_branch", &m.nerve_branch)?;
        row.set_item("atrophy_susceptibility", m.atrophy_susceptibility)?;
        row.set_item("wrinkle_area", m.wrinkle_area.as_deref())?;
        row.set_item("movements", m.movements.join(", "))?;
        list.append(row)?;
    }
    Ok(list)
}

/// The products and their potency relative to onabotulinumtoxinA, one dict each.
#[pyfunction]
fn products(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for p in bontsim_core::product::products() {
        let row = PyDict::new(py);
        row.set_item("product", &p.name)?;
        row.set_item("potency", p.potency)?;
        row.set_item("brands", p.brands.join(", "))?;
        row.set_item("onset_rate_factor", p.onset_rate_factor)?;
        row.set_item("recovery_rate_factor", p.recovery_rate_factor)?;
        row.set_item("immunogenicity", p.immunogenicity)?;
        row.set_item("label_glabella_units", p.label_glabella_units)?;
        list.append(row)?;
    }
    Ok(list)
}

#[pymodule]
fn _bontsim(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add("PlanError", py.get_type::<PlanError>())?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add("MODEL_VERSION", bontsim_core::MODEL_VERSION)?;
    module.add("DISCLAIMER", bontsim_core::report::DISCLAIMER)?;
    module.add_class::<NativePlan>()?;
    module.add_class::<NativeReport>()?;
    module.add_class::<NativeFit>()?;
    module.add_function(wrap_pyfunction!(simulate, module)?)?;
    module.add_function(wrap_pyfunction!(trial, module)?)?;
    module.add_function(wrap_pyfunction!(trial_merge, module)?)?;
    module.add_function(wrap_pyfunction!(sensitivity, module)?)?;
    module.add_function(wrap_pyfunction!(plan_symmetry, module)?)?;
    module.add_function(wrap_pyfunction!(fit, module)?)?;
    module.add_function(wrap_pyfunction!(optimise, module)?)?;
    module.add_function(wrap_pyfunction!(muscles, module)?)?;
    module.add_function(wrap_pyfunction!(products, module)?)?;
    Ok(())
}
