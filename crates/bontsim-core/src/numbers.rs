//! How numbers are written in every output (reports, faces, trials, plan summaries). A module
//! of its own, below all of them, so that none needs to import another for it.

/// Round for output: 6 decimals keep files small and byte-stable across platforms.
pub fn round(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}
