//! Every file bontsim reads or writes goes through here, so that no run can corrupt a file.
//!
//! - Plans are read in bounded size ([`PLAN_SIZE_LIMIT`]): `check /dev/zero` is refused instead
//!   of filling the memory. Every plan read is remembered, so that no output can replace it.
//! - A file output ([`write_file`]) is written to a temporary file created exclusively (never
//!   through a symbolic link) beside it, under a name unique to this process
//!   (`.NAME.bontsim-PID-N-RANDOM.tmp`), synced, then renamed over the target: readers see the
//!   old file or the new one, never a mix, and two runs writing beside each other never share a
//!   temporary. The target must be absent or a regular file: a device (`/dev/null`), a FIFO, a
//!   socket, a directory or a symbolic link (`/dev/stdout`) is refused rather than replaced by
//!   a regular file. `-` is standard output where a command writes one stream ([`write_output`]).
//! - A directory output ([`OutputDirectory`], `trial`, `trial-merge`, `sensitivity`) is written
//!   whole into a fresh temporary sibling directory and swapped in at the end, so the previous
//!   result stays intact until the new one is complete and the two are never mixed.
//! - Temporaries are deleted on every failure path (a guard deletes on drop unless committed),
//!   and on SIGINT, SIGTERM and SIGHUP ([`remove_temporaries_on_interrupt`]). Only SIGKILL or a
//!   power cut can leave one, under its recognisable name.

use std::collections::hash_map::RandomState;
use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Largest plan file read: real plans are a few kilobytes, and a plan at the 100,000-injection
/// limit written out entry by entry is about 8 MB; a bound keeps `check /dev/zero` or a
/// mistaken multi-gigabyte file from exhausting the memory.
pub const PLAN_SIZE_LIMIT: u64 = 16 * 1024 * 1024;

/// Bytes of the output's name kept in a temporary's name (file names are limited to 255).
const NAME_KEPT: usize = 100;

/// A file or directory read as input: no output may replace it.
struct Input {
    canonical: Option<PathBuf>,
    #[cfg(unix)]
    identity: Option<(u64, u64)>,
}

static INPUTS: Mutex<Vec<Input>> = Mutex::new(Vec::new());

/// Temporaries not yet committed, deleted by the interrupt handler. Renames into place happen
/// under this lock, so an interrupt sees either the temporary (and deletes it, leaving the
/// previous result) or the committed result, never half of a swap.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Largest `partial.json` read by `trial-merge`: a shard of a 100-year trial with many arms
/// is a few megabytes; the bound keeps a wrong or hostile file from exhausting the memory.
pub const PARTIAL_SIZE_LIMIT: u64 = 256 * 1024 * 1024;

/// Read a plan file, at most [`PLAN_SIZE_LIMIT`] bytes, and remember it as an input.
pub fn read_plan(path: &Path) -> Result<String, String> {
    let bytes = read_input(path, "plan", PLAN_SIZE_LIMIT)?;
    String::from_utf8(bytes)
        .map_err(|_| format!("cannot read plan {}: it is not UTF-8 text", path.display()))
}

/// Read an observations CSV (`bontsim fit --observations`), at most [`PLAN_SIZE_LIMIT`]
/// bytes, and remember it as an input.
pub fn read_observations(path: &Path) -> Result<String, String> {
    let bytes = read_input(path, "observations", PLAN_SIZE_LIMIT)?;
    String::from_utf8(bytes).map_err(|_| {
        format!(
            "cannot read observations {}: it is not UTF-8 text",
            path.display()
        )
    })
}

/// Read a `partial.json` of `trial-merge`, at most [`PARTIAL_SIZE_LIMIT`] bytes.
pub fn read_partial(path: &Path) -> Result<Vec<u8>, String> {
    read_input(path, "partial result", PARTIAL_SIZE_LIMIT)
}

