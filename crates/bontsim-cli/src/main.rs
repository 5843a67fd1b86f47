//! `bontsim`: the command-line front end. Reads plan files, calls the pure core, and writes
//! JSON, CSV and plots. Exit codes: 0 success, 2 bad input (plan, arguments, files),
//! 1 an internal failure (a bug: please report it).

mod arguments;
mod clinic;
mod face_picture;
mod files;
mod fit;
mod plot;
mod sensitivity;
mod trial;

use bontsim_render::labels;
use bontsim_render::text::{compare, summary};

use arguments::OutputFormat;
use bontsim_core::anatomy::Anatomy;
use bontsim_core::engine::{
    CompareRequest, Engine, RequestError, SensitivityRequest, Shard, SimulateRequest,
    SymmetryRequest, TrialArm, TrialRequest,
};
use bontsim_core::plan::{Format, Plan};
use bontsim_core::product::products;
use bontsim_core::report::DISCLAIMER;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The example plan run by `bontsim simulate` with no plan file: glabella 20 U every 4 months.
const DEFAULT_PLAN_NAME: &str = "examples/glabella_20u_every_4_months.toml (embedded)";
const DEFAULT_PLAN: &str = include_str!("../../../examples/glabella_20u_every_4_months.toml");

const EXAMPLE_PLAN_NOTE: &str = "PLAN is optional: without it, the embedded example plan \
examples/glabella_20u_every_4_months.toml (glabella 20 U every 4 months) is used.";

