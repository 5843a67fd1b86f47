//! CSV form of a simulation report: one long table with a row per series and day, for
//! spreadsheets and data frames. Comment lines starting with `#` carry the disclaimer and
//! warnings (pandas: `comment="#"`; R: `comment.char = "#"`).

use bontsim_core::report::Report;
use std::fmt::Write;

pub fn report_csv(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}", report.disclaimer);
    for warning in &report.warnings {
        let _ = writeln!(out, "# warning: {warning}");
    }
    out.push_str(
        "record,name,side,day,blockade,strength,mass,volume,severity,width_change_percent\n",
    );
    for muscle in &report.muscles {
        for d in &muscle.daily {
            let _ = writeln!(
                out,
                "muscle,{},{},{},{},{},{},{},,",
                muscle.muscle, muscle.side, d.day, d.blockade, d.strength, d.mass, d.volume
            );
        }
    }
    for area in &report.areas {
        for d in &area.daily {
            let _ = writeln!(out, "area,{},both,{},,,,,{},", area.area, d.day, d.severity);
        }
    }
    if let Some(lower_face) = &report.lower_face {
        for d in &lower_face.daily {
            let _ = writeln!(
                out,
                "lower_face,width,both,{},,,,,,{}",
                d.day, d.width_change_percent
            );
        }
    }
    out
}
