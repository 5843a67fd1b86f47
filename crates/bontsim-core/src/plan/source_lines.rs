//! Where each field of a plan sits in its text (TOML or JSON), so that errors carry a line.
//! The scanners run only on text that has already parsed, so they can stay small.

use std::collections::BTreeMap;

pub(super) fn line_of_offset(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map(|prefix| prefix.matches('\n').count() + 1)
        .unwrap_or(1)
}

/// Where each injection entry and its keys sit in the plan text, for error lines.
#[derive(Debug, Default)]
pub(super) struct SourceLines {
    /// Per injection entry: header line and key -> line.
    injections: Vec<(usize, BTreeMap<String, usize>)>,
    /// `[patient]` keys -> line.
    patient: BTreeMap<String, usize>,
    /// Line of the `[patient]` header (TOML).
    patient_header: Option<usize>,
    /// Other tables' keys by dotted path (`palsy.house_brackmann`, `palsy.branches.buccal`).
    other: BTreeMap<String, usize>,
    /// Per `[[therapy]]` entry: header line and key -> line.
    therapies: Vec<(usize, BTreeMap<String, usize>)>,
    /// Per `[[observation]]` entry: header line and key -> line.
    observations: Vec<(usize, BTreeMap<String, usize>)>,
    /// Every TOML table header: its line and the section it opens (`injection[2]`,
    /// `patient`, `palsy.branches`, `therapy[1]`), for parse errors.
    headers: Vec<(usize, String)>,
}