#[derive(Parser)]
#[command(
    name = "bontsim",
    version = arguments::VERSION.as_str(),
    about = "Simulate botulinum toxin A treatment of the facial muscles (research and education software, not a medical device)",
    after_help = "Plan files are TOML (or the same schema as JSON, by the .json extension). See docs/cli.md.\n\n\
Examples:\n  bontsim simulate examples/masseter_25u_every_3_months.toml\n  bontsim compare examples/masseter_25u_every_3_months.toml examples/masseter_25u_every_6_months.toml\n  bontsim simulate PLAN --format json -o report.json"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the clinic web app: chart injections on a face map and forecast each patient's
    /// plan (docs/clinic.md).
    Serve(clinic::ServeArgs),
    /// Manage the clinic's users.
    User {
        #[command(subcommand)]
        action: clinic::UserAction,
    },
    /// The clinic's database: backups.
    Db {
        #[command(subcommand)]
        action: clinic::DbAction,
    },
    /// Simulate a plan: a short summary on a terminal, the full report (JSON or CSV) otherwise.
    ///
    /// On a terminal without --format, prints a one-screen summary: effect per area and muscle,
    /// largest strength, mass and volume changes, recovery after the last dose, lower face,
    /// warnings, risks, and whether the plan atrophies the muscles visibly. When standard
    /// output is a file or a pipe (or with -o), the default is the full JSON report.
    #[command(
        allow_negative_numbers = true,
        after_help = simulate_help()
    )]
    Simulate {
        /// Plan file (.toml or .json). Optional: without it, the embedded example plan
        /// (glabella 20 U every 4 months) is simulated.
        plan: Option<PathBuf>,
        /// Days to simulate, 1 to 36500 (default: a year past the last injection, at least 730).
        #[arg(long, value_name = "N", value_parser = arguments::days())]
        days: Option<usize>,
        /// Output format: text (the summary; default on a terminal), json (default otherwise) or csv.
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
        /// Write to this file instead of standard output (`-`: standard output; JSON unless
        /// --format says otherwise).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Days graded in full in `face.at` (comma-separated; default 0,14,30,90,180,365).
        #[arg(long = "face-days", value_delimiter = ',', value_name = "DAY", value_parser = arguments::day())]
        face_days: Vec<usize>,
    },
    /// Compare two plans side by side: effect duration, atrophy, lower face, risks, units per year.
    ///
    /// Both plans are simulated over the same days; the table gives each plan's value and the
    /// difference (B - A), the better value marked (bold on a terminal unless NO_COLOR is set).
    #[command(
        allow_negative_numbers = true,
        after_help = "Example:\n  bontsim compare examples/masseter_25u_every_3_months.toml examples/masseter_25u_every_6_months.toml\n  bontsim compare A.toml B.toml --format json > comparison.json"
    )]
    Compare {
        /// First plan file (A, .toml or .json).
        plan_a: PathBuf,
        /// Second plan file (B, .toml or .json).
        plan_b: PathBuf,
        /// Days to simulate both plans, 1 to 36500 (default: the longer of the two plans' defaults).
        #[arg(long, value_name = "N", value_parser = arguments::days())]
        days: Option<usize>,
        /// Output format: text (a table, the default) or json (the same rows as a JSON object).
        #[arg(long, value_enum, default_value = "text")]
        format: CompareFormat,
    },
    /// Propose doses that even a palsied face: healthy-side doses (and affected-side doses
    /// for synkinesis with --synkinesis) maximising the mean Sunnybrook composite without
    /// flattening the face. Prints the plan with the proposed injections added.
    #[command(
        allow_negative_numbers = true,
        after_help = "Example:\n  bontsim plan-symmetry examples/palsy_long_standing_untreated.toml > planned.toml"
    )]
    PlanSymmetry {
        /// Plan file with a [palsy] profile (.toml or .json). Required.
        plan: PathBuf,
        /// Total units the proposal may add.
        #[arg(long, default_value_t = 50.0, value_name = "U")]
        max_units: f64,
        /// Days graded from the injection day on.
        #[arg(long, default_value_t = 180, value_name = "N", value_parser = arguments::days())]
        horizon_days: usize,
        /// Also treat synkinesis on the affected side.
        #[arg(long)]
        synkinesis: bool,
        /// Day of the proposed injections.
        #[arg(long, default_value_t = 0.0, value_name = "DAY")]
        day: f64,
        /// Product of the proposed injections (`bontsim products` lists them).
        #[arg(long, default_value = "onabotulinumtoxinA", value_name = "NAME")]
        product: String,
        /// Units per muscle at most (default: twice the muscle's usual upper dose).
        #[arg(long, value_name = "U")]
        max_per_muscle: Option<f64>,
        /// Units added per search step.
        #[arg(long, default_value_t = 2.5, value_name = "U")]
        step_units: f64,
        /// Expressivity floor (1.0 = a healthy face's movement).
        #[arg(long, default_value_t = bontsim_core::face::EXPRESSIVITY_FLOOR, value_name = "F")]
        min_expressivity: f64,
    },
    /// Plot strength and mass over time (SVG or PNG by the output's extension).
    #[command(
        allow_negative_numbers = true,
        after_help = plot_help()
    )]
    Plot {
        /// Plan file (.toml or .json). Optional: without it, the embedded example plan
        /// (glabella 20 U every 4 months) is plotted.
        plan: Option<PathBuf>,
        /// Image to write: FILE.svg or FILE.png. Required.
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
        /// Muscles to plot (repeatable; default: the injected ones).
        #[arg(long, value_name = "NAME")]
        muscle: Vec<String>,
        /// Days to simulate, 1 to 36500 (default: a year past the last injection, at least 730).
        #[arg(long, value_name = "N", value_parser = arguments::days())]
        days: Option<usize>,
        /// Plot the face's clinical scores (Sunnybrook, eFACE, House-Brackmann, expressivity)
        /// instead of muscle strength.
        #[arg(long, conflicts_with = "muscle")]
        face: bool,
    },
    /// Draw the face (front view) on chosen days: muscle regions shaded by capacity,
    /// landmarks for an expression, scores in the title (SVG or PNG by the extension).
    #[command(
        allow_negative_numbers = true,
        after_help = "Example:\n  bontsim face examples/palsy_healthy_side.toml --frames 0,14,90 --expression smile -o face.svg"
    )]
    Face {
        /// Plan file (.toml or .json). Required.
        plan: PathBuf,
        /// Days to draw, one frame each (comma-separated or repeated; default 0).
        #[arg(long = "frames", visible_alias = "day", value_delimiter = ',', value_name = "DAY", value_parser = arguments::day())]
        day: Vec<usize>,
        /// Also draw days 0, N, 2N, ... up to --until.
        #[arg(long, value_name = "N", value_parser = arguments::days())]
        every: Option<usize>,
        /// Last day of --every (default: the last simulated day).
        #[arg(long, value_name = "DAY", value_parser = arguments::day())]
        until: Option<usize>,
        /// rest, or an expression: brow_lift, gentle_eye_closure, full_eye_closure, smile,
        /// snarl, lip_pucker, lower_lip_eee.
        #[arg(long, default_value = "rest", value_name = "EXPRESSION")]
        expression: String,
        /// Days simulated, 1 to 36500 (default as simulate).
        #[arg(long, value_name = "N", value_parser = arguments::days())]
        days: Option<usize>,
        /// FILE.svg or FILE.png; several days are written as FILE_dayNNNN.svg beside it.
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
    /// Validate a plan and print its warnings, without simulating.
    #[command(after_help = "Example:\n  bontsim check examples/every_warning.toml")]
    Check {
        /// Plan file to validate (.toml or .json). Required.
        plan: PathBuf,
    },
    /// Run a virtual trial: one arm per plan, virtual patients with inter-individual
    /// variability; responder rates with 95% intervals, durations, onsets, adverse events and
    /// atrophy, written to a directory (summary.json, CSV, responders.svg). On a terminal, a
    /// table of the arms is also printed.
    #[command(
        allow_negative_numbers = true,
        after_help = "Example:\n  bontsim trial examples/glabella_20u_every_4_months.toml examples/glabella_light_10u.toml --patients 10000 -o trial/"
    )]
    Trial {
        /// Plan files, one arm each. At least one is required.
        #[arg(required = true)]
        plans: Vec<PathBuf>,
        /// Virtual patients per arm.
        #[arg(long, default_value_t = 1000, value_name = "N", value_parser = arguments::at_least_u64(1))]
        patients: u64,
        /// Seed of the virtual population (same seed, same patients and output).
        #[arg(long, default_value_t = 1, value_name = "S", value_parser = arguments::at_least_u64(0))]
        seed: u64,
        /// Worker threads (default: all cores). The output does not depend on it.
        #[arg(long, value_name = "T", value_parser = arguments::at_least(1))]
        threads: Option<usize>,
        /// Output directory. Required.
        #[arg(long, short, value_name = "DIR")]
        output: PathBuf,
        /// Responder definition: none_or_mild, improved_1, improved_2 (maximal contraction),
        /// rest_improved_1 or rest_none (lines at rest).
        #[arg(long, default_value = "none_or_mild", value_name = "R")]
        responder: String,
        /// Days simulated, 1 to 36500 (default: a year past the last injection of the longest plan).
        #[arg(long, value_name = "N", value_parser = arguments::days())]
        days: Option<usize>,
        /// Days at which muscle volume is summarised (repeatable; default 90, 180, 365).
        #[arg(long = "atrophy-day", value_name = "DAY", value_parser = arguments::day())]
        atrophy_days: Vec<usize>,
        /// Run only shard i of n (e.g. 2/8) and write a mergeable partial result.
        #[arg(long, value_name = "i/n")]
        shard: Option<String>,
    },
    /// Sensitivity of a plan's outcomes (days of effect, nadir strength, mass at a day,
    /// days improved) to the model parameters: tornado and Sobol indices.
    #[command(
        allow_negative_numbers = true,
        after_help = "Example:\n  bontsim sensitivity examples/glabella_20u_every_4_months.toml --samples 256 -o sens/"
    )]
    Sensitivity {
        /// Plan file to analyse (.toml or .json, with at least one injection). Required.
        plan: PathBuf,
        /// Output directory for the tables and figures. Required.
        #[arg(long, short, value_name = "DIR")]
        output: PathBuf,
        /// Base samples N of the Sobol design (N x (parameters + 2) model runs), 8 to 1000000.
        #[arg(long, default_value_t = 512, value_name = "N", value_parser = arguments::at_least(0))]
        samples: usize,
        /// Seed of the parameter samples (same seed, same output).
        #[arg(long, default_value_t = 1, value_name = "S", value_parser = arguments::at_least_u64(0))]
        seed: u64,
        /// Days simulated per model run, 1 to 36500 (default as simulate).
        #[arg(long, value_name = "N", value_parser = arguments::days())]
        days: Option<usize>,
        /// Day at which the mass outcome is read.
        #[arg(long, default_value_t = 180, value_name = "DAY", value_parser = arguments::day())]
        mass_day: usize,
    },
    /// Fit this patient's own parameters to their observations (the virtual population as
    /// the prior) and forecast over the posterior: posterior.json (parameters, next cycle's
    /// return of movement, diagnostics, visit-by-visit updating), draws.csv, bands.csv and
    /// one SVG figure per banded quantity, written to a directory.
    #[command(
        allow_negative_numbers = true,
        after_help = "Example:\n  bontsim fit examples/masseter_patient_with_observations.toml --observations examples/masseter_patient_observations.csv -o fit/"
    )]
    Fit {
        /// Plan file of the patient's treatment so far (.toml or .json). Required.
        plan: PathBuf,
        /// Observations CSV: day,date,area,muscle,side,kind,value,sd (the plan's
        /// [[observation]] entries are fitted too).
        #[arg(long, value_name = "OBS")]
        observations: Option<PathBuf>,
        /// Output directory. Required.
        #[arg(long, short, value_name = "DIR")]
        output: PathBuf,
        /// Seed of the sampler (same seed, same output).
        #[arg(long, default_value_t = 1, value_name = "S", value_parser = arguments::at_least_u64(0))]
        seed: u64,
        /// Posterior draws (and effective sample size sought), 10 to 100000.
        #[arg(long, default_value_t = 1000, value_name = "N", value_parser = arguments::at_least(0))]
        draws: usize,
        /// Weight of the population prior: 1 = full Bayes (default); lower trusts the
        /// patient's own data more.
        #[arg(long, default_value_t = 1.0, value_name = "W")]
        prior_weight: f64,
        /// Days forecast (default: a year past the last injection or observation).
        #[arg(long, value_name = "N", value_parser = arguments::days())]
        days: Option<usize>,
    },
    /// Choose the next dose and interval over this patient's posterior: whole units within
    /// each muscle's usual upper dose, intervals from the label's 90 days, minimising the
    /// expected loss of the goals given. Prints the plan with the proposed sessions added as
    /// TOML, a comment per choice.
    #[command(
        allow_negative_numbers = true,
        after_help = "Example:\n  bontsim optimise examples/masseter_patient_with_observations.toml --observations examples/masseter_patient_observations.csv --severity-target 1 --volume-floor 0.75"
    )]
    Optimise {
        /// Plan file of the patient's treatment so far (.toml or .json). Required.
        plan: PathBuf,
        /// Observations CSV (as `fit`).
        #[arg(long, value_name = "OBS")]
        observations: Option<PathBuf>,
        /// Seed of the sampler.
        #[arg(long, default_value_t = 1, value_name = "S", value_parser = arguments::at_least_u64(0))]
        seed: u64,
        /// Posterior draws of the fit (every one judges the candidates).
        #[arg(long, default_value_t = 1000, value_name = "N", value_parser = arguments::at_least(0))]
        draws: usize,
        /// Weight of the population prior (as `fit`).
        #[arg(long, default_value_t = 1.0, value_name = "W")]
        prior_weight: f64,
        /// Goal: each treated area's severity grade at most G ...
        #[arg(long, value_name = "G")]
        severity_target: Option<f64>,
        /// ... on at least this share of the coming days.
        #[arg(long, default_value_t = 0.8, value_name = "SHARE")]
        severity_share: f64,
        /// Goal: masseter volume never below this fraction of baseline.
        #[arg(long, value_name = "FRACTION")]
        volume_floor: Option<f64>,
        /// Goal: masseter volume at most this fraction of baseline at the horizon.
        #[arg(long, value_name = "FRACTION")]
        slimming_target: Option<f64>,
        /// Loss per 100 units a year.
        #[arg(long, default_value_t = 0.0, value_name = "W")]
        units_weight: f64,
        /// Loss per unit probability of antibody conversion.
        #[arg(long, default_value_t = 0.0, value_name = "W")]
        antibody_weight: f64,
        /// Days ahead judged.
        #[arg(long, default_value_t = 365, value_name = "N", value_parser = arguments::days())]
        horizon_days: usize,
    },
    /// Merge the partial results of `trial --shard` runs into the full trial's outputs.
    #[command(
        after_help = "Example:\n  bontsim trial A.toml --patients 1000000 --shard 1/2 -o part1/\n  bontsim trial A.toml --patients 1000000 --shard 2/2 -o part2/\n  bontsim trial-merge part1/ part2/ -o trial/"
    )]
    TrialMerge {
        /// Directories written by `bontsim trial --shard i/n --output DIR`. At least one.
        #[arg(required = true, value_name = "PARTIAL_DIR")]
        partials: Vec<PathBuf>,
        /// Output directory of the merged trial (the same files as an unsharded run). Required.
        #[arg(long, short, value_name = "DIR")]
        output: PathBuf,
    },
    /// List the muscles bontsim knows.
    #[command(after_help = "Example:\n  bontsim muscles")]
    Muscles,
    /// List the products and their potency relative to onabotulinumtoxinA.
    #[command(after_help = "Example:\n  bontsim products")]
    Products,
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell) to standard output.
    #[command(
        after_help = "Example:\n  bontsim completions bash > ~/.local/share/bash-completion/completions/bontsim\n  bontsim completions zsh > ~/.zfunc/_bontsim"
    )]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the manual page (roff): to standard output, or one page per command into a directory.
    #[command(
        after_help = "Example:\n  bontsim man | man -l -\n  bontsim man -o /usr/local/share/man/man1/"
    )]
    Man {
        /// Directory to write bontsim.1 and one bontsim-COMMAND.1 per command into
        /// (default: bontsim.1 to standard output).
        #[arg(long, short, value_name = "DIR")]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CompareFormat {
    /// A table for people.
    Text,
    /// The same rows as a JSON object.
    Json,
}

