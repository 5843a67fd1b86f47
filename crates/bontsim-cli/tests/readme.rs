//! The plans the README shows are valid: its full plan as written, and its area and palsy
//! fragments added to that plan, each checked by the real binary.

mod common;

use common::{run, stderr, stdout, temp_dir};

/// The ```toml blocks of README.md, in order.
fn readme_plans() -> Vec<String> {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .expect("README.md");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```toml") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn the_plans_the_readme_shows_are_valid() {
    let blocks = readme_plans();
    assert!(
        blocks.len() >= 3,
        "README shows a plan, an area fragment and a palsy fragment: {} toml blocks",
        blocks.len()
    );
    assert!(blocks[0].contains("[patient]") && blocks[0].contains("[[injection]]"));
    assert!(blocks.iter().any(|b| b.contains("area = ")));
    assert!(blocks
        .iter()
        .any(|b| b.contains("[palsy]") && b.contains("[[therapy]]")));
    let dir = temp_dir("readme");
    for (index, block) in blocks.iter().enumerate() {
        // Fragments are read as additions to the full plan that comes first.
        let text = if index == 0 {
            block.clone()
        } else {
            format!("{}{block}", blocks[0])
        };
        let path = dir.join(format!("readme_{index}.toml"));
        std::fs::write(&path, &text).unwrap();
        let output = run(["check".as_ref(), path.as_os_str()]);
        assert!(
            output.status.success(),
            "README toml block {} is not a valid plan:\n{text}\n{}",
            index + 1,
            stderr(&output)
        );
        assert!(stdout(&output).starts_with("plan is valid"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
