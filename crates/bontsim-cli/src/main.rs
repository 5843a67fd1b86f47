//! `bontsim`: the command-line front end. Reads plan files, calls the pure core, and writes
//! JSON, CSV and plots. Exit codes: 0 success, 2 bad input (plan, arguments, files),
//! 1 an internal failure (a bug: please report it).

mod csv_output;
mod face_picture;
mod figure_text;
mod files;
mod plot;
mod sensitivity;
mod symmetry;
mod trial;
mod trial_plot;

use bontsim_core::anatomy::Anatomy;
use bontsim_core::plan::{Format, Plan};
use bontsim_core::product::products;
use bontsim_core::report::DISCLAIMER;
use bontsim_core::{metrics, simulate, simulation, Parameters, SolverOptions};
use clap::{Parser, Subcommand, ValueEnum};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The example plan run by `bontsim simulate` with no plan file: glabella 20 U every 4 months.
const DEFAULT_PLAN_NAME: &str = "examples/glabella_20u_every_4_months.toml (embedded)";
const DEFAULT_PLAN: &str = include_str!("../../../examples/glabella_20u_every_4_months.toml");

#[derive(Parser)]
#[command(
    name = "bontsim",
    version,
    about = "Simulate botulinum toxin A treatment of the facial muscles (research and education software, not a medical device)",
    after_help = "Plan files are TOML (or the same schema as JSON, by the .json extension). See docs/cli.md."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Json,
    Csv,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a plan: daily blockade, strength and mass per muscle, areas, risks, warnings.
    Simulate {
        /// Plan file (.toml or .json). Without it, the embedded example plan is simulated.
        plan: Option<PathBuf>,
        /// Days to simulate (default: a year past the last injection, at least 730).
        #[arg(long)]
        days: Option<usize>,
        #[arg(long, value_enum, default_value = "json")]
        format: OutputFormat,
        /// Write to this file instead of standard output (`-`: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Days graded in full in `face.at` (comma-separated; default 0,14,30,90,180,365).
        #[arg(long = "face-days", value_delimiter = ',')]
        face_days: Vec<usize>,
    },
    /// Propose doses that even a palsied face: healthy-side doses (and affected-side doses
    /// for synkinesis with --synkinesis) maximising the mean Sunnybrook composite without
    /// flattening the face. Prints the plan with the proposed injections added.
    PlanSymmetry {
        /// Plan file with a [palsy] profile (.toml or .json).
        plan: PathBuf,
        /// Total units the proposal may add.
        #[arg(long, default_value_t = 50.0)]
        max_units: f64,
        /// Days graded from the injection day on.
        #[arg(long, default_value_t = 180)]
        horizon_days: usize,
        /// Also treat synkinesis on the affected side.
        #[arg(long)]
        synkinesis: bool,
        /// Day of the proposed injections.
        #[arg(long, default_value_t = 0.0)]
        day: f64,
        /// Product of the proposed injections.
        #[arg(long, default_value = "onabotulinumtoxinA")]
        product: String,
        /// Units per muscle at most (default: twice the muscle's usual upper dose).
        #[arg(long)]
        max_per_muscle: Option<f64>,
        /// Units added per search step.
        #[arg(long, default_value_t = 2.5)]
        step_units: f64,
        /// Expressivity floor (1.0 = a healthy face's movement).
        #[arg(long, default_value_t = bontsim_core::face::EXPRESSIVITY_FLOOR)]
        min_expressivity: f64,
    },
    /// Plot strength and mass over time (SVG or PNG by the output's extension).
    Plot {
        /// Plan file (.toml or .json). Without it, the embedded example plan is plotted.
        plan: Option<PathBuf>,
        #[arg(long, short)]
        output: PathBuf,
        /// Muscles to plot (repeatable; default: the injected ones).
        #[arg(long)]
        muscle: Vec<String>,
        #[arg(long)]
        days: Option<usize>,
        /// Plot the face's clinical scores (Sunnybrook, eFACE, House-Brackmann, expressivity)
        /// instead of muscle strength.
        #[arg(long, conflicts_with = "muscle")]
        face: bool,
    },
    /// Draw the face (front view) on chosen days: muscle regions shaded by capacity,
    /// landmarks for an expression, scores in the title (SVG or PNG by the extension).
    Face {
        /// Plan file (.toml or .json).
        plan: PathBuf,
        /// Days to draw (comma-separated or repeated; default 0).
        #[arg(long, value_delimiter = ',')]
        day: Vec<usize>,
        /// Also draw days 0, N, 2N, ... up to --until.
        #[arg(long)]
        every: Option<usize>,
        /// Last day of --every (default: the last simulated day).
        #[arg(long)]
        until: Option<usize>,
        /// rest, or an expression: brow_lift, gentle_eye_closure, full_eye_closure, smile,
        /// snarl, lip_pucker, lower_lip_eee.
        #[arg(long, default_value = "rest")]
        expression: String,
        /// Days simulated (default as simulate).
        #[arg(long)]
        days: Option<usize>,
        /// FILE.svg or FILE.png; several days are written as FILE_dayNNNN.svg beside it.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Validate a plan and print its warnings, without simulating.
    Check { plan: PathBuf },
    /// Run a virtual trial: one arm per plan, virtual patients with inter-individual
    /// variability; responder rates with 95% intervals, durations, onsets, adverse events and
    /// atrophy, written to a directory (summary.json, CSV, responders.svg).
    Trial {
        /// Plan files, one arm each.
        #[arg(required = true)]
        plans: Vec<PathBuf>,
        /// Virtual patients per arm.
        #[arg(long, default_value_t = 1000)]
        patients: u64,
        /// Seed of the virtual population (same seed, same patients and output).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Worker threads (default: all cores). The output does not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Output directory.
        #[arg(long, short)]
        output: PathBuf,
        /// Responder definition: none_or_mild, improved_1 or improved_2.
        #[arg(long, default_value = "none_or_mild")]
        responder: String,
        /// Days simulated (default: a year past the last injection of the longest plan).
        #[arg(long)]
        days: Option<usize>,
        /// Days at which muscle volume is summarised (repeatable; default 90, 180, 365).
        #[arg(long = "atrophy-day")]
        atrophy_days: Vec<usize>,
        /// Run only shard i of n (e.g. 2/8) and write a mergeable partial result.
        #[arg(long)]
        shard: Option<String>,
    },
    /// Sensitivity of a plan's outcomes (days of effect, nadir strength, mass at a day,
    /// days improved) to the model parameters: tornado and Sobol indices.
    Sensitivity {
        plan: PathBuf,
        #[arg(long, short)]
        output: PathBuf,
        /// Base samples N of the Sobol design (N x (parameters + 2) model runs).
        #[arg(long, default_value_t = 512)]
        samples: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        days: Option<usize>,
        /// Day at which the mass outcome is read.
        #[arg(long, default_value_t = 180)]
        mass_day: usize,
    },
    /// Merge the partial results of `trial --shard` runs into the full trial's outputs.
    TrialMerge {
        /// Directories written by `bontsim trial --shard i/n --output DIR`.
        #[arg(required = true)]
        partials: Vec<PathBuf>,
        #[arg(long, short)]
        output: PathBuf,
    },
    /// List the muscles bontsim knows.
    Muscles,
    /// List the products and their potency relative to onabotulinumtoxinA.
    Products,
}

