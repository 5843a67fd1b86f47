//! A trial's summary as the files people and programs read: the summary JSON and the five CSV
//! tables (responders, durations, adverse events, duration distribution, atrophy). Pure text,
//! so the command line's trial directory and the Python package's data frames are one table.

use bontsim_core::trial::TrialSummary;
use std::fmt::Write as _;

/// The five CSV tables of a trial, each with its header line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialTables {
    /// `responders.csv`: the disclaimer as a `#` comment, then arm, area, day, rate, low, high.
    pub responders: String,
    pub durations: String,
    pub adverse_events: String,
    pub duration_distribution: String,
    pub atrophy: String,
}

/// The summary as `summary.json` holds it: pretty JSON ending with a line break.
pub fn summary_json(summary: &TrialSummary) -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(summary)?;
    json.push('\n');
    Ok(json)
}

/// A CSV field, quoted when it holds a comma, quote or line break (plan paths may).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The summary's CSV tables.
pub fn tables(summary: &TrialSummary) -> TrialTables {
    let mut responders = format!("# {}\narm,area,day,rate,low,high\n", summary.disclaimer);
    let mut durations =
        String::from("arm,area,median_duration_days,p25,p75,median_onset_day,never_responded,first_cycle_median_duration_days,first_cycle_p25,first_cycle_p75,first_cycle_end_day,first_cycle_still_responding\n");
    let mut adverse = String::from("arm,risk,rate\n");
    let mut distribution = String::from("arm,area,from_day,to_day,share\n");
    let mut atrophy = String::from("arm,muscle,side,day,median_volume,p05_volume,p95_volume\n");
    let show = |q: Option<usize>| q.map(|v| v.to_string()).unwrap_or_default();
    for arm in &summary.arms {
        let plan = csv_field(&arm.plan);
        for area in &arm.areas {
            for r in &area.responders {
                let _ = writeln!(
                    responders,
                    "{},{},{},{},{},{}",
                    plan, area.area, r.day, r.rate, r.low, r.high
                );
            }
            let _ = writeln!(
                durations,
                "{},{},{},{},{},{},{},{},{},{},{},{}",
                plan,
                area.area,
                show(area.duration_days.median),
                show(area.duration_days.p25),
                show(area.duration_days.p75),
                show(area.onset_days.median),
                area.never_responded,
                show(area.first_cycle_duration_days.median),
                show(area.first_cycle_duration_days.p25),
                show(area.first_cycle_duration_days.p75),
                show(area.first_cycle_end_day),
                area.first_cycle_still_responding
            );
        }
        for area in &arm.areas {
            for bin in &area.duration_distribution {
                let _ = writeln!(
                    distribution,
                    "{},{},{},{},{}",
                    plan, area.area, bin.from_day, bin.to_day, bin.share
                );
            }
        }
        for a in &arm.adverse_events {
            let _ = writeln!(adverse, "{},{},{}", plan, a.risk, a.rate);
        }
        for a in &arm.atrophy {
            let _ = writeln!(
                atrophy,
                "{},{},{},{},{},{},{}",
                plan, a.muscle, a.side, a.day, a.median_volume, a.p05_volume, a.p95_volume
            );
        }
    }
    TrialTables {
        responders,
        durations,
        adverse_events: adverse,
        duration_distribution: distribution,
        atrophy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_name_with_a_comma_is_quoted() {
        assert_eq!(csv_field("a,b.toml"), "\"a,b.toml\"");
        assert_eq!(csv_field("glabella 20 U.toml"), "glabella 20 U.toml");
        assert_eq!(csv_field("x\"y,z"), "\"x\"\"y,z\"");
    }
}
