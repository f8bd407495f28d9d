//! `Timestamp` and `Timespan` values: nanoseconds since the epoch (UTC) and nanoseconds,
//! written and read the way Puppet's `Puppet::Pops::Time` does by default.

const NS: i128 = 1_000_000_000;

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A civil date to days since 1970-01-01.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2020-01-01T00:00:00.000000000 UTC`.
pub(crate) fn timestamp_to_s(ns: i128) -> String {
    let secs = ns.div_euclid(NS);
    let frac = ns.rem_euclid(NS);
    let days = secs.div_euclid(86_400) as i64;
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:09} UTC",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// `D-HH:MM:SS.F`, the fraction in milliseconds without trailing zeros (Puppet's default
/// Timespan format).
pub(crate) fn timespan_to_s(ns: i128) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.abs();
    let secs = a / NS;
    let ms = (a % NS) / 1_000_000;
    let mut frac = ms.to_string();
    while frac.len() > 1 && frac.ends_with('0') {
        frac.pop();
    }
    format!(
        "{sign}{}-{:02}:{:02}:{:02}.{frac}",
        secs / 86_400,
        secs / 3600 % 24,
        secs / 60 % 60,
        secs % 60
    )
}

/// Parse a timestamp in one of Puppet's default formats: `%F`, then optionally `T` or a
/// space and `%T` with an optional `.%N`, then optionally a zone (`Z`, `UTC`, `+02:00`,
/// `+0200`).
pub(crate) fn parse_timestamp(s: &str) -> Option<i128> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let t = s.get(from..from + len)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let y = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (mo, d) = (num(5, 2)? as u32, num(8, 2)? as u32);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut i = 10;
    let mut secs: i128 = 0;
    let mut frac: i128 = 0;
    if matches!(b.get(i), Some(b'T') | Some(b' ')) && b.get(i + 3) == Some(&b':') {
        i += 1;
        let (h, mi, se) = (num(i, 2)?, num(i + 3, 2)?, num(i + 6, 2)?);
        if b.get(i + 5) != Some(&b':') || h > 23 || mi > 59 || se > 60 {
            return None;
        }
        secs = i128::from(h * 3600 + mi * 60 + se);
        i += 8;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let digits = &s[start..i];
            if digits.is_empty() {
                return None;
            }
            let mut padded = digits.to_string();
            padded.truncate(9);
            while padded.len() < 9 {
                padded.push('0');
            }
            frac = padded.parse().ok()?;
        }
    }
    let zone = s[i..].trim_start();
    let offset: i128 = match zone {
        "" | "Z" | "UTC" | "GMT" => 0,
        z => {
            let (sign, rest) = match z.as_bytes()[0] {
                b'+' => (1, &z[1..]),
                b'-' => (-1, &z[1..]),
                _ => return None,
            };
            let digits: String = rest.chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let h: i128 = digits[..2].parse().ok()?;
            let m: i128 = digits[2..].parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    let days = i128::from(days_from_civil(y, mo, d));
    Some((days * 86_400 + secs - offset) * NS + frac)
}

/// Parse a timespan in Puppet's default formats: `D-HH:MM:SS.F`, `HH:MM:SS.F`,
/// `HH:MM:SS`, `MM:SS`... (days optional, fraction optional).
pub(crate) fn parse_timespan(s: &str) -> Option<i128> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (days, rest) = match s.split_once('-') {
        Some((d, r)) => (d.parse::<i128>().ok()?, r),
        None => (0, s),
    };
    let (hms, frac) = match rest.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (rest, None),
    };
    let parts: Vec<i128> = hms
        .split(':')
        .map(|p| p.parse::<i128>().ok())
        .collect::<Option<_>>()?;
    let secs = match parts.as_slice() {
        [h, m, sec] => h * 3600 + m * 60 + sec,
        [m, sec] => m * 60 + sec,
        _ => return None,
    };
    let mut ns = (days * 86_400 + secs) * NS;
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let mut padded = f.to_string();
        padded.truncate(9);
        while padded.len() < 9 {
            padded.push('0');
        }
        ns += padded.parse::<i128>().ok()?;
    }
    Some(if neg { -ns } else { ns })
}

/// The current time, as a Timestamp (`Timestamp()`, `Timestamp.new()`).
pub(crate) fn now() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(timestamp_to_s(0), "1970-01-01T00:00:00.000000000 UTC");
        let t = parse_timestamp("2020-01-01T10:00:00.5+02:00").unwrap();
        assert_eq!(timestamp_to_s(t), "2020-01-01T08:00:00.500000000 UTC");
        assert_eq!(
            parse_timestamp("2020-01-01"),
            parse_timestamp("2020-01-01T00:00:00Z")
        );
        assert!(parse_timestamp("2020-13-01").is_none());
    }

    #[test]
    fn timespans_print_like_puppet() {
        assert_eq!(timespan_to_s(3600 * NS), "0-01:00:00.0");
        assert_eq!(timespan_to_s(90_061 * NS + NS / 2), "1-01:01:01.5");
        assert_eq!(timespan_to_s(-5 * NS), "-0-00:00:05.0");
        assert_eq!(timespan_to_s(NS / 1000), "0-00:00:00.1");
        assert_eq!(parse_timespan("1-01:01:01.5"), Some(90_061 * NS + NS / 2));
    }
}
