//! Helpers shared by the end-to-end tests: run the real `bontsim` binary, read its JSON, and
//! collect numeric checks so that a failing test reports every number at once.

#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_bontsim")
}

/// A plan written for these tests: `crates/bontsim-cli/tests/plans/<name>`.
pub fn plan(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("plans")
        .join(name)
}

/// A plan from the workspace's `examples/` directory.
pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .join("examples")
        .join(name)
}

/// Runs `bontsim` with the given arguments.
pub fn run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(bin())
        .args(args)
        .output()
        .expect("failed to start the bontsim binary")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The last `n` characters of a text (error output can be long).
pub fn tail(text: &str, n: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars[chars.len().saturating_sub(n)..].iter().collect()
}

/// `bontsim simulate PLAN --days DAYS` (JSON): the parsed report. Panics with stderr on failure.
pub fn simulate(plan: &Path, days: u32) -> Value {
    let output = Command::new(bin())
        .arg("simulate")
        .arg(plan)
        .arg("--days")
        .arg(days.to_string())
        .output()
        .expect("failed to start the bontsim binary");
    assert!(
        output.status.success(),
        "bontsim simulate {} --days {days} failed ({}): {}",
        plan.display(),
        output.status,
        tail(&stderr(&output), 2000)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "bontsim simulate {} printed invalid JSON: {e}",
            plan.display()
        )
    })
}

/// A number from a JSON object, with a readable panic if it is missing or not a number.
pub fn num(value: &Value, key: &str) -> f64 {
    value
        .get(key)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("`{key}` is missing or not a number in {}", brief(value)))
}

/// An optional number (a JSON null gives `None`).
pub fn opt_num(value: &Value, key: &str) -> Option<f64> {
    match value.get(key) {
        Some(Value::Null) => None,
        Some(v) => Some(
            v.as_f64()
                .unwrap_or_else(|| panic!("`{key}` is not a number in {}", brief(value))),
        ),
        None => panic!("`{key}` is missing in {}", brief(value)),
    }
}

pub fn string<'a>(value: &'a Value, key: &str) -> &'a str {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("`{key}` is missing or not a string in {}", brief(value)))
}

pub fn array<'a>(value: &'a Value, key: &str) -> &'a Vec<Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("`{key}` is missing or not an array in {}", brief(value)))
}

fn brief(value: &Value) -> String {
    let mut s = value.to_string();
    if s.len() > 300 {
        s.truncate(300);
        s.push_str("...");
    }
    s
}

/// The report of one muscle on one side.
pub fn muscle<'a>(report: &'a Value, name: &str, side: &str) -> &'a Value {
    array(report, "muscles")
        .iter()
        .find(|m| string(m, "muscle") == name && string(m, "side") == side)
        .unwrap_or_else(|| panic!("no muscle {name} ({side}) in the report"))
}

/// The summary of one muscle on one side.
pub fn summary<'a>(report: &'a Value, name: &str, side: &str) -> &'a Value {
    &muscle(report, name, side)["summary"]
}

/// The direct-injection cycles of one muscle on one side.
pub fn cycles<'a>(report: &'a Value, name: &str, side: &str) -> &'a Vec<Value> {
    array(muscle(report, name, side), "cycles")
}

/// One daily series (`blockade`, `strength`, `mass` or `volume`) of one muscle, indexed by day.
pub fn daily(report: &Value, name: &str, side: &str, key: &str) -> Vec<f64> {
    series(array(muscle(report, name, side), "daily"), key)
}

/// One number of every row of a daily table (rows `{"day": i, ...}`, one per day from 0),
/// indexed by day.
pub fn series(rows: &[Value], key: &str) -> Vec<f64> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            assert_eq!(
                num(row, "day") as usize,
                i,
                "daily rows are not one per day"
            );
            num(row, key)
        })
        .collect()
}

/// One area report (`glabella`, `forehead`, `lateral_canthal`).
pub fn area<'a>(report: &'a Value, name: &str) -> &'a Value {
    array(report, "areas")
        .iter()
        .find(|a| string(a, "area") == name)
        .unwrap_or_else(|| panic!("no area {name} in the report"))
}

