//! The errors of the application API: one [`Error`] for everything an [`super::Engine`] call
//! can refuse, so front ends match on kinds instead of parsing strings, and
//! [`RequestError`], which names the request field at fault so a front end can name its own
//! option or form field for it.

use crate::face::planner::PlannerError;
use crate::partial::MergeError;
use crate::plan::date::DateError;
use crate::plan::PlanErrors;

/// Why an engine call did not give a result. Every variant is the caller's input (a plan,
/// a request, partial results): the engine never panics on input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The plan text is not a valid plan (every error, with its line where known).
    #[error("invalid plan\n{0}")]
    Plan(#[from] PlanErrors),
    /// A request field is out of range or malformed.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The symmetry planner cannot plan for this plan.
    #[error(transparent)]
    Planner(#[from] PlannerError),
    /// Partial trial results cannot be merged.
    #[error(transparent)]
    Merge(#[from] MergeError),
    /// A calendar date is not a date.
    #[error(transparent)]
    Date(#[from] DateError),
    /// The caller asked the work to stop (an interrupt) before it was done.
    #[error("cancelled before the work was done")]
    Cancelled,
    /// The worker threads could not be started (the operating system refused them).
    #[error("threads: cannot start {threads} worker threads: {source}")]
    Threads {
        threads: usize,
        source: rayon::ThreadPoolBuildError,
    },
}

/// A request field that is out of range or malformed. `field` is the request's field name
/// (`days`, `face_days`, `mass_day`, ...); the CLI's option is the same words with dashes
/// (`--days`, `--face-days`, `--mass-day`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    /// A number outside its allowed range.
    #[error("{field}: must be from {min} to {max}, got {value}")]
    OutOfRange {
        field: &'static str,
        value: String,
        min: String,
        max: String,
    },
    /// A day past the simulated days.
    #[error("{field}: day {day} is not within the {days} simulated days")]
    BeyondHorizon {
        field: &'static str,
        day: usize,
        days: usize,
    },
    /// A name that is not one of the allowed names.
    #[error("{field}: \"{value}\" is not one of {allowed}")]
    UnknownName {
        field: &'static str,
        value: String,
        allowed: String,
    },
    /// Text that is not of the expected form.
    #[error("{field}: \"{value}\" is not of the form {form}")]
    Malformed {
        field: &'static str,
        value: String,
        form: &'static str,
    },
    /// A value the request cannot use for another reason, stated.
    #[error("{field}: {reason}")]
    Unusable { field: &'static str, reason: String },
}

impl RequestError {
    /// The request field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            RequestError::OutOfRange { field, .. }
            | RequestError::BeyondHorizon { field, .. }
            | RequestError::UnknownName { field, .. }
            | RequestError::Malformed { field, .. }
            | RequestError::Unusable { field, .. } => field,
        }
    }

    /// The message without the field name, for front ends that name the field their own way.
    pub fn reason(&self) -> String {
        let full = self.to_string();
        full.strip_prefix(self.field())
            .and_then(|rest| rest.strip_prefix(": "))
            .map_or(full.clone(), str::to_string)
    }

    pub(crate) fn out_of_range(
        field: &'static str,
        value: impl ToString,
        min: impl ToString,
        max: impl ToString,
    ) -> RequestError {
        RequestError::OutOfRange {
            field,
            value: value.to_string(),
            min: min.to_string(),
            max: max.to_string(),
        }
    }

    pub(crate) fn unusable(field: &'static str, reason: impl Into<String>) -> RequestError {
        RequestError::Unusable {
            field,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_leaves_out_the_field_the_message_starts_with() {
        let error = RequestError::out_of_range("days", 0, 1, 36_500);
        assert_eq!(error.field(), "days");
        assert_eq!(error.to_string(), "days: must be from 1 to 36500, got 0");
        assert_eq!(error.reason(), "must be from 1 to 36500, got 0");
    }
}
