//! Plan text as a loose tree of values, the same for TOML and JSON, before any key is given
//! a type. Reading a plan in two steps (syntax here, then every field by
//! [`super::fields`]) lets a plan's type errors be reported all at once, each with its field
//! and line, in both formats, where a typed deserialiser stops at the first one.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// One value of a plan file. Tables keep their keys in file order (JSON) or key order (TOML).
#[derive(Debug, Clone, PartialEq)]
pub enum Loose {
    /// JSON `null`: read as an absent key.
    Null,
    Boolean(bool),
    Integer(i64),
    Float(f64),
    String(String),
    /// A TOML date without a time (`date = 2026-01-15`), as `YYYY-MM-DD`.
    Date(String),
    /// A TOML date-time or time of day, as written.
    DateTime(String),
    Array(Vec<Loose>),
    Table(Vec<(String, Loose)>),
}

impl Loose {
    /// What the value is, for "expected X, got Y" messages.
    pub fn describe(&self) -> String {
        match self {
            Loose::Null => "null".into(),
            Loose::Boolean(value) => format!("the boolean {value}"),
            Loose::Integer(value) => format!("the integer {value}"),
            Loose::Float(value) => format!("the number {value}"),
            Loose::String(value) => format!("the string \"{value}\""),
            Loose::Date(value) => format!("the date {value}"),
            Loose::DateTime(value) => format!("the date-time {value}"),
            Loose::Array(_) => "a list".into(),
            Loose::Table(_) => "a table".into(),
        }
    }
}

/// Syntax error of a plan text: where (byte offset for TOML, line for JSON) and why.
#[derive(Debug)]
pub struct SyntaxError {
    pub offset: Option<usize>,
    pub line: Option<usize>,
    pub message: String,
}

pub fn from_toml(text: &str) -> Result<Loose, SyntaxError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| SyntaxError {
        offset: e.span().map(|span| span.start),
        line: None,
        message: e.message().trim().to_string(),
    })?;
    Ok(from_toml_table(table))
}

fn from_toml_table(table: toml::Table) -> Loose {
    Loose::Table(
        table
            .into_iter()
            .map(|(key, value)| (key, from_toml_value(value)))
            .collect(),
    )
}

fn from_toml_value(value: toml::Value) -> Loose {
    match value {
        toml::Value::String(text) => Loose::String(text),
        toml::Value::Integer(value) => Loose::Integer(value),
        toml::Value::Float(value) => Loose::Float(value),
        toml::Value::Boolean(value) => Loose::Boolean(value),
        toml::Value::Datetime(datetime) => match (datetime.date, datetime.time) {
            (Some(_), None) => Loose::Date(datetime.to_string()),
            _ => Loose::DateTime(datetime.to_string()),
        },
        toml::Value::Array(values) => {
            Loose::Array(values.into_iter().map(from_toml_value).collect())
        }
        toml::Value::Table(table) => from_toml_table(table),
    }
}

pub fn from_json(text: &str) -> Result<Loose, SyntaxError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = Loose::deserialize(&mut deserializer).and_then(|value| {
        deserializer.end()?;
        Ok(value)
    });
    parsed.map_err(|e| SyntaxError {
        offset: None,
        line: (e.line() > 0).then_some(e.line()),
        message: match e.to_string().rfind(" at line ") {
            Some(index) => e.to_string()[..index].to_string(),
            None => e.to_string(),
        },
    })
}

/// JSON into a [`Loose`] tree. A key given twice in one object is a syntax error (a JSON
/// parser would otherwise keep the last one silently, and a plan would lose a value).
impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Loose, D::Error> {
        deserializer.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Loose, E> {
        Ok(Loose::Boolean(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Loose, E> {
        Ok(Loose::Integer(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Loose, E> {
        Ok(i64::try_from(value)
            .map(Loose::Integer)
            .unwrap_or(Loose::Float(value as f64)))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Loose, E> {
        Ok(Loose::Float(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Loose, E> {
        Ok(Loose::String(value.to_string()))
    }

    fn visit_string<E>(self, value: String) -> Result<Loose, E> {
        Ok(Loose::String(value))
    }

    fn visit_unit<E>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }

    fn visit_none<E>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        let mut values = Vec::new();
        while let Some(value) = seq.next_element()? {
            values.push(value);
        }
        Ok(Loose::Array(values))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        let mut entries: Vec<(String, Loose)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            let value = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Loose::Table(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_dates_and_json_duplicates() {
        let Loose::Table(entries) = from_toml("a = 2026-01-15\nb = 2026-01-15T10:00:00").unwrap()
        else {
            panic!("a table");
        };
        assert_eq!(entries[0].1, Loose::Date("2026-01-15".into()));
        assert!(matches!(entries[1].1, Loose::DateTime(_)));
        let duplicate = from_json("{\"units\": 4,\n \"units\": 5}").err().unwrap();
        assert_eq!(duplicate.line, Some(2));
        assert!(duplicate.message.contains("duplicate key `units`"));
        assert_eq!(
            from_json("{\"a\": null, \"b\": 18446744073709551615}").unwrap(),
            Loose::Table(vec![
                ("a".into(), Loose::Null),
                ("b".into(), Loose::Float(18446744073709551615.0))
            ])
        );
    }
}