impl SourceLines {
    /// JSON: the objects of the top-level `"injection"` array and of `"patient"`, and the
    /// lines of their keys. A small scanner (strings, escapes, nesting) run only on text
    /// that has already parsed as JSON.
    pub(super) fn scan_json(text: &str) -> SourceLines {
        // Each open container: is it an object, and the key it sits under in its parent.
        let mut stack: Vec<(bool, Option<String>)> = Vec::new();
        let mut lines = SourceLines::default();
        let mut line = 1;
        let mut last_string: Option<(String, usize)> = None;
        let mut pending_key: Option<String> = None;
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                '\n' => line += 1,
                '"' => {
                    let start_line = line;
                    let mut value = String::new();
                    while let Some(c) = chars.next() {
                        match c {
                            '\\' => {
                                chars.next();
                            }
                            '"' => break,
                            '\n' => line += 1,
                            _ => value.push(c),
                        }
                    }
                    last_string = Some((value, start_line));
                }
                ':' => {
                    if let Some((key, key_line)) = last_string.take() {
                        let parents: Vec<Option<&str>> =
                            stack.iter().map(|(_, k)| k.as_deref()).collect();
                        match parents.as_slice() {
                            [None] => {
                                lines.other.entry(key.clone()).or_insert(key_line);
                            }
                            [None, Some("patient")] => {
                                lines.patient.entry(key.clone()).or_insert(key_line);
                            }
                            [None, Some("injection"), None] => {
                                if let Some((_, keys)) = lines.injections.last_mut() {
                                    keys.entry(key.clone()).or_insert(key_line);
                                }
                            }
                            [None, Some("therapy"), None] => {
                                if let Some((_, keys)) = lines.therapies.last_mut() {
                                    keys.entry(key.clone()).or_insert(key_line);
                                }
                            }
                            [None, Some("observation"), None] => {
                                if let Some((_, keys)) = lines.observations.last_mut() {
                                    keys.entry(key.clone()).or_insert(key_line);
                                }
                            }
                            [None, Some("palsy")] => {
                                lines
                                    .other
                                    .entry(format!("palsy.{key}"))
                                    .or_insert(key_line);
                            }
                            [None, Some("palsy"), Some(table)] => {
                                lines
                                    .other
                                    .entry(format!("palsy.{table}.{key}"))
                                    .or_insert(key_line);
                            }
                            _ => {}
                        }
                        pending_key = Some(key);
                    }
                }
                ',' => {
                    last_string = None;
                    pending_key = None;
                }
                '{' | '[' => {
                    let is_injection_entry =
                        c == '{' && stack.len() == 2 && stack[1].1.as_deref() == Some("injection");
                    if is_injection_entry {
                        lines.injections.push((line, BTreeMap::new()));
                    }
                    let is_therapy_entry =
                        c == '{' && stack.len() == 2 && stack[1].1.as_deref() == Some("therapy");
                    if is_therapy_entry {
                        lines.therapies.push((line, BTreeMap::new()));
                    }
                    if c == '{' && stack.len() == 2 && stack[1].1.as_deref() == Some("observation")
                    {
                        lines.observations.push((line, BTreeMap::new()));
                    }
                    stack.push((c == '{', pending_key.take()));
                    last_string = None;
                }
                '}' | ']' => {
                    stack.pop();
                    pending_key = None;
                }
                _ => {}
            }
        }
        lines
    }

    pub(super) fn scan_toml(text: &str) -> SourceLines {
        let mut lines = SourceLines::default();
        let mut section = String::new();
        for (index, raw_line) in text.lines().enumerate() {
            let line_number = index + 1;
            let line = raw_line.trim();
            if line.starts_with('[') {
                section = line
                    .trim_matches(|c| c == '[' || c == ']')
                    .trim()
                    .to_string();
                if line.starts_with("[[") && section == "injection" {
                    lines.injections.push((line_number, BTreeMap::new()));
                }
                if line.starts_with("[[") && section == "therapy" {
                    lines.therapies.push((line_number, BTreeMap::new()));
                }
                if line.starts_with("[[") && section == "observation" {
                    lines.observations.push((line_number, BTreeMap::new()));
                }
                let name = match section.as_str() {
                    "injection" => format!("injection[{}]", lines.injections.len()),
                    "therapy" => format!("therapy[{}]", lines.therapies.len()),
                    "observation" => format!("observation[{}]", lines.observations.len()),
                    s if s.starts_with("patient") => "patient".into(),
                    s => s.to_string(),
                };
                lines.headers.push((line_number, name));
                lines.other.entry(section.clone()).or_insert(line_number);
                if let Some(sub) = section.strip_prefix("patient.") {
                    // `[patient.muscles.masseter]`: its keys are found under their dotted path.
                    lines.patient.entry(sub.to_string()).or_insert(line_number);
                }
                if section.starts_with("patient") && lines.patient_header.is_none() {
                    lines.patient_header = Some(line_number);
                }
                continue;
            }
            if let Some((key, _)) = line.split_once('=') {
                let key = key.trim().trim_matches('"').to_string();
                if section == "injection" {
                    if let Some((_, keys)) = lines.injections.last_mut() {
                        keys.entry(key).or_insert(line_number);
                    }
                } else if section == "patient" {
                    lines.patient.entry(key).or_insert(line_number);
                } else if let Some(sub) = section.strip_prefix("patient.") {
                    lines
                        .patient
                        .entry(format!("{sub}.{key}"))
                        .or_insert(line_number);
                } else if section == "therapy" {
                    if let Some((_, keys)) = lines.therapies.last_mut() {
                        keys.entry(key).or_insert(line_number);
                    }
                } else if section == "observation" {
                    if let Some((_, keys)) = lines.observations.last_mut() {
                        keys.entry(key).or_insert(line_number);
                    }
                } else if section.is_empty() {
                    lines.other.entry(key).or_insert(line_number);
                } else {
                    lines
                        .other
                        .entry(format!("{section}.{key}"))
                        .or_insert(line_number);
                }
            }
        }
        lines
    }

    /// The plan section a line belongs to (`injection[2]`, `patient`, `palsy.branches`,
    /// `therapy[1]`), for parse errors.
    pub(super) fn section_at(&self, line: usize) -> String {
        self.headers
            .iter()
            .rev()
            .find(|(header, _)| *header <= line)
            .map(|(_, section)| section.clone())
            .unwrap_or_else(|| "plan".into())
    }

    /// The line of any field path (`injection[2].units`, `patient.muscles.masseter`,
    /// `therapy[1]`, `palsy.branches.buccal`, `plan`): the key itself, else the nearest
    /// enclosing table or key that is known. A plan-wide problem is on line 1.
    pub(super) fn line_of_field(&self, field: &str) -> Option<usize> {
        for (prefix, entries) in [
            ("injection[", &self.injections),
            ("therapy[", &self.therapies),
            ("observation[", &self.observations),
        ] {
            if let Some(rest) = field.strip_prefix(prefix) {
                let (index, key) = rest.split_once(']')?;
                let (header, keys) = entries.get(index.parse::<usize>().ok()?.checked_sub(1)?)?;
                let key = key.trim_start_matches('.');
                let key = key.split('.').next().unwrap_or(key);
                return Some(keys.get(key).copied().unwrap_or(*header));
            }
        }
        if field == "plan" {
            return Some(1);
        }
        if field == "patient" {
            return self
                .patient_header
                .or_else(|| self.other.get("patient").copied());
        }
        if let Some(key) = field.strip_prefix("patient.") {
            return self
                .patient(key)
                .or(self.patient_header)
                .or_else(|| self.other.get("patient").copied());
        }
        self.line_of(field)
    }

    /// The line of a `palsy...` field path, or of its nearest known parent.
    pub(super) fn line_of(&self, field: &str) -> Option<usize> {
        let mut path = field;
        loop {
            if let Some(line) = self.other.get(path) {
                return Some(*line);
            }
            path = &path[..path.rfind('.')?];
        }
    }

    pub(super) fn injection(&self, entry: usize, key: &str) -> Option<usize> {
        self.injections
            .get(entry)
            .map(|(header, keys)| keys.get(key).copied().unwrap_or(*header))
    }

    /// The line of a patient key path (`age`, `muscles.masseter.sensitivity`): the key
    /// itself, else the nearest enclosing table or key that is known.
    pub(super) fn patient(&self, key: &str) -> Option<usize> {
        let mut path = key;
        loop {
            if let Some(line) = self.patient.get(path) {
                return Some(*line);
            }
            path = &path[..path.rfind('.')?];
        }
    }
}