/// An error for the user: message already formatted, and the exit code.
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn input(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 2,
        }
    }
}

/// glibc hands freed memory at the top of its heap back to the kernel as soon as 128 KB is
/// free, and serves blocks over 128 KB by `mmap`. A trial allocates and frees every patient's
/// daily series (0.7 MB for a full face over two years), so each patient paid for fresh pages:
/// a quarter of a full-face trial's time went to page faults (docs/performance.md). Keeping
/// freed memory for reuse changes no result and not the peak memory, only when pages are
/// returned.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory_for_reuse() {
    // SAFETY: mallopt only tunes the allocator; it runs before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory_for_reuse() {}

fn main() -> ExitCode {
    keep_freed_memory_for_reuse();
    files::remove_temporaries_on_interrupt();
    let cli = Cli::parse();
    // A panic is a bug in bontsim, never the user's input: say so and exit 1 (not 101).
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "error: internal failure in bontsim (a bug, please report it with the plan): {info}"
        );
    }));
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(failure)) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
        Err(_) => ExitCode::from(1),
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Simulate {
            plan,
            days,
            format,
            output,
            face_days,
        } => {
            let plan = load_plan(plan.as_deref())?;
            let days = checked_days(days, &plan)?;
            if let Some(day) = face_days.iter().find(|&&d| d >= days) {
                return Err(Failure::input(format!(
                    "--face-days: day {day} is not within the {days} simulated days"
                )));
            }
            let simulation = simulate(&plan, &Parameters::TYPICAL, days, &SolverOptions::default());
            let face_days = if face_days.is_empty() {
                bontsim_core::face::DEFAULT_AT_DAYS.to_vec()
            } else {
                face_days
            };
            let report = metrics::build_report_with_face_days(
                &plan,
                &simulation,
                &Parameters::TYPICAL,
                &face_days,
            );
            for warning in &report.warnings {
                eprintln!("warning: {warning}");
            }
            let text = match format {
                OutputFormat::Json => {
                    let mut text = serde_json::to_string_pretty(&report).map_err(|e| Failure {
                        message: format!("could not serialise the report: {e}"),
                        code: 1,
                    })?;
                    text.push('\n');
                    text
                }
                OutputFormat::Csv => csv_output::report_csv(&report),
            };
            write_output(output.as_deref(), &text)
        }
        Command::Plot {
            plan,
            output,
            muscle,
            days,
            face,
        } => {
            let plan_path = plan;
            let plan = load_plan(plan_path.as_deref())?;
            let days = checked_days(days, &plan)?;
            let anatomy = Anatomy::get();
            for name in &muscle {
                if anatomy.index_of(name).is_none() {
                    return Err(Failure::input(format!(
                        "--muscle: unknown muscle \"{name}\"{}",
                        anatomy
                            .suggest(name)
                            .map(|s| format!(" (did you mean \"{s}\"?)"))
                            .unwrap_or_default()
                    )));
                }
            }
            let simulation = simulate(&plan, &Parameters::TYPICAL, days, &SolverOptions::default());
            let report = metrics::build_report(&plan, &simulation, &Parameters::TYPICAL);
            for warning in &report.warnings {
                eprintln!("warning: {warning}");
            }
            let label = figure_text::PlanLabel::new(plan_path.as_deref(), &plan);
            if face {
                plot::plot_face(&report, &label, &output).map_err(Failure::input)?;
            } else {
                plot::plot(&report, &muscle, &label, &output).map_err(Failure::input)?;
            }
            eprintln!("wrote {}", output.display());
            Ok(())
        }
        Command::Face {
            plan,
            day,
            every,
            until,
            expression,
            days,
            output,
        } => {
            let plan_name = figure_text::plan_name(Some(&plan));
            let plan = load_plan(Some(&plan))?;
            face_picture::run(face_picture::Request {
                horizon: checked_days(days, &plan)?,
                plan: &plan,
                plan_name,
                days: day,
                every,
                until,
                expression,
                output,
            })
            .map_err(Failure::input)
        }
        Command::Check { plan } => {
            let mut out = String::new();
            let plan = load_plan(Some(&plan))?;
            let _ = writeln!(out, "plan is valid: {}", plan.extent());
            if plan.warnings.is_empty() {
                let _ = writeln!(out, "no warnings");
            }
            for warning in &plan.warnings {
                let _ = writeln!(out, "warning: {warning}");
            }
            let _ = writeln!(out, "{DISCLAIMER}");
            write_output(None, &out)
        }
        Command::Trial {
            plans,
            patients,
            seed,
            threads,
            output,
            responder,
            days,
            atrophy_days,
            shard,
        } => {
            if patients == 0 || patients > 1_000_000_000 {
                return Err(Failure::input(
                    "--patients: must be from 1 to 1000000000 (shard larger trials with --shard)",
                ));
            }
            if threads == Some(0) {
                return Err(Failure::input("--threads: must be at least 1"));
            }
            let responder = trial::parse_responder(&responder).map_err(Failure::input)?;
            let shard = shard
                .as_deref()
                .map(trial::parse_shard)
                .transpose()
                .map_err(Failure::input)?;
            let mut loaded = Vec::new();
            for path in &plans {
                let (name, text, format) = read_plan(Some(path))?;
                let plan = parse_plan(&name, &text, format)?;
                for warning in &plan.warnings {
                    eprintln!("warning: {name}: {warning}");
                }
                let plan_sha256 = bontsim_core::partial::plan_sha256(text.as_bytes());
                loaded.push(trial::Arm {
                    name,
                    plan,
                    plan_sha256,
                });
            }
            let longest = loaded
                .iter()
                .map(|arm| simulation::default_days(&arm.plan))
                .max()
                .unwrap_or(730);
            let days = match days {
                Some(_) => checked_days(days, &loaded[0].plan)?,
                None => longest,
            };
            let atrophy_days = if atrophy_days.is_empty() {
                vec![90, 180, 365]
            } else {
                atrophy_days
            };
            trial::run(trial::TrialRequest {
                plans: loaded,
                settings: bontsim_core::trial::TrialSettings {
                    seed,
                    patients,
                    days,
                    responder,
                    atrophy_days,
                },
                threads,
                shard,
                output,
            })
            .map_err(Failure::input)
        }
        Command::Sensitivity {
            plan,
            output,
            samples,
            seed,
            days,
            mass_day,
        } => {
            if !(8..=1_000_000).contains(&samples) {
                return Err(Failure::input("--samples: must be from 8 to 1000000"));
            }
            let plan_path = plan;
            let plan = load_plan(Some(&plan_path))?;
            if plan.injections.is_empty() {
                return Err(Failure::input(
                    "the plan has no injection: nothing to analyse",
                ));
            }
            let days = checked_days(days, &plan)?;
            if mass_day >= days {
                return Err(Failure::input(format!(
                    "--mass-day: day {mass_day} is not within the {days} simulated days"
                )));
            }
            let label = figure_text::PlanLabel::new(Some(&plan_path), &plan);
            sensitivity::run(&plan, &label, days, mass_day, samples, seed, &output)
                .map_err(Failure::input)
        }
        Command::PlanSymmetry {
            plan,
            max_units,
            horizon_days,
            synkinesis,
            day,
            product,
            max_per_muscle,
            step_units,
            min_expressivity,
        } => {
            let product = bontsim_core::product::find_product(&product).ok_or_else(|| {
                Failure::input(format!(
                    "--product: unknown product \"{product}\" (`bontsim products` lists them)"
                ))
            })?;
            if !(max_units > 0.0 && max_units <= 1000.0) {
                return Err(Failure::input(
                    "--max-units: must be above 0 and at most 1000",
                ));
            }
            if !(1..=3650).contains(&horizon_days) {
                return Err(Failure::input("--horizon-days: must be from 1 to 3650"));
            }
            if !(day.is_finite() && (0.0..=36_500.0).contains(&day)) {
                return Err(Failure::input("--day: must be a day from 0 to 36500"));
            }
            if day.ceil() + horizon_days as f64 > 36_500.0 {
                return Err(Failure::input(
                    "--horizon-days: the day plus the horizon must stay within 36500 days (100 years), as in simulate",
                ));
            }
            if !(step_units > 0.0 && step_units <= max_units) {
                return Err(Failure::input(
                    "--step-units: must be above 0 and at most --max-units",
                ));
            }
            if let Some(cap) = max_per_muscle {
                if !(cap > 0.0 && cap <= 1000.0) {
                    return Err(Failure::input(
                        "--max-per-muscle: must be above 0 and at most 1000",
                    ));
                }
            }
            if !(0.0..=1.0).contains(&min_expressivity) {
                return Err(Failure::input("--min-expressivity: must be from 0 to 1"));
            }
            let (name, text, format) = read_plan(Some(&plan))?;
            let parsed = parse_plan(&name, &text, format)?;
            if parsed.palsy.is_none() {
                return Err(Failure::input(format!(
                    "{name}: palsy: the plan has no [palsy] profile; plan-symmetry balances a palsied face"
                )));
            }
            for warning in &parsed.warnings {
                eprintln!("warning: {warning}");
            }
            let options = bontsim_core::face::planner::PlannerOptions {
                day,
                horizon_days,
                max_units,
                max_units_per_muscle: max_per_muscle,
                step_units,
                treat_synkinesis: synkinesis,
                min_expressivity,
                product,
            };
            let out = symmetry::run(&text, format, &parsed, &options).map_err(Failure::input)?;
            write_output(None, &out)
        }
        Command::TrialMerge { partials, output } => {
            trial::merge(&partials, &output).map_err(Failure::input)
        }
        Command::Muscles => {
            let mut out = String::new();
            let anatomy = Anatomy::get();
            let _ = writeln!(
                out,
                "{:<40} {:<9} {:>7} {:>12}  {:<22} movements",
                "muscle", "sides", "mass_g", "usual_U/side", "nerve_branch"
            );
            for m in &anatomy.muscles {
                let sides = if m.midline_allowed {
                    "L/R/mid"
                } else if m.injectable {
                    "L/R"
                } else {
                    "(spread)"
                };
                let _ = writeln!(
                    out,
                    "{:<40} {:<9} {:>7.2} {:>12}  {:<22} {}",
                    m.name,
                    sides,
                    m.mass_g,
                    format!("{}-{}", m.typical_dose_units[0], m.typical_dose_units[1]),
                    m.nerve_branch,
                    m.movements.join(", ")
                );
            }
            write_output(None, &out)
        }
        Command::Products => {
            let mut out = String::new();
            let _ = writeln!(out, "{:<22} {:>8}  brands", "product", "potency");
            for p in products() {
                let _ = writeln!(
                    out,
                    "{:<22} {:>8.2}  {}",
                    p.name,
                    p.potency,
                    p.brands.join(", ")
                );
            }
            let _ = writeln!(out, "potency: onabotulinumtoxinA-equivalent units per labelled unit (sources: bontsim-core/data/products.toml)");
            write_output(None, &out)
        }
    }
}