/// Read an input file of at most `limit` bytes (`what` names it in errors), and remember it
/// as an input so that no output replaces it. A stream such as `/dev/zero` is read only up
/// to the limit.
fn read_input(path: &Path, what: &str, limit: u64) -> Result<Vec<u8>, String> {
    let cannot = |e: &dyn std::fmt::Display| format!("cannot read {what} {}: {e}", path.display());
    let file = File::open(path).map_err(|e| cannot(&e))?;
    let metadata = file.metadata().map_err(|e| cannot(&e))?;
    if metadata.is_dir() {
        return Err(cannot(&"it is a directory"));
    }
    register_input(path);
    let too_large = || {
        format!(
            "{what} {} is larger than {} MiB, the limit for a {what} file{}",
            path.display(),
            limit >> 20,
            if metadata.is_file() {
                String::new()
            } else {
                format!(" (it is {}, not a regular file)", kind(&metadata))
            }
        )
    };
    if metadata.is_file() && metadata.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot(&e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Remember `path` (a plan, or a directory of partial results) as an input of this run.
pub fn register_input(path: &Path) {
    let input = Input {
        canonical: fs::canonicalize(path).ok(),
        #[cfg(unix)]
        identity: fs::metadata(path).ok().map(|m| identity(&m)),
    };
    lock(&INPUTS).push(input);
}

#[cfg(unix)]
fn identity(metadata: &fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (metadata.dev(), metadata.ino())
}

/// What a file system entry is, for messages.
fn kind(metadata: &fs::Metadata) -> &'static str {
    let file_type = metadata.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_dir() {
        "a directory"
    } else if file_type.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// Refuse an output that would replace an input of this run (the same file, or for a directory
/// output, a directory holding one).
fn refuse_input(target: &Path, metadata: Option<&fs::Metadata>) -> Result<(), String> {
    let canonical = fs::canonicalize(target).ok();
    let inputs = lock(&INPUTS);
    for input in inputs.iter() {
        #[cfg(unix)]
        let same = metadata.is_some_and(|m| input.identity == Some(identity(m)));
        #[cfg(not(unix))]
        let same = {
            let _ = metadata;
            false
        };
        let same = same || (canonical.is_some() && input.canonical == canonical);
        let inside = match (&canonical, &input.canonical) {
            (Some(dir), Some(input)) => {
                metadata.is_some_and(|m| m.is_dir()) && input.starts_with(dir)
            }
            _ => false,
        };
        if same || inside {
            return Err(format!(
                "--output: {} {} an input of this run; choose another output",
                target.display(),
                if same { "is" } else { "holds" }
            ));
        }
    }
    Ok(())
}

/// Check that `path` may be replaced by a regular file: absent, or a regular file that is not an
/// input. A symbolic link is refused (its target would not be replaced, the link would).
fn check_replaceable_file(path: &Path) -> Result<(), String> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("--output: cannot inspect {}: {e}", path.display())),
        Ok(metadata) if metadata.is_file() => refuse_input(path, Some(&metadata)),
        Ok(metadata) => Err(format!(
            "--output: {} is {}; bontsim replaces only regular files (choose a file name{})",
            path.display(),
            kind(&metadata),
            if metadata.file_type().is_symlink() {
                ", or the file the link points to"
            } else {
                ", or `-o -` for standard output where the command supports it"
            }
        )),
    }
}

/// Write one stream: to standard output without a path or with `-`, else as [`write_file`].
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<(), String> {
    match path {
        Some(path) if !is_standard_output(path) => write_file(path, bytes),
        _ => {
            let mut stdout = io::stdout().lock();
            match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
                Ok(()) => Ok(()),
                // A closed pipe (`| head`) is not an error worth a message.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(format!("cannot write to standard output: {e}")),
            }
        }
    }
}