fn simulate_help() -> String {
    format!(
        "{EXAMPLE_PLAN_NOTE}\n\nExample:\n  bontsim simulate examples/masseter_25u_every_3_months.toml\n  \
bontsim simulate examples/masseter_25u_every_3_months.toml --format json > report.json\n  \
bontsim simulate PLAN --days 1500 --format csv -o report.csv"
    )
}

fn plot_help() -> String {
    format!(
        "{EXAMPLE_PLAN_NOTE}\n\nExample:\n  bontsim plot examples/masseter_25u_every_3_months.toml -o masseter.svg --muscle masseter\n  \
bontsim plot -o glabella.png"
    )
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
    let cli = Cli::parse();
    // The clinic's server stops on its own signals, finishing the requests in flight.
    if !matches!(cli.command, Command::Serve(_)) {
        files::remove_temporaries_on_interrupt();
    }
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
    let clinic_failure = |(message, code): clinic::Refusal| Failure { message, code };
    match cli.command {
        Command::Serve(args) => clinic::run_serve(args).map_err(clinic_failure),
        Command::User { action } => clinic::run_user(action).map_err(clinic_failure),
        Command::Db { action } => clinic::run_db(action).map_err(clinic_failure),
        Command::Simulate {
            plan,
            days,
            format,
            output,
            face_days,
        } => {
            let plan_name = plan.as_deref().map_or_else(
                || DEFAULT_PLAN_NAME.to_string(),
                |p| p.display().to_string(),
            );
            let plan = load_plan(plan.as_deref())?;
            let report = Engine::default()
                .simulate(&SimulateRequest {
                    plan: &plan,
                    days,
                    face_days,
                })
                .map_err(engine_failure)?;
            // A person at a terminal gets the summary; files, pipes and scripts keep the JSON.
            let format = format.unwrap_or(if output.is_none() && std::io::stdout().is_terminal() {
                OutputFormat::Text
            } else {
                OutputFormat::Json
            });
            // The summary on standard output lists the warnings itself.
            if !(format == OutputFormat::Text && output.is_none()) {
                for warning in &report.warnings {
                    eprintln!("warning: {warning}");
                }
            }
            let text = match format {
                OutputFormat::Json => json_text(&report)?,
                OutputFormat::Csv => bontsim_render::text::csv::report(&report),
                OutputFormat::Text => summary::summary(&report, &plan_name),
            };
            write_output(output.as_deref(), &text)
        }
        Command::Compare {
            plan_a,
            plan_b,
            days,
            format,
        } => {
            let mut plans = Vec::new();
            for path in [&plan_a, &plan_b] {
                let plan = load_plan(Some(path))?;
                for warning in &plan.warnings {
                    eprintln!("warning: {}: {warning}", path.display());
                }
                plans.push((path.display().to_string(), plan));
            }
            let [a, b] = Engine::default()
                .compare(&CompareRequest {
                    plans: [&plans[0].1, &plans[1].1],
                    days,
                })
                .map_err(engine_failure)?;
            let comparison = compare::compare(&(plans[0].0.clone(), a), &(plans[1].0.clone(), b));
            let text = match format {
                CompareFormat::Json => json_text(&comparison)?,
                CompareFormat::Text => {
                    let stdout = std::io::stdout();
                    let colour = stdout.is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
                    compare::table(&comparison, colour)
                }
            };
            write_output(None, &text)
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "bontsim", &mut script);
            write_output(None, &String::from_utf8_lossy(&script))
        }
        Command::Man { output } => man_pages(output.as_deref()),
        Command::Plot {
            plan,
            output,
            muscle,
            days,
            face,
        } => {
            let plan_path = plan;
            let plan = load_plan(plan_path.as_deref())?;
            let days = bontsim_core::engine::checked_days(days, &plan).map_err(request_failure)?;
            let anatomy = Anatomy::get();
            // Names as the plan accepts them (any case, spaces for underscores), drawn by
            // the anatomy's own name.
            let mut muscles = Vec::with_capacity(muscle.len());
            for name in &muscle {
                match anatomy.find(name) {
                    Some(index) => muscles.push(anatomy.muscle(index).name.clone()),
                    None => {
                        return Err(Failure::input(format!(
                            "--muscle: unknown muscle \"{name}\"{}",
                            anatomy
                                .suggest(name)
                                .map(|s| format!(" (did you mean \"{s}\"?)"))
                                .unwrap_or_default()
                        )))
                    }
                }
            }
            let report = Engine::default()
                .simulate(&SimulateRequest {
                    days: Some(days),
                    ..SimulateRequest::new(&plan)
                })
                .map_err(engine_failure)?;
            for warning in &report.warnings {
                eprintln!("warning: {warning}");
            }
            let label = labels::PlanLabel::new(plan_path.as_deref(), &plan);
            let muscles = (!face).then_some(muscles.as_slice());
            plot::plot(&report, muscles, &label, &output).map_err(Failure::input)?;
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
            let plan_name = labels::plan_name(Some(&plan));
            let plan = load_plan(Some(&plan))?;
            face_picture::run(face_picture::Request {
                horizon: bontsim_core::engine::checked_days(days, &plan)
                    .map_err(request_failure)?,
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
            let check = Engine::default().check(&load_plan(Some(&plan))?);
            let _ = writeln!(out, "plan is valid: {}", check.extent);
            if check.warnings.is_empty() {
                let _ = writeln!(out, "no warnings");
            }
            for warning in &check.warnings {
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
            let responder =
                bontsim_core::engine::parse_responder(&responder).map_err(request_failure)?;
            let shard = shard
                .as_deref()
                .map(Shard::parse)
                .transpose()
                .map_err(request_failure)?;
            let mut arms = Vec::new();
            for path in &plans {
                let (name, text, format) = read_plan(Some(path))?;
                let plan = parse_plan(&name, &text, format)?;
                for warning in &plan.warnings {
                    eprintln!("warning: {name}: {warning}");
                }
                let plan_sha256 = bontsim_core::partial::plan_sha256(text.as_bytes());
                arms.push(TrialArm {
                    name,
                    plan,
                    plan_sha256,
                });
            }
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
            trial::run(&Engine::default(), &request, &output)
                .map(|summary| print_trial_table(summary.as_ref()))
        }
        Command::Sensitivity {
            plan,
            output,
            samples,
            seed,
            days,
            mass_day,
        } => {
            let plan_path = plan;
            let plan = load_plan(Some(&plan_path))?;
            let label = labels::PlanLabel::new(Some(&plan_path), &plan);
            let request = SensitivityRequest {
                plan: &plan,
                samples,
                seed,
                days,
                mass_day,
            };
            sensitivity::run(&Engine::default(), &request, &label, &output)
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
            let (name, text, format) = read_plan(Some(&plan))?;
            let parsed = parse_plan(&name, &text, format)?;
            let request = SymmetryRequest {
                plan: &parsed,
                max_units,
                horizon_days,
                synkinesis,
                day,
                product,
                max_per_muscle,
                step_units,
                min_expressivity,
            };
            // The options first, then the plan's warnings, then the planning.
            request.validate().map_err(|error| match error.field() {
                "palsy" => Failure::input(format!("{name}: {error}")),
                _ => request_failure(error),
            })?;
            for warning in &parsed.warnings {
                eprintln!("warning: {warning}");
            }
            let (proposal, options) = Engine::default()
                .plan_symmetry(&request)
                .map_err(engine_failure)?;
            let planned =
                bontsim_render::text::symmetry::render(&text, format, &proposal, &options)
                    .map_err(Failure::input)?;
            for note in &planned.notes {
                eprintln!("{note}");
            }
            write_output(None, &planned.plan)
        }
        Command::Fit {
            plan,
            observations,
            output,
            seed,
            draws,
            prior_weight,
            days,
        } => {
            let (name, text, format) = read_plan(Some(&plan))?;
            let parsed = parse_plan(&name, &text, format)?;
            let observations = fit::load_observations(observations.as_deref(), &parsed)?;
            let mut request = bontsim_core::fit::FitRequest::new(&parsed, observations);
            request.seed = seed;
            request.draws = draws;
            request.prior_weight = prior_weight;
            request.days = days;
            fit::run(&Engine::default(), &request, &name, &output)
        }
        Command::Optimise {
            plan,
            observations,
            seed,
            draws,
            prior_weight,
            severity_target,
            severity_share,
            volume_floor,
            slimming_target,
            units_weight,
            antibody_weight,
            horizon_days,
        } => {
            let (name, text, format) = read_plan(Some(&plan))?;
            let parsed = parse_plan(&name, &text, format)?;
            let observations = fit::load_observations(observations.as_deref(), &parsed)?;
            let mut request = bontsim_core::fit::FitRequest::new(&parsed, observations);
            request.seed = seed;
            request.draws = draws;
            request.prior_weight = prior_weight;
            request.sequential = false;
            let goals = bontsim_core::fit::optimise::Goals {
                severity_target,
                severity_share,
                volume_floor,
                slimming_target,
                units_weight,
                antibody_weight,
                horizon_days,
            };
            let result = Engine::default()
                .optimise(&request, &goals)
                .map_err(engine_failure)?;
            write_output(
                None,
                &bontsim_render::text::fit::proposal(&text, &result, &goals),
            )
        }
        Command::TrialMerge { partials, output } => {
            let summary =
                trial::merge(&Engine::default(), &partials, &output).map_err(Failure::input)?;
            print_trial_table(Some(&summary));
            Ok(())
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

/// A trial's arms as a table on standard output, when it is a terminal: scripts that pipe or
/// redirect a trial's standard output keep getting nothing there (the files hold it all).
fn print_trial_table(summary: Option<&bontsim_core::trial::TrialSummary>) {
    if let Some(summary) = summary {
        if std::io::stdout().is_terminal() {
            let _ = write_output(None, &trial::arms_table(summary));
        }
    }
}

fn json_text(value: &impl serde::Serialize) -> Result<String, Failure> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| Failure {
        message: format!("could not serialise the report: {e}"),
        code: 1,
    })?;
    text.push('\n');
    Ok(text)
}

/// `bontsim man`: the top page to standard output, or every command's page into `directory`
/// (bontsim.1, bontsim-simulate.1, ...), as `man` expects them.
fn man_pages(directory: Option<&Path>) -> Result<(), Failure> {
    let render = |page: &clap_mangen::Man| -> Result<Vec<u8>, Failure> {
        let mut text = Vec::new();
        page.render(&mut text)
            .map_err(|e| Failure::input(format!("cannot render the manual page: {e}")))?;
        Ok(text)
    };
    let mut top = Cli::command().disable_help_subcommand(true);
    // Building names every command's page after its full name (bontsim-simulate).
    top.build();
    let pages: Vec<clap_mangen::Man> = std::iter::once(top.clone())
        .chain(top.get_subcommands().cloned())
        .map(clap_mangen::Man::new)
        .collect();
    match directory {
        None => write_output(None, &String::from_utf8_lossy(&render(&pages[0])?)),
        Some(directory) => {
            std::fs::create_dir_all(directory).map_err(|e| {
                Failure::input(format!(
                    "--output: cannot create {}: {e}",
                    directory.display()
                ))
            })?;
            let mut written = Vec::new();
            for page in &pages {
                let name = page.get_filename();
                files::write_file(&directory.join(&name), &render(page)?)
                    .map_err(Failure::input)?;
                written.push(name);
            }
            eprintln!("wrote {} in {}", written.join(", "), directory.display());
            Ok(())
        }
    }
}

/// The command-line option of a request field: the same words with dashes (`mass_day` is
/// `--mass-day`); fields of the plan itself (`plan`, `plans`) are not options.
fn option_name(field: &str) -> Option<String> {
    match field {
        "plan" | "plans" => None,
        field => Some(format!("--{}", field.replace('_', "-"))),
    }
}

/// A refused request for the user: the message names the option at fault.
fn request_failure(error: RequestError) -> Failure {
    Failure::input(match option_name(error.field()) {
        Some(option) => format!("{option}: {}", error.reason()),
        None => error.reason(),
    })
}

/// An engine error for the user (plans are parsed, and their errors named, by `parse_plan`).
fn engine_failure(error: bontsim_core::Error) -> Failure {
    match error {
        bontsim_core::Error::Request(error) => request_failure(error),
        bontsim_core::Error::Threads { .. } => Failure::input(format!("--{error}")),
        other => Failure::input(other.to_string()),
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