/// An area's daily severity (0-3 at maximal contraction), indexed by day.
pub fn severity(report: &Value, name: &str) -> Vec<f64> {
    series(array(area(report, name), "daily"), "severity")
}

/// The probability of a named risk.
pub fn risk(report: &Value, name: &str) -> f64 {
    let r = array(report, "risks")
        .iter()
        .find(|r| string(r, "risk") == name)
        .unwrap_or_else(|| panic!("no risk {name} in the report"));
    num(r, "probability")
}

/// Day and value of the minimum of a series from `from` on.
pub fn argmin_from(series: &[f64], from: usize) -> (usize, f64) {
    series
        .iter()
        .copied()
        .enumerate()
        .skip(from)
        .fold((from, f64::INFINITY), |best, (i, v)| {
            if v < best.1 {
                (i, v)
            } else {
                best
            }
        })
}

/// First day at or after `from` on which the series reaches `level` (`None` if it never does).
pub fn first_day_at_or_above(series: &[f64], from: usize, level: f64) -> Option<usize> {
    (from..series.len()).find(|&i| series[i] >= level)
}

/// Days from `last_dose_day` until the series, after its minimum following that dose, is back at
/// `level` or above (`None` if it never is within the simulation).
pub fn recovery_days(series: &[f64], last_dose_day: usize, level: f64) -> Option<usize> {
    let (nadir_day, _) = argmin_from(series, last_dose_day);
    first_day_at_or_above(series, nadir_day, level).map(|d| d - last_dose_day)
}

/// A fresh, empty directory under the system temporary directory, unique to this call.
pub fn temp_dir(tag: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "bontsim-test-{tag}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).expect("cannot create a temporary directory");
    dir
}

/// Numeric checks of one claim. Every check is evaluated; `finish` fails the test listing all the
/// failed ones with their numbers (and prints the passed ones, visible with `--nocapture`).
pub struct Checks {
    claim: &'static str,
    passed: Vec<String>,
    failed: Vec<String>,
}

impl Checks {
    pub fn new(claim: &'static str) -> Self {
        Checks {
            claim,
            passed: Vec::new(),
            failed: Vec::new(),
        }
    }

    /// Records `what` as passed or failed.
    pub fn check(&mut self, ok: bool, what: impl Into<String>) {
        let what = what.into();
        if ok {
            self.passed.push(what);
        } else {
            self.failed.push(what);
        }
    }

    /// Records `value` in `[low, high]`.
    pub fn between(&mut self, what: &str, value: f64, low: f64, high: f64) {
        self.check(
            value >= low && value <= high,
            format!("{what} = {value} (expected in [{low}, {high}])"),
        );
    }

    /// Records `value < limit`.
    pub fn below(&mut self, what: &str, value: f64, limit: f64) {
        self.check(
            value < limit,
            format!("{what} = {value} (expected < {limit})"),
        );
    }

    /// Records `value > limit`.
    pub fn above(&mut self, what: &str, value: f64, limit: f64) {
        self.check(
            value > limit,
            format!("{what} = {value} (expected > {limit})"),
        );
    }

    pub fn finish(self) {
        for p in &self.passed {
            eprintln!("[{}] ok: {p}", self.claim);
        }
        if !self.failed.is_empty() {
            panic!(
                "{}: {} of {} checks failed:\n  - {}",
                self.claim,
                self.failed.len(),
                self.failed.len() + self.passed.len(),
                self.failed.join("\n  - ")
            );
        }
    }
}

/// (left, right) of one Emotrics measurement on a `face.at` day.
pub fn emotrics(at: &Value, measure: &str, expression: &str) -> (f64, f64) {
    let d = array(at, "emotrics")
        .iter()
        .find(|d| string(d, "measure") == measure && string(d, "expression") == expression)
        .unwrap_or_else(|| panic!("no emotrics {measure} ({expression})"));
    (num(d, "left"), num(d, "right"))
}
