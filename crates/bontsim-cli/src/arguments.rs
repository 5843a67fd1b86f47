//! Parsing of command-line values that clap cannot check on its own: whole numbers with a
//! lower bound, and negative numbers. clap would read `--days -5` as an unknown option `-5`
//! and suggest `-- -5`, which does not help; every command therefore accepts negative numbers
//! as values and these parsers refuse them with a message naming the option and the bound.
//! Also the text of `bontsim --version` and the output format of `simulate` and `compare`.

use clap::ValueEnum;
use std::sync::LazyLock;

/// `bontsim --version`: the software version and the model version (see
/// `bontsim_core::MODEL_VERSION`), so a result can be traced to both.
pub static VERSION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{} (model {})",
        env!("CARGO_PKG_VERSION"),
        bontsim_core::MODEL_VERSION
    )
});

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The full report as JSON (the default when standard output is not a terminal).
    Json,
    /// The daily series as CSV.
    Csv,
    /// A short human summary (the default on a terminal).
    Text,
}

/// A value parser for a whole number of at least `minimum`. clap puts the option's name in
/// front of the reason: "invalid value '-5' for '--days <N>': must be at least 1, got -5".
pub fn at_least(
    minimum: u64,
) -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync + 'static {
    move |text: &str| {
        let text = text.trim();
        match text.parse::<i128>() {
            Ok(value) if value < i128::from(minimum) => {
                Err(format!("must be at least {minimum}, got {value}"))
            }
            Ok(value) => usize::try_from(value).map_err(|_| format!("{value} is too large")),
            Err(_) => Err(format!("\"{text}\" is not a whole number")),
        }
    }
}

/// As [`at_least`], for options held as `u64`.
pub fn at_least_u64(
    minimum: u64,
) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync + 'static {
    let parse = at_least(minimum);
    move |text: &str| parse(text).map(|v| v as u64)
}

/// A number of days (`--days` and the like): at least 1.
pub fn days() -> impl Fn(&str) -> Result<usize, String> + Clone {
    at_least(1)
}

/// A day number: 0 or later.
pub fn day() -> impl Fn(&str) -> Result<usize, String> + Clone {
    at_least(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_and_zero_days_give_the_bound_and_the_value() {
        let parse = days();
        assert_eq!(parse("-5"), Err("must be at least 1, got -5".into()));
        assert_eq!(parse("0"), Err("must be at least 1, got 0".into()));
        assert_eq!(parse("730"), Ok(730));
        assert_eq!(
            parse("a year"),
            Err("\"a year\" is not a whole number".into())
        );
    }

    #[test]
    fn the_version_names_the_model() {
        assert!(VERSION.contains(bontsim_core::MODEL_VERSION));
        assert!(VERSION.starts_with(env!("CARGO_PKG_VERSION")));
    }
}