/// `-`, which names standard output.
pub fn is_standard_output(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Refuse `-` where the output is a picture: binary data on a terminal helps no one, and the
/// format is chosen by the file's extension.
pub fn refuse_standard_output(path: &Path) -> Result<(), String> {
    if is_standard_output(path) {
        return Err(
            "--output -: this command writes a picture file, not to standard output; give a file name ending in .svg or .png"
                .to_string(),
        );
    }
    Ok(())
}

/// Replace `path` with `bytes` atomically (see the module header). Missing parent folders are
/// created.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    refuse_standard_output(path)?;
    check_replaceable_file(path)?;
    let name = path
        .file_name()
        .ok_or_else(|| format!("--output: {} names no file", path.display()))?;
    let folder = parent(path);
    fs::create_dir_all(folder)
        .map_err(|e| format!("--output: cannot create {}: {e}", folder.display()))?;
    let cannot = |e: io::Error| format!("cannot write {}: {e}", path.display());
    let (mut file, temporary) = Temporary::create_file(folder, name).map_err(cannot)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(cannot)?;
    drop(file);
    let pending = lock(&PENDING);
    // Checked again just before the rename: the target may have changed during the work.
    check_replaceable_file(path)?;
    fs::rename(&temporary.path, path).map_err(cannot)?;
    temporary.committed(pending);
    sync_directory(folder);
    Ok(())
}

/// The folder of `path` (`.` for a bare name).
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    }
}

/// Make a rename durable (best effort: not every system can sync a directory).
fn sync_directory(folder: &Path) {
    if let Ok(dir) = File::open(folder) {
        let _ = dir.sync_all();
    }
}

/// A temporary file or directory, deleted when dropped unless committed.
struct Temporary {
    path: PathBuf,
    directory: bool,
    committed: bool,
}