fn checked_days(days: Option<usize>, plan: &Plan) -> Result<usize, Failure> {
    match days {
        Some(0) => Err(Failure::input("--days: must be at least 1")),
        Some(days) if days > 36_500 => Err(Failure::input(format!(
            "--days: {days} is more than 100 years (36500 days)"
        ))),
        Some(days) => Ok(days),
        None => Ok(simulation::default_days(plan)),
    }
}

fn load_plan(path: Option<&Path>) -> Result<Plan, Failure> {
    let (name, text, format) = read_plan(path)?;
    parse_plan(&name, &text, format)
}

/// The plan's display name, text and format (the embedded example without a path).
fn read_plan(path: Option<&Path>) -> Result<(String, String, Format), Failure> {
    Ok(match path {
        None => (
            DEFAULT_PLAN_NAME.to_string(),
            DEFAULT_PLAN.to_string(),
            Format::Toml,
        ),
        Some(path) => {
            let text = files::read_plan(path).map_err(Failure::input)?;
            let format = match path.extension().and_then(|e| e.to_str()) {
                Some("json") => Format::Json,
                _ => Format::Toml,
            };
            (path.display().to_string(), text, format)
        }
    })
}

fn parse_plan(name: &str, text: &str, format: Format) -> Result<Plan, Failure> {
    Plan::parse(text, format).map_err(|errors| {
        let lines: Vec<String> = errors
            .0
            .iter()
            .map(|e| match e.line {
                Some(line) => format!("{name}:{line}: {}: {}", e.field, e.message),
                None => format!("{name}: {}: {}", e.field, e.message),
            })
            .collect();
        Failure::input(format!("invalid plan\n{}", lines.join("\n")))
    })
}

fn write_output(path: Option<&Path>, text: &str) -> Result<(), Failure> {
    files::write_output(path, text.as_bytes()).map_err(Failure::input)
}
