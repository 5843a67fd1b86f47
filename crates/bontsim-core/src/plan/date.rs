//! Calendar dates in plans (`date = "2026-01-15"`): parsing and day arithmetic, proleptic
//! Gregorian, no time zones. Small enough not to need a date crate.

/// Why a text is not a calendar date; the messages are those a plan's `date` reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("\"{text}\" is not a date of the form YYYY-MM-DD")]
    Form { text: String },
    #[error("\"{text}\": month {month} is not between 01 and 12")]
    Month { text: String, month: u32 },
    #[error("\"{text}\": day {day} does not exist in month {month:02} of {year}")]
    Day {
        text: String,
        year: i64,
        month: u32,
        day: u32,
    },
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` string, or why it is not a date.
pub fn parse_iso_date(text: &str) -> Result<i64, DateError> {
    let parts: Vec<&str> = text.split('-').collect();
    let bad = || DateError::Form {
        text: text.to_string(),
    };
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return Err(bad());
    }
    let year: i64 = parts[0].parse().map_err(|_| bad())?;
    let month: u32 = parts[1].parse().map_err(|_| bad())?;
    let day: u32 = parts[2].parse().map_err(|_| bad())?;
    if !(1..=12).contains(&month) {
        return Err(DateError::Month {
            text: text.to_string(),
            month,
        });
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_length = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month as usize - 1];
    if day == 0 || day > month_length {
        return Err(DateError::Day {
            text: text.to_string(),
            year,
            month,
            day,
        });
    }
    Ok(days_from_civil(year, month, day))
}

/// Howard Hinnant's days-from-civil algorithm.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The `YYYY-MM-DD` string of a day number (inverse of [`parse_iso_date`]).
pub fn format_iso_date(days: i64) -> String {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        assert_eq!(parse_iso_date("1970-01-01"), Ok(0));
        assert_eq!(
            parse_iso_date("2026-03-01").unwrap() - parse_iso_date("2026-02-28").unwrap(),
            1
        );
        assert_eq!(
            parse_iso_date("2024-03-01").unwrap() - parse_iso_date("2024-02-28").unwrap(),
            2
        );
        for days in [-1000, 0, 19_000, 20_500] {
            assert_eq!(parse_iso_date(&format_iso_date(days)), Ok(days));
        }
        assert!(parse_iso_date("2026-02-30").is_err());
        assert!(parse_iso_date("2026-13-01").is_err());
        assert!(parse_iso_date("15/01/2026").is_err());
    }
}