impl Temporary {
    /// A fresh name beside the output `name` in `folder`: hidden, naming the output, this
    /// process and a counter, with a random part so the name cannot be guessed in advance.
    fn name(name: &OsStr, suffix: &str) -> OsString {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut kept = name.to_string_lossy().into_owned();
        if kept.len() > NAME_KEPT {
            let mut end = NAME_KEPT;
            while !kept.is_char_boundary(end) {
                end -= 1;
            }
            kept.truncate(end);
        }
        let random = RandomState::new().build_hasher().finish() as u32;
        OsString::from(format!(
            ".{kept}.bontsim-{}-{}-{random:08x}.{suffix}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ))
    }

    /// Create, exclusively, a new entry under a fresh name; a name already taken (by another
    /// run, or by a planted link, which is never followed) is skipped for the next.
    fn create<T>(
        folder: &Path,
        name: &OsStr,
        directory: bool,
        make: impl Fn(&Path) -> io::Result<T>,
    ) -> io::Result<(T, Temporary)> {
        let mut pending = lock(&PENDING);
        let mut attempts = 0;
        loop {
            let path = folder.join(Temporary::name(name, "tmp"));
            match make(&path) {
                Ok(made) => {
                    pending.push(path.clone());
                    return Ok((
                        made,
                        Temporary {
                            path,
                            directory,
                            committed: false,
                        },
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => {
                    attempts += 1
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn create_file(folder: &Path, name: &OsStr) -> io::Result<(File, Temporary)> {
        // `create_new` is O_CREAT|O_EXCL: it fails on any existing entry, a symlink included.
        Temporary::create(folder, name, false, |path| {
            OpenOptions::new().write(true).create_new(true).open(path)
        })
    }

    fn create_directory(folder: &Path, name: &OsStr) -> io::Result<Temporary> {
        Temporary::create(folder, name, true, |path| fs::create_dir(path)).map(|((), t)| t)
    }

    /// Renamed into place: nothing to delete. Takes the lock held during the rename.
    fn committed(mut self, mut pending: MutexGuard<'_, Vec<PathBuf>>) {
        pending.retain(|p| p != &self.path);
        self.committed = true;
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let _ = if self.directory {
            fs::remove_dir_all(&self.path)
        } else {
            fs::remove_file(&self.path)
        };
        lock(&PENDING).retain(|p| p != &self.path);
    }
}

/// A directory output written whole into a temporary sibling and swapped in by
/// [`OutputDirectory::commit`]. The directory it replaces must hold only files the command
/// writes (`names`), so no user file is ever deleted.
pub struct OutputDirectory {
    target: PathBuf,
    command: &'static str,
    names: &'static [&'static str],
    staging: Temporary,
}

impl OutputDirectory {
    /// Check the target and create the staging directory (and the target's missing parents).
    pub fn begin(
        target: &Path,
        command: &'static str,
        names: &'static [&'static str],
    ) -> Result<OutputDirectory, String> {
        if is_standard_output(target) {
            return Err(format!(
                "--output -: {command} writes a directory of files, not to standard output; give a directory name"
            ));
        }
        let name = target
            .file_name()
            .filter(|n| *n != "." && *n != "..")
            .ok_or_else(|| {
                format!(
                    "--output: {} names no directory that can be replaced; give a directory name such as results",
                    target.display()
                )
            })?;
        check_replaceable_directory(target, command, names)?;
        let folder = parent(target);
        fs::create_dir_all(folder)
            .map_err(|e| format!("--output: cannot create {}: {e}", folder.display()))?;
        let staging = Temporary::create_directory(folder, name)
            .map_err(|e| format!("--output: cannot write in {}: {e}", folder.display()))?;
        Ok(OutputDirectory {
            target: target.to_path_buf(),
            command,
            names,
            staging,
        })
    }

    /// The directory as the user named it (for messages).
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// Write one file of the output (`name` must be one of the command's names).
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), String> {
        debug_assert!(self.names.contains(&name), "{name} is not listed");
        let shown = self.target.join(name);
        let cannot = |e: io::Error| format!("cannot write {}: {e}", shown.display());
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.staging.path.join(name))
            .map_err(cannot)?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(cannot)
    }

    /// Swap the complete new directory in place of the previous one, then delete the previous.
    pub fn commit(self) -> Result<(), String> {
        sync_directory(&self.staging.path);
        let target = &self.target;
        let cannot = |e: io::Error| format!("cannot replace {}: {e}", target.display());
        let pending = lock(&PENDING);
        // Checked again: the directory may have changed during the run.
        check_replaceable_directory(target, self.command, self.names)?;
        let previous = swap_directory(&self.staging.path, target).map_err(cannot)?;
        let staging = self.staging;
        let folder = parent(target).to_path_buf();
        staging.committed(pending);
        sync_directory(&folder);
        if let Some(previous) = previous {
            // The previous result, now garbage: deleted under the lock (an interrupt waits).
            let _ = fs::remove_dir_all(&previous);
        }
        Ok(())
    }
}

/// Check that `target` may be replaced by a directory of `command`'s outputs: absent, or a real
/// directory (not a link) that is not an input and holds only regular files named in `names`
/// (or left by earlier versions of bontsim).
fn check_replaceable_directory(target: &Path, command: &str, names: &[&str]) -> Result<(), String> {
    let metadata = match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(format!(
                "--output: cannot inspect {}: {e}",
                target.display()
            ))
        }
        Ok(metadata) => metadata,
    };
    if !metadata.is_dir() {
        return Err(format!(
            "--output: {} is {}; {command} writes a directory (choose a directory name{})",
            target.display(),
            kind(&metadata),
            if metadata.file_type().is_symlink() {
                ", or the directory the link points to"
            } else {
                ""
            }
        ));
    }
    refuse_input(target, Some(&metadata))?;
    let entries = fs::read_dir(target)
        .map_err(|e| format!("--output: cannot list {}: {e}", target.display()))?;
    for entry in entries {
        let entry =
            entry.map_err(|e| format!("--output: cannot list {}: {e}", target.display()))?;
        let name = entry.file_name();
        let regular = entry.file_type().is_ok_and(|t| t.is_file());
        if !(regular && name.to_str().is_some_and(|n| written_by(n, names))) {
            return Err(format!(
                "--output: {} holds {}, which bontsim {command} does not write; {command} replaces the whole directory and will not delete other files (choose a new or empty directory)",
                target.display(),
                name.to_string_lossy()
            ));
        }
    }
    Ok(())
}

/// Whether `entry` is one of `names`, or a temporary that earlier versions of bontsim left
/// beside one (`summary.partial-write`, `responders.partial.svg`, `.bontsim-write-test`).
fn written_by(entry: &str, names: &[&str]) -> bool {
    entry == ".bontsim-write-test"
        || names.iter().any(|name| {
            let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
            entry == *name
                || entry == format!("{stem}.partial-write")
                || entry == format!("{stem}.partial.{extension}")
        })
}

/// Put `staging` at `target`; returns where the previous directory now is, to be deleted.
fn swap_directory(staging: &Path, target: &Path) -> io::Result<Option<PathBuf>> {
    // A missing or empty target is replaced by one rename.
    match fs::rename(staging, target) {
        Ok(()) => return Ok(None),
        Err(e) if target.symlink_metadata().is_err() => return Err(e),
        Err(_) => {}
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    match exchange(staging, target) {
        Ok(()) => return Ok(Some(staging.to_path_buf())),
        // File systems without RENAME_EXCHANGE: the two renames below.
        Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) => {}
        Err(e) => return Err(e),
    }
    let aside = parent(target).join(Temporary::name(
        target.file_name().unwrap_or_default(),
        "old",
    ));
    fs::rename(target, &aside)?;
    if let Err(e) = fs::rename(staging, target) {
        let _ = fs::rename(&aside, target);
        return Err(e);
    }
    Ok(Some(aside))
}

/// Exchange two directories in one atomic step (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let status = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if status == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Delete the temporaries of unfinished outputs when the run is interrupted (SIGINT, SIGTERM,
/// SIGHUP), then exit with 128 + the signal number. The signals are blocked in every thread and
/// received by one thread with `sigwait`, so the deletion runs as ordinary code, not in a signal
/// handler. Must be called before any other thread starts (threads inherit the blocked set).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn remove_temporaries_on_interrupt() {
    // SAFETY: plain libc calls on a signal set owned by this function; no other thread exists
    // yet, so changing the signal mask cannot race.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, signal);
        }
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        set
    };
    let spawned = std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || {
            let mut signal = 0;
            // SAFETY: `set` and `signal` are valid for the call.
            if unsafe { libc::sigwait(&set, &mut signal) } != 0 {
                return;
            }
            let pending = lock(&PENDING);
            for path in pending.iter() {
                let _ = fs::remove_dir_all(path).or_else(|_| fs::remove_file(path));
            }
            eprintln!("interrupted: unfinished output removed, previous output left as it was");
            std::process::exit(128 + signal);
        });
    if spawned.is_err() {
        // No thread to receive them: let the signals act as before.
        // SAFETY: as above.
        unsafe { libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) };
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn remove_temporaries_on_interrupt() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_unique_hidden_and_bounded() {
        let long = "x".repeat(300);
        let a = Temporary::name(OsStr::new("r.json"), "tmp");
        let b = Temporary::name(OsStr::new("r.json"), "tmp");
        assert_ne!(a, b);
        let a = a.to_string_lossy();
        assert!(
            a.starts_with(".r.json.bontsim-") && a.ends_with(".tmp"),
            "{a}"
        );
        assert!(Temporary::name(OsStr::new(&long), "tmp").len() < 200);
    }

    #[test]
    fn directory_entries_of_the_command_and_of_earlier_versions_are_recognised() {
        let names = &["summary.json", "responders.svg"];
        for entry in [
            "summary.json",
            "summary.partial-write",
            "responders.partial.svg",
            ".bontsim-write-test",
        ] {
            assert!(written_by(entry, names), "{entry}");
        }
        for entry in ["notes.txt", "plan.toml", "summary.json.bak"] {
            assert!(!written_by(entry, names), "{entry}");
        }
    }
}
