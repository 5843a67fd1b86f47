//! CSV form of a simulation report: one long table with a row per series and day, for
//! spreadsheets and data frames. Comment lines starting with `#` carry the disclaimer and
//! warnings (pandas: `comment="#"`; R: `comment.char = "#"`). The `value` column (added with
//! the face scores) is empty on the older record kinds, so readers by column name keep working.

use bontsim_core::face::FaceDaily;
use bontsim_core::report::Report;
use std::fmt::Write;

/// The report as CSV text, ready to be written to a file.
pub fn report(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}", report.disclaimer);
    for warning in &report.warnings {
        let _ = writeln!(out, "# warning: {warning}");
    }
    out.push_str(
        "record,name,side,day,blockade,strength,mass,volume,severity,width_change_percent,value\n",
    );
    for muscle in &report.muscles {
        for d in &muscle.daily {
            let _ = writeln!(
                out,
                "muscle,{},{},{},{},{},{},{},,,",
                muscle.muscle, muscle.side, d.day, d.blockade, d.strength, d.mass, d.volume
            );
        }
    }
    for area in &report.areas {
        for d in &area.daily {
            let _ = writeln!(
                out,
                "area,{},both,{},,,,,{},,",
                area.area, d.day, d.severity
            );
        }
    }
    if let Some(lower_face) = &report.lower_face {
        for d in &lower_face.daily {
            let _ = writeln!(
                out,
                "lower_face,width,both,{},,,,,,{},",
                d.day, d.width_change_percent
            );
        }
    }
    // The face's daily scores, one series per score, in the `value` column.
    type Score = (&'static str, fn(&FaceDaily) -> f64);
    let scores: [Score; 14] = [
        ("sunnybrook", |d| d.sunnybrook),
        ("sunnybrook_resting", |d| d.sunnybrook_resting),
        ("sunnybrook_voluntary", |d| d.sunnybrook_voluntary),
        ("sunnybrook_synkinesis", |d| d.sunnybrook_synkinesis),
        ("eface_total", |d| d.eface_total),
        ("eface_static", |d| d.eface_static),
        ("eface_dynamic", |d| d.eface_dynamic),
        ("eface_synkinesis", |d| d.eface_synkinesis),
        ("house_brackmann", |d| f64::from(d.house_brackmann)),
        ("expressivity", |d| d.expressivity),
        ("eye_closure_complete", |d| {
            f64::from(u8::from(d.eye_closure_complete))
        }),
        ("lip_seal", |d| d.lip_seal),
        ("hypertonic_tone", |d| d.hypertonic_tone),
        ("training", |d| d.training),
    ];
    for (name, value) in scores {
        for d in &report.face.daily {
            let _ = writeln!(out, "face,{name},both,{},,,,,,,{}", d.day, value(d));
        }
    }
    // Records added after the face scores, at the end so older readers keep working: the
    // lines at rest per area and the bite force, in the `value` column.
    for area in &report.areas {
        for d in &area.daily {
            let _ = writeln!(
                out,
                "rest_lines,{},both,{},,,,,,,{}",
                area.area, d.day, d.rest_severity
            );
        }
    }
    if let Some(jaw) = &report.jaw {
        for d in &jaw.daily {
            let _ = writeln!(out, "jaw,bite_force,both,{},,,,,,,{}", d.day, d.bite_force);
        }
    }
    // The face's relearning and left-right asymmetry, added after the bite force.
    let later_scores: [Score; 2] = [
        ("relearning", |d| d.relearning),
        ("asymmetry_index", |d| d.asymmetry_index),
    ];
    for (name, value) in later_scores {
        for d in &report.face.daily {
            let _ = writeln!(out, "face,{name},both,{},,,,,,,{}", d.day, value(d));
        }
    }
    out
}
