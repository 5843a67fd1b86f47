//! Files that cannot be corrupted, end to end: outputs that are devices, FIFOs, directories,
//! symbolic links or the input plan are refused and left as they were; temporaries never follow
//! a planted link, never collide between concurrent runs and never stay behind on failure; a
//! trial directory changes as a whole even when the run is killed; plan files are read in
//! bounded size. The tests run as root in CI, so none relies on file permissions.

#![cfg(unix)]

mod common;

use common::{bin, example, run, stderr, stdout, temp_dir};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, FileTypeExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn light() -> PathBuf {
    example("glabella_light_10u.toml")
}

fn every_4_months() -> PathBuf {
    example("glabella_20u_every_4_months.toml")
}

/// `bontsim COMMAND PLAN`, for more arguments.
fn bontsim(command: &str, plan: &Path) -> Command {
    let mut bontsim = Command::new(bin());
    bontsim.arg(command).arg(plan);
    bontsim
}

/// `bontsim simulate PLAN -o OUTPUT`.
fn simulate_to(plan: &Path, output: &Path) -> Output {
    bontsim("simulate", plan)
        .arg("-o")
        .arg(output)
        .output()
        .unwrap()
}

fn assert_refused(output: &Output, expected: &str) {
    assert_eq!(
        output.status.code(),
        Some(2),
        "expected exit 2, got {} ({})",
        output.status,
        stderr(output)
    );
    assert!(
        stderr(output).contains(expected),
        "expected \"{expected}\" in: {}",
        stderr(output)
    );
}

fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "bontsim failed ({}): {}",
        output.status,
        stderr(output)
    );
}

