//! Output files that appear only when complete: an interrupted run leaves no half-written
//! report, table or figure behind.

use std::path::Path;

/// Make the output directory and prove it writable before any work starts.
pub fn prepare_output(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("--output: cannot create {}: {e}", dir.display()))?;
    let probe = dir.join(".bontsim-write-test");
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| format!("--output: {} is not writable: {e}", dir.display()))
}

/// Write `bytes` under a temporary name beside `path`, then rename it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let temporary = path.with_extension("partial-write");
    std::fs::write(&temporary, bytes)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
