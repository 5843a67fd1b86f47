//! A sensitivity analysis as text: the JSON the command line writes and the long CSV table
//! (one row per outcome and parameter), shared by every front end.

use bontsim_core::sensitivity::SensitivityReport;
use std::fmt::Write as _;

/// The report as `sensitivity.json` holds it: pretty JSON ending with a line break.
pub fn json(report: &SensitivityReport) -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(report)?;
    json.push('\n');
    Ok(json)
}

/// `sensitivity.csv`: output, parameter, Sobol first and total order indices, the tornado's
/// low and high values and the outcome at the typical parameters.
pub fn csv(report: &SensitivityReport) -> String {
    let mut csv = String::from("output,parameter,first_order,total_order,low,high,typical\n");
    for output in &report.outputs {
        for (s, t) in output.sobol.iter().zip(&output.tornado) {
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{},{}",
                output.output,
                s.parameter,
                s.first_order,
                s.total_order,
                t.low,
                t.high,
                output.typical
            );
        }
    }
    csv
}
