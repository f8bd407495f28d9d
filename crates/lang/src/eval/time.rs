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

/// A zone as Puppet's `strftime` takes it (`UTC`, `Z`, `GMT`, `+02:00`, `-0500`): its
/// offset from UTC in seconds and its name for `%Z`.
pub(crate) fn parse_zone(z: &str) -> Option<(i64, String)> {
    match z {
        "" | "Z" | "UTC" | "GMT" | "utc" => return Some((0, "UTC".into())),
        _ => {}
    }
    let (sign, rest) = match z.as_bytes().first()? {
        b'+' => (1, &z[1..]),
        b'-' => (-1, &z[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits[2..].parse().ok()?;
    Some((sign * (h * 3600 + m * 60), String::new()))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Ruby's `Time#strftime` (what Puppet's `Timestamp#format` uses) for the time `ns` seen
/// at `offset` seconds from UTC, named `zone` for `%Z`. Flags (`-`, `_`, `0`, `^`, `#`),
/// widths and `%:z` are honoured; an unknown directive is copied as written, as Ruby does.
pub(crate) fn strftime(ns: i128, fmt: &str, offset: i64, zone: &str) -> String {
    let local = ns + i128::from(offset) * NS;
    let secs = local.div_euclid(NS);
    let frac = local.rem_euclid(NS);
    let days = secs.div_euclid(86_400) as i64;
    let sod = secs.rem_euclid(86_400) as i64;
    let (y, mo, d) = civil_from_days(days);
    let (h, mi, se) = (sod / 3600, sod / 60 % 60, sod % 60);
    let wday = (days + 4).rem_euclid(7);
    let yday = days - days_from_civil(y, 1, 1) + 1;
    let epoch = ns.div_euclid(NS);
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::from("%");
        let (mut pad, mut upper, mut swap) = (None::<char>, false, false);
        while let Some(&f) = chars.peek() {
            match f {
                '-' => pad = Some('-'),
                '_' => pad = Some(' '),
                '0' => pad = Some('0'),
                '^' => upper = true,
                '#' => swap = true,
                _ => break,
            }
            spec.push(f);
            chars.next();
        }
        let mut width = String::new();
        while let Some(&w) = chars.peek().filter(|w| w.is_ascii_digit()) {
            width.push(w);
            spec.push(w);
            chars.next();
        }
        let mut colons = 0;
        while chars.peek() == Some(&':') {
            colons += 1;
            spec.push(':');
            chars.next();
        }
        let width: Option<usize> = width.parse().ok();
        let Some(dir) = chars.next() else {
            out.push_str(&spec);
            break;
        };
        // A number with its default padding character and width.
        let num = |n: i64, defpad: char, defw: usize| -> String {
            let p = pad.unwrap_or(defpad);
            let w = width.unwrap_or(defw);
            let digits = n.abs().to_string();
            let sign = if n < 0 { "-" } else { "" };
            match p {
                '-' => format!("{sign}{digits}"),
                ' ' => format!("{:>w$}", format!("{sign}{digits}"), w = w),
                _ => {
                    let w = w.saturating_sub(sign.len());
                    format!("{sign}{digits:0>w$}")
                }
            }
        };
        let text = |t: &str, case_swap_lower: bool| -> String {
            let t = if upper || (swap && !case_swap_lower) {
                t.to_uppercase()
            } else if swap {
                t.to_lowercase()
            } else {
                t.to_string()
            };
            match width {
                Some(w) if pad == Some('0') => format!("{t:0>w$}"),
                Some(w) => format!("{t:>w$}"),
                None => t,
            }
        };
        let piece = match dir {
            'Y' => num(y, '0', if y < 0 { 5 } else { 4 })
                .trim_start_matches(' ')
                .to_string(),
            'C' => num(y.div_euclid(100), '0', 2),
            'y' => num(y.rem_euclid(100), '0', 2),
            'm' => num(i64::from(mo), '0', 2),
            'B' => text(MONTHS[mo as usize - 1], false),
            'b' | 'h' => text(&MONTHS[mo as usize - 1][..3], false),
            'd' => num(i64::from(d), '0', 2),
            'e' => num(i64::from(d), ' ', 2),
            'j' => num(yday, '0', 3),
            'H' => num(h, '0', 2),
            'k' => num(h, ' ', 2),
            'I' => num((h + 11) % 12 + 1, '0', 2),
            'l' => num((h + 11) % 12 + 1, ' ', 2),
            'P' => text(if h < 12 { "am" } else { "pm" }, false),
            'p' => text(if h < 12 { "AM" } else { "PM" }, true),
            'M' => num(mi, '0', 2),
            'S' => num(se, '0', 2),
            'L' | 'N' => {
                let w = width.unwrap_or(if dir == 'L' { 3 } else { 9 });
                let mut f = format!("{frac:09}");
                while f.len() < w {
                    f.push('0');
                }
                f.truncate(w);
                f
            }
            'z' => {
                let sign = if offset < 0 { '-' } else { '+' };
                let a = offset.abs();
                let (oh, om, os) = (a / 3600, a / 60 % 60, a % 60);
                match colons {
                    0 => format!("{sign}{oh:02}{om:02}"),
                    1 => format!("{sign}{oh:02}:{om:02}"),
                    _ => format!("{sign}{oh:02}:{om:02}:{os:02}"),
                }
            }
            'Z' => text(zone, true),
            'A' => text(DAYS[wday as usize], false),
            'a' => text(&DAYS[wday as usize][..3], false),
            'u' => num(if wday == 0 { 7 } else { wday }, '0', 1),
            'w' => num(wday, '0', 1),
            'U' => num((yday + 6 - wday) / 7, '0', 2),
            'W' => num((yday + 6 - (wday + 6) % 7) / 7, '0', 2),
            's' => num(epoch as i64, '0', 1),
            'Q' => num((ns.div_euclid(1_000_000)) as i64, '0', 1),
            'n' => "\n".to_string(),
            't' => "\t".to_string(),
            '%' => "%".to_string(),
            'F' => strftime(ns, "%Y-%m-%d", offset, zone),
            'D' | 'x' => strftime(ns, "%m/%d/%y", offset, zone),
            'T' | 'X' => strftime(ns, "%H:%M:%S", offset, zone),
            'R' => strftime(ns, "%H:%M", offset, zone),
            'r' => strftime(ns, "%I:%M:%S %p", offset, zone),
            'c' => strftime(ns, "%a %b %e %H:%M:%S %Y", offset, zone),
            'v' => strftime(ns, "%e-%^b-%4Y", offset, zone),
            '+' => strftime(ns, "%a %b %e %H:%M:%S %Z %Y", offset, zone),
            other => {
                spec.push(other);
                spec
            }
        };
        out.push_str(&piece);
    }
    out
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

    #[test]
    fn strftime_writes_what_ruby_writes() {
        // 2021-03-04T05:06:07.089 UTC, a Thursday.
        let t = parse_timestamp("2021-03-04T05:06:07.089").unwrap();
        let f = |fmt: &str| strftime(t, fmt, 0, "UTC");
        assert_eq!(f("%s"), "1614834367");
        assert_eq!(f("%F %T.%L %z %Z"), "2021-03-04 05:06:07.089 +0000 UTC");
        assert_eq!(f("%a %A %b %B %j %u %w"), "Thu Thursday Mar March 063 4 4");
        assert_eq!(
            f("%-d|%e|%_m|%3N|%I%p|%^a|%%|%q"),
            "4| 4| 3|089|05AM|THU|%|%q"
        );
        assert_eq!(strftime(t, "%H:%M %:z", 7200, ""), "07:06 +02:00");
    }
}
