//! Plan errors: each problem names its field and, where the plan came from text, its line.
//! Validation collects every problem ([`Collector`]) instead of stopping at the first, so a
//! user fixes a plan in one pass.

use super::source_lines::SourceLines;
use serde::Serialize;
use std::fmt;

/// One problem in a plan: which field, where, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanError {
    /// Path of the field, e.g. `injection[2].muscle` (1-based index as users count).
    pub field: String,
    /// 1-based line in the plan text, where known.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}: {}", self.field, self.message),
            None => write!(f, "{}: {}", self.field, self.message),
        }
    }
}

/// All problems found in a plan (validation does not stop at the first one).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanErrors(pub Vec<PlanError>);

impl fmt::Display for PlanErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanErrors {}

/// Collects the problems of one plan, locating each in the plan text where it is known.
pub(super) struct Collector<'a> {
    pub(super) errors: Vec<PlanError>,
    pub(super) lines: &'a SourceLines,
}

impl Collector<'_> {
    /// An error in `field`, at the line of the field path `locate`.
    pub(super) fn located(&mut self, field: String, locate: &str, message: String) {
        let line = self.lines.line_of_field(locate);
        self.errors.push(PlanError {
            field,
            line,
            message,
        });
    }

    pub(super) fn at(&mut self, field: String, message: String) {
        let line = self.lines.line_of_field(&field);
        self.errors.push(PlanError {
            field,
            line,
            message,
        });
    }

    /// Whether a problem with `field` itself was already reported (a key of the wrong
    /// type is not reported again as missing).
    pub(super) fn reported(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    pub(super) fn injection(&mut self, entry: usize, key: &str, message: String) {
        self.errors.push(PlanError {
            field: format!("injection[{}].{key}", entry + 1),
            line: self.lines.injection(entry, key),
            message,
        });
    }

    /// An error in `field`, located at the line of another key (the one that needs it).
    pub(super) fn injection_at(
        &mut self,
        entry: usize,
        field: &str,
        line_key: &str,
        message: String,
    ) {
        self.errors.push(PlanError {
            field: format!("injection[{}].{field}", entry + 1),
            line: self.lines.injection(entry, line_key),
            message,
        });
    }

    pub(super) fn patient(&mut self, key: &str, message: String) {
        self.errors.push(PlanError {
            field: format!("patient.{key}"),
            line: self.lines.patient(key),
            message,
        });
    }
}