/// The names in a directory, sorted (empty when it does not exist).
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Every file of a directory with its bytes.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    names(dir)
        .into_iter()
        .map(|name| {
            let bytes = fs::read(dir.join(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}

/// The directory holds exactly the `previous` files, byte for byte (names the differing ones).
fn assert_unchanged(dir: &Path, previous: &BTreeMap<String, Vec<u8>>) {
    let now = contents(dir);
    let differing: Vec<&String> = previous
        .keys()
        .chain(now.keys())
        .filter(|name| previous.get(*name) != now.get(*name))
        .collect();
    assert!(
        differing.is_empty(),
        "{}: files changed, added or removed: {differing:?}",
        dir.display()
    );
}

/// Entries that look like bontsim's temporaries (`.NAME.bontsim-...`) or like the temporaries
/// of earlier versions (`*.partial*`, `.bontsim-write-test`).
fn temporaries(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| n.contains(".bontsim-") || n.contains(".partial"))
        .collect()
}

fn refuse_device(device: &Path) {
    let output = simulate_to(&light(), device);
    assert_refused(&output, "is a character device");
    let metadata = fs::symlink_metadata(device).unwrap();
    assert!(
        metadata.file_type().is_char_device(),
        "{} was replaced",
        device.display()
    );
}

#[test]
fn a_device_output_is_refused_and_stays_a_device() {
    // First a device node of the test's own (root may make one), so that a regression fails
    // there and never replaces the machine's /dev/null.
    let dir = temp_dir("device-output");
    let own = dir.join("null");
    let made = Command::new("mknod")
        .arg(&own)
        .args(["c", "1", "3"])
        .output()
        .is_ok_and(|o| o.status.success());
    if made {
        refuse_device(&own);
    } else {
        eprintln!("note: cannot make a device node here (needs root); testing /dev/null only");
    }
    refuse_device(Path::new("/dev/null"));
}

#[test]
fn a_symbolic_link_output_is_refused_and_its_target_untouched() {
    let dir = temp_dir("link-output");
    let target = dir.join("kept.txt");
    fs::write(&target, "user data").unwrap();
    for (command, link) in [
        ("simulate", "report.json"),
        ("plot", "figure.svg"),
        ("face", "face.png"),
    ] {
        let link = dir.join(link);
        symlink(&target, &link).unwrap();
        let output = bontsim(command, &light())
            .args(["--days", "40", "-o"])
            .arg(&link)
            .output()
            .unwrap();
        assert_refused(&output, "is a symbolic link");
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
    }
    assert_eq!(fs::read_to_string(&target).unwrap(), "user data");
    assert!(temporaries(&dir).is_empty(), "{:?}", names(&dir));
}

#[test]
fn a_fifo_output_is_refused_without_blocking() {
    let dir = temp_dir("fifo-output");
    let fifo = dir.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let started = Instant::now();
    let output = simulate_to(&light(), &fifo);
    assert_refused(&output, "is a FIFO");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(names(&dir), vec!["pipe"]);
}

#[test]
fn a_directory_output_is_refused_and_nothing_is_left_behind() {
    let dir = temp_dir("directory-output");
    let existing = dir.join("existing_dir");
    fs::create_dir(&existing).unwrap();
    let output = simulate_to(&light(), &existing);
    assert_refused(&output, "is a directory");
    assert_eq!(names(&dir), vec!["existing_dir"]);
    assert!(names(&existing).is_empty());
}

#[test]
fn an_output_that_is_the_plan_is_refused_and_the_plan_unchanged() {
    let dir = temp_dir("output-is-plan");
    let plan_text = fs::read(light()).unwrap();
    // A plan is TOML whatever its extension; .svg and .png let plot and face accept the name.
    for (command, name) in [
        ("simulate", "plan.toml"),
        ("plot", "plan.svg"),
        ("face", "plan.png"),
    ] {
        let plan = dir.join(name);
        fs::write(&plan, &plan_text).unwrap();
        let output = bontsim(command, &plan)
            .args(["--days", "40", "-o"])
            .arg(&plan)
            .output()
            .unwrap();
        assert_refused(&output, "is an input of this run");
        assert_eq!(
            fs::read(&plan).unwrap(),
            plan_text,
            "{command} changed the plan"
        );
    }
    // The same file under another name (a hard link) is the same file.
    let link = dir.join("hard.toml");
    fs::hard_link(dir.join("plan.toml"), &link).unwrap();
    let output = bontsim("simulate", &dir.join("plan.toml"))
        .arg("-o")
        .arg(&link)
        .output()
        .unwrap();
    assert_refused(&output, "is an input of this run");
    assert_eq!(fs::read(&link).unwrap(), plan_text);
    assert!(temporaries(&dir).is_empty(), "{:?}", names(&dir));
}

#[test]
fn links_planted_at_temporary_names_are_never_followed() {
    let dir = temp_dir("planted-links");
    let outside = temp_dir("planted-links-victim");
    let victim = outside.join("victim.txt");
    fs::write(&victim, "must stay").unwrap();
    // The names earlier versions used, and plausible names of the new scheme.
    let planted = [
        "r.partial-write",
        "r.partial",
        "f.partial.svg",
        "g.partial.png",
        "t.partial-write",
        ".bontsim-write-test",
        ".r.json.tmp",
        ".r.json.bontsim-1-0.tmp",
        ".r.json.bontsim-1-0-00000000.tmp",
        ".t.bontsim-1-0-00000000.tmp",
        ".t.bontsim-1-0-00000000.old",
    ];
    for name in planted {
        symlink(&victim, dir.join(name)).unwrap();
    }
    let runs: [&[&str]; 5] = [
        &["simulate", "--days", "40", "-o", "r.json"],
        &["plot", "--days", "40", "-o", "f.svg"],
        &["plot", "--days", "40", "-o", "g.png"],
        &["face", "--days", "40", "-o", "h.svg"],
        &["trial", "--patients", "8", "--days", "40", "-o", "t"],
    ];
    for args in runs {
        let output = bontsim(args[0], &light())
            .current_dir(&dir)
            .args(&args[1..])
            .output()
            .unwrap();
        assert_success(&output);
    }
    assert_eq!(fs::read_to_string(&victim).unwrap(), "must stay");
    for name in planted {
        let metadata = fs::symlink_metadata(dir.join(name)).unwrap();
        assert!(metadata.file_type().is_symlink(), "{name} was replaced");
    }
    for name in ["r.json", "f.svg", "g.png", "h.svg"] {
        let metadata = fs::symlink_metadata(dir.join(name)).unwrap();
        assert!(metadata.is_file() && metadata.len() > 0, "{name}");
    }
    assert!(dir.join("t").join("summary.json").is_file());
    assert_eq!(names(&outside), vec!["victim.txt"]);
}

/// `simulate PLAN --format FORMAT` to standard output: the expected bytes of a file output.
fn reference(plan: &Path, format: &str) -> Vec<u8> {
    let output = bontsim("simulate", plan)
        .args(["--format", format])
        .output()
        .unwrap();
    assert_success(&output);
    output.stdout
}

#[test]
fn concurrent_runs_each_write_exactly_their_own_file() {
    let plans = [light(), every_4_months()];
    let expected: Vec<[Vec<u8>; 2]> = plans
        .iter()
        .map(|p| [reference(p, "json"), reference(p, "csv")])
        .collect();
    let dir = temp_dir("concurrent-simulate");
    for round in 0..3 {
        let children: Vec<_> = (0..8)
            .map(|k| {
                let (file, format) = if k % 2 == 0 {
                    ("r.json", "json")
                } else {
                    ("r.csv", "csv")
                };
                bontsim("simulate", &plans[(k / 2) % 2])
                    .args(["--format", format, "-o"])
                    .arg(dir.join(file))
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            assert_success(&child.wait_with_output().unwrap());
        }
        for (file, k) in [("r.json", 0), ("r.csv", 1)] {
            let written = fs::read(dir.join(file)).unwrap();
            assert!(
                written == expected[0][k] || written == expected[1][k],
                "round {round}: {file} is not the output of either plan ({} bytes)",
                written.len()
            );
        }
        assert_eq!(names(&dir), vec!["r.csv", "r.json"], "round {round}");
    }
}

/// The plan named in every row of a trial's CSV files and in its summary: one name when the
/// directory holds the output of one run.
fn plans_named(dir: &Path) -> Vec<String> {
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("summary.json")).unwrap()).unwrap();
    let mut plans: Vec<String> = summary["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|arm| arm["plan"].as_str().unwrap().to_string())
        .collect();
    for file in ["responders.csv", "durations.csv", "adverse_events.csv"] {
        let text = fs::read_to_string(dir.join(file)).unwrap();
        for line in text.lines().skip_while(|l| !l.starts_with("arm,")).skip(1) {
            plans.push(line.split(',').next().unwrap().to_string());
        }
    }
    plans.sort();
    plans.dedup();
    plans
}

#[test]
fn two_concurrent_trials_into_one_directory_leave_the_files_of_one() {
    let root = temp_dir("concurrent-trials");
    let dir = root.join("trial");
    for round in 0..3 {
        let children: Vec<_> = [light(), every_4_months()]
            .iter()
            .map(|plan| {
                bontsim("trial", plan)
                    .args(["--patients", "40", "--days", "200", "--threads", "1", "-o"])
                    .arg(&dir)
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            assert_success(&child.wait_with_output().unwrap());
        }
        let plans = plans_named(&dir);
        assert_eq!(plans.len(), 1, "round {round}: files of {plans:?} mixed");
        assert_eq!(names(&dir).len(), 10, "round {round}: {:?}", names(&dir));
        assert_eq!(names(&root), vec!["trial"], "round {round}: leftovers");
    }
}

/// A tmpfs of `size` mounted at a fresh directory, unmounted on drop; `None` (with a note)
/// where mounting is not permitted.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(tag: &str, size: &str) -> Option<SmallDisk> {
        let dir = temp_dir(tag);
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output()
            .is_ok_and(|o| o.status.success());
        if mounted {
            Some(SmallDisk(dir))
        } else {
            eprintln!("note: skipped, cannot mount a small tmpfs here (needs root)");
            None
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_leaves_no_temporary_and_the_previous_file_intact() {
    let Some(disk) = SmallDisk::mount("full-disk", "64k") else {
        return;
    };
    let dir = &disk.0;
    fs::write(dir.join("r.json"), "previous").unwrap();
    let runs: [&[&str]; 4] = [
        &["simulate", "-o", "r.json"],
        &["plot", "-o", "f.png"],
        &["face", "-o", "h.png"],
        &["trial", "--patients", "8", "--days", "100", "-o", "t"],
    ];
    for args in runs {
        let output = bontsim(args[0], &every_4_months())
            .current_dir(dir)
            .args(&args[1..])
            .output()
            .unwrap();
        assert_refused(&output, "No space left on device");
        assert_eq!(names(dir), vec!["r.json"], "after {}", args[0]);
    }
    assert_eq!(fs::read_to_string(dir.join("r.json")).unwrap(), "previous");
}

#[test]
fn a_trial_failing_while_writing_leaves_the_previous_directory_intact() {
    // Room for a one-arm trial and part of a three-arm one: the disk fills up while the larger
    // trial writes its files (replacing files one by one would leave the two mixed).
    let Some(disk) = SmallDisk::mount("full-while-writing", "760k") else {
        return;
    };
    let dir = disk.0.join("trial");
    assert_success(&trial_command(&light(), "20", &dir).output().unwrap());
    let previous = contents(&dir);
    let output = trial_command(&light(), "20", &dir)
        .arg(example("forehead_and_crows_feet.toml"))
        .arg(every_4_months())
        .output()
        .unwrap();
    assert_refused(&output, "No space left on device");
    assert_unchanged(&dir, &previous);
    assert_eq!(names(&disk.0), vec!["trial"]);
}

fn trial_command(plan: &Path, patients: &str, dir: &Path) -> Command {
    let mut command = bontsim("trial", plan);
    command
        .args([
            "--patients",
            patients,
            "--days",
            "200",
            "--threads",
            "1",
            "-o",
        ])
        .arg(dir);
    command
}

/// Run a small trial into `root/trial`, then start a large one into the same directory and stop
/// it with `signal` while it simulates; returns the previous files and the exit status.
fn interrupt_a_trial(root: &Path, signal: &str) -> (BTreeMap<String, Vec<u8>>, Output) {
    let dir = root.join("trial");
    assert_success(&trial_command(&light(), "20", &dir).output().unwrap());
    let previous = contents(&dir);
    let child = trial_command(&every_4_months(), "2000000", &dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    (previous, child.wait_with_output().unwrap())
}

#[test]
fn a_killed_trial_leaves_the_previous_directory_intact() {
    let root = temp_dir("killed-trial");
    let (previous, output) = interrupt_a_trial(&root, "-KILL");
    assert!(
        !output.status.success(),
        "the trial was expected to be killed"
    );
    assert_unchanged(&root.join("trial"), &previous);
    // SIGKILL cannot be handled: the unfinished directory stays under its documented name.
    for name in names(&root).into_iter().filter(|n| n != "trial") {
        assert!(
            name.starts_with(".trial.bontsim-") && name.ends_with(".tmp"),
            "unexpected leftover {name}"
        );
    }
}

#[test]
fn an_interrupted_trial_removes_its_temporaries_and_keeps_the_previous_directory() {
    let root = temp_dir("interrupted-trial");
    let (previous, output) = interrupt_a_trial(&root, "-INT");
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert!(stderr(&output).contains("interrupted"));
    assert_unchanged(&root.join("trial"), &previous);
    assert_eq!(names(&root), vec!["trial"]);
}

#[test]
fn a_trial_does_not_replace_a_directory_holding_other_files() {
    let root = temp_dir("user-directory");
    let dir = root.join("results");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    fs::write(dir.join("summary.json"), "{}").unwrap();
    let output = trial_command(&light(), "8", &dir).output().unwrap();
    assert_refused(&output, "holds notes.txt");
    assert_eq!(names(&dir), vec!["notes.txt", "summary.json"]);
    assert_eq!(names(&root), vec!["results"]);
    // A trial output directory is not a sensitivity output directory either.
    fs::remove_file(dir.join("notes.txt")).unwrap();
    let output = bontsim("sensitivity", &light())
        .args(["--samples", "8", "--days", "100", "--mass-day", "50", "-o"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_refused(&output, "holds summary.json");
    // trial-merge never replaces one of its partial results.
    let shard = root.join("shard");
    let shard_output = trial_command(&light(), "8", &shard)
        .args(["--shard", "1/1"])
        .output()
        .unwrap();
    assert_success(&shard_output);
    let output = bontsim("trial-merge", &shard)
        .arg("-o")
        .arg(&shard)
        .output()
        .unwrap();
    assert_refused(&output, "is an input of this run");
    assert_eq!(names(&shard), vec!["partial.json"]);
}

#[test]
fn plan_files_are_read_in_bounded_size() {
    let started = Instant::now();
    let output = run(["check", "/dev/zero"]);
    assert_refused(&output, "plan /dev/zero is larger than 16 MiB");
    let dir = temp_dir("large-plan");
    let large = dir.join("large.toml");
    let mut text = fs::read_to_string(light()).unwrap();
    while text.len() <= 16 << 20 {
        text.push_str("# a comment line that makes the plan file large\n");
    }
    fs::write(&large, text).unwrap();
    let output = run(["check".as_ref(), large.as_os_str()]);
    assert_refused(&output, "large.toml is larger than 16 MiB");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn missing_output_folders_are_created_and_dash_means_standard_output() {
    let dir = temp_dir("missing-folders");
    for (command, file) in [
        ("simulate", "a/b/r.json"),
        ("plot", "c/d/f.svg"),
        ("face", "e/h.svg"),
    ] {
        let output = bontsim(command, &light())
            .args(["--days", "40", "-o"])
            .arg(dir.join(file))
            .output()
            .unwrap();
        assert_success(&output);
        assert!(dir.join(file).is_file(), "{file}");
    }
    let to_stdout = run([
        "simulate".as_ref(),
        light().as_os_str(),
        "--format".as_ref(),
        "csv".as_ref(),
        "-o".as_ref(),
        "-".as_ref(),
    ]);
    assert_success(&to_stdout);
    assert_eq!(to_stdout.stdout, reference(&light(), "csv"));
    assert!(stdout(&to_stdout).starts_with('#'));
    for command in ["plot", "face"] {
        let output = run([
            command.as_ref(),
            light().as_os_str(),
            "-o".as_ref(),
            "-".as_ref(),
        ]);
        assert_refused(&output, "--output -: this command writes a picture file");
    }
}
