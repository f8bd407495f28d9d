//! Core Puppet's `strftime` (stdlib's modules call it): Timestamps with Ruby's
//! directives, Timespans with Puppet's `%D %H %M %S %L %N`.

use crate::ast::{Lambda, Span};
use crate::eval::time::{civil_from_days, days_from_civil};
use crate::eval::value::Val;
use crate::eval::{Compiler, R};

const NS: i128 = 1_000_000_000;
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
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

/// A directive's flags and width (`%-d`, `%_3H`, `%^a`).
#[derive(Default)]
struct Spec {
    pad: Option<char>,
    upper: bool,
    width: Option<usize>,
    colons: usize,
}

impl Spec {
    fn num(&self, n: i128, width: usize, pad: char) -> String {
        let pad = self.pad.unwrap_or(pad);
        let w = self.width.unwrap_or(width);
        let s = n.abs().to_string();
        let sign = if n < 0 { "-" } else { "" };
        if pad == '-' || s.len() + sign.len() >= w {
            return format!("{sign}{s}");
        }
        let fill = pad.to_string().repeat(w - s.len() - sign.len());
        if pad == '0' {
            format!("{sign}{fill}{s}")
        } else {
            format!("{fill}{sign}{s}")
        }
    }

    fn text(&self, s: &str) -> String {
        let s = if self.upper {
            s.to_uppercase()
        } else {
            s.to_string()
        };
        match self.width {
            Some(w) if s.chars().count() < w => {
                let pad = match self.pad {
                    Some('0') => '0',
                    _ => ' ',
                };
                format!("{}{s}", pad.to_string().repeat(w - s.chars().count()))
            }
            _ => s,
        }
    }
}

/// Split a format into literal text and directives.
fn walk(
    fmt: &str,
    mut f: impl FnMut(&Spec, char, &mut String) -> Result<(), String>,
) -> Result<String, String> {
    let cs: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < cs.len() {
        if cs[i] != '%' || i + 1 == cs.len() {
            out.push(cs[i]);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let mut spec = Spec::default();
        while i < cs.len() && "-_0^#".contains(cs[i]) {
            match cs[i] {
                '^' => spec.upper = true,
                '#' => {}
                '_' => spec.pad = Some(' '),
                c => spec.pad = Some(c),
            }
            i += 1;
        }
        let mut w = String::new();
        while i < cs.len() && cs[i].is_ascii_digit() {
            w.push(cs[i]);
            i += 1;
        }
        spec.width = w.parse().ok();
        while i < cs.len() && cs[i] == ':' {
            spec.colons += 1;
            i += 1;
        }
        let Some(&d) = cs.get(i) else {
            out.extend(&cs[start..]);
            break;
        };
        i += 1;
        let before = out.len();
        if f(&spec, d, &mut out).is_err() {
            out.truncate(before);
            out.extend(&cs[start..i]);
        }
    }
    Ok(out)
}

/// A Timestamp (ns since the epoch) in a zone `offset` seconds east of UTC.
fn format_timestamp(ns: i128, offset: i64, zone: &str, fmt: &str) -> Result<String, String> {
    let local = ns + i128::from(offset) * NS;
    let secs = local.div_euclid(NS);
    let frac = local.rem_euclid(NS);
    let days = secs.div_euclid(86_400) as i64;
    let sod = secs.rem_euclid(86_400) as i64;
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (sod / 3600, sod / 60 % 60, sod % 60);
    let wday = (days + 4).rem_euclid(7) as usize;
    let yday = days - days_from_civil(y, 1, 1) + 1;
    let h12 = if hh % 12 == 0 { 12 } else { hh % 12 };
    let one = |f: &str| format_timestamp(ns, offset, zone, f);
    walk(fmt, |s, d_, out| {
        let n = |v: i64, w: usize| s.num(i128::from(v), w, '0');
        let piece = match d_ {
            'Y' => s.num(i128::from(y), 1, '0'),
            'C' => n(y.div_euclid(100), 2),
            'y' => n(y.rem_euclid(100), 2),
            'm' => n(i64::from(m), 2),
            'B' => s.text(MONTHS[m as usize - 1]),
            'b' | 'h' => s.text(&MONTHS[m as usize - 1][..3]),
            'd' => n(i64::from(d), 2),
            'e' => s.num(i128::from(d), 2, ' '),
            'j' => n(yday, 3),
            'H' => n(hh, 2),
            'k' => s.num(i128::from(hh), 2, ' '),
            'I' => n(h12, 2),
            'l' => s.num(i128::from(h12), 2, ' '),
            'P' => s.text(if hh < 12 { "am" } else { "pm" }),
            'p' => s.text(if hh < 12 { "AM" } else { "PM" }),
            'M' => n(mm, 2),
            'S' => n(ss, 2),
            'L' | 'N' => {
                let w = s.width.unwrap_or(if d_ == 'L' { 3 } else { 9 });
                let digits = format!("{frac:09}");
                if w <= 9 {
                    digits[..w].to_string()
                } else {
                    format!("{digits}{}", "0".repeat(w - 9))
                }
            }
            'z' => {
                let sign = if offset < 0 { '-' } else { '+' };
                let a = offset.abs();
                match s.colons {
                    0 => format!("{sign}{:02}{:02}", a / 3600, a / 60 % 60),
                    1 => format!("{sign}{:02}:{:02}", a / 3600, a / 60 % 60),
                    _ => format!("{sign}{:02}:{:02}:{:02}", a / 3600, a / 60 % 60, a % 60),
                }
            }
            'Z' => s.text(zone),
            'A' => s.text(DAYS[wday]),
            'a' => s.text(&DAYS[wday][..3]),
            'u' => n(if wday == 0 { 7 } else { wday as i64 }, 1),
            'w' => n(wday as i64, 1),
            // Weeks of the year: Sunday first (`%U`), Monday first (`%W`); days before
            // the first such day are week 0.
            'U' => n((yday - 1 + 7 - wday as i64) / 7, 2),
            'W' => n((yday - 1 + 7 - (wday as i64 + 6) % 7) / 7, 2),
            'V' | 'G' | 'g' => {
                let (iso_year, week) = iso_week(y, yday, wday as i64);
                match d_ {
                    'V' => n(week, 2),
                    'G' => s.num(i128::from(iso_year), 1, '0'),
                    _ => n(iso_year.rem_euclid(100), 2),
                }
            }
            's' => s.num(ns.div_euclid(NS), 1, '0'),
            'n' => "\n".into(),
            't' => "\t".into(),
            '%' => "%".into(),
            'c' => one("%a %b %e %H:%M:%S %Y")?,
            'D' | 'x' => one("%m/%d/%y")?,
            'F' => one("%Y-%m-%d")?,
            'T' | 'X' => one("%H:%M:%S")?,
            'R' => one("%H:%M")?,
            'r' => one("%I:%M:%S %p")?,
            _ => return Err(String::new()),
        };
        out.push_str(&piece);
        Ok(())
    })
}

/// The ISO 8601 year and week (`%G`, `%V`) of day `yday` (1-based) of year `y`, whose
/// weekday is `wday` (0 = Sunday).
fn iso_week(y: i64, yday: i64, wday: i64) -> (i64, i64) {
    let weeks = |y: i64| {
        let p =
            |y: i64| (y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400)).rem_euclid(7);
        if p(y) == 4 || p(y - 1) == 3 {
            53
        } else {
            52
        }
    };
    let iso_wday = (wday + 6) % 7 + 1;
    let week = (yday - iso_wday + 10) / 7;
    if week < 1 {
        (y - 1, weeks(y - 1))
    } else if week > weeks(y) {
        (y + 1, 1)
    } else {
        (y, week)
    }
}

/// A Timespan with Puppet's directives: the largest unit in the format takes the rest.
fn format_timespan(ns: i128, fmt: &str) -> Result<String, String> {
    let neg = ns < 0;
    let a = ns.abs();
    let mut present = Vec::new();
    walk(fmt, |_, d, _| {
        present.push(d);
        Ok(())
    })?;
    let has = |c: char| present.contains(&c);
    let units: [(char, i128); 6] = [
        ('D', 86_400 * NS),
        ('H', 3600 * NS),
        ('M', 60 * NS),
        ('S', NS),
        ('L', 1_000_000),
        ('N', 1),
    ];
    let largest = units.iter().position(|(c, _)| has(*c)).unwrap_or(5);
    let value = |c: char| -> i128 {
        let i = units.iter().position(|(u, _)| *u == c).unwrap_or(5);
        let total = a / units[i].1;
        if i == largest {
            total
        } else {
            total % (units[i - 1].1 / units[i].1)
        }
    };
    let mut first = true;
    walk(fmt, |s, d, out| {
        let v = match d {
            'D' => s.num(value('D'), 1, '0'),
            'H' => s.num(value('H'), 2, '0'),
            'M' => s.num(value('M'), 2, '0'),
            'S' => s.num(value('S'), 2, '0'),
            'L' => s.num(value('L'), 3, '0'),
            'N' => s.num(value('N'), 9, '0'),
            '%' => "%".into(),
            _ => return Err(String::new()),
        };
        if neg && first && d != '%' {
            out.push('-');
        }
        first = false;
        out.push_str(&v);
        Ok(())
    })
}

/// A zone name or offset: seconds east of UTC and the name `%Z` prints.
fn zone(z: &str) -> Option<(i64, String)> {
    match z {
        "UTC" | "utc" | "Z" | "GMT" => return Some((0, "UTC".into())),
        _ => {}
    }
    let (sign, rest) = match z.chars().next()? {
        '+' => (1, &z[1..]),
        '-' => (-1, &z[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits[2..].parse().ok()?;
    // Ruby prints no name for a bare offset.
    Some((sign * (h * 3600 + m * 60), String::new()))
}

pub(super) fn strftime(c: &mut Compiler, args: Vec<Val>, _: Option<&Lambda>, span: Span) -> R<Val> {
    let sigs = |got: &Val| {
        let t = got.type_name();
        format!(
            "The function 'strftime' was called with arguments it does not accept. It expects one of:\n  (Timespan time_object, String format)\n    rejected: parameter 'time_object' expects a Timespan value, got {t}\n  (Timestamp time_object, String format, String timezone?)\n    rejected: parameter 'time_object' expects a Timestamp value, got {t}\n  (String format, String timezone?)\n    rejected: parameter 'format' expects a String value, got {t}"
        )
    };
    let result = match (args.first(), args.get(1), args.get(2)) {
        (Some(Val::Timespan(ns)), Some(Val::Str(f)), None) => format_timespan(*ns, f),
        (Some(Val::Timestamp(ns)), Some(Val::Str(f)), z) => {
            let (off, name) = match z {
                None => (0, "UTC".to_string()),
                Some(Val::Str(z)) => match zone(z) {
                    Some(x) => x,
                    None => {
                        return Err(c.stdlib_err(
                            format!("strftime(): converge reads zones as UTC or an offset (+01:00), not '{z}'"),
                            span,
                        ))
                    }
                },
                Some(v) => return Err(c.stdlib_err(sigs(v), span)),
            };
            format_timestamp(*ns, off, &name, f)
        }
        (Some(Val::Str(_)), _, _) => {
            return Err(c.err_hint(
                "clock",
                "strftime(format) formats the current time, which converge does not read while compiling",
                "pass a Timestamp: strftime(Timestamp('2024-01-01T00:00:00 UTC'), format)",
                span,
            ))
        }
        (Some(v), _, _) => return Err(c.stdlib_err(sigs(v), span)),
        (None, _, _) => return Err(c.stdlib_err("'strftime' expects between 1 and 3 arguments, got none", span)),
    };
    match result {
        Ok(s) => Ok(Val::Str(s)),
        Err(e) => Err(c.stdlib_err(e, span)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strftime_writes_what_ruby_writes() {
        // 2021-03-04T05:06:07.089 UTC, a Thursday.
        let t = crate::eval::time::parse_timestamp("2021-03-04T05:06:07.089").unwrap();
        let f = |fmt: &str| format_timestamp(t, 0, "UTC", fmt).unwrap();
        assert_eq!(f("%s"), "1614834367");
        assert_eq!(f("%F %T.%L %z %Z"), "2021-03-04 05:06:07.089 +0000 UTC");
        assert_eq!(f("%a %A %b %B %j %u %w"), "Thu Thursday Mar March 063 4 4");
        assert_eq!(
            f("%-d|%e|%_m|%3N|%I%p|%^a|%%|%q"),
            "4| 4| 3|089|05AM|THU|%|%q"
        );
        assert_eq!(
            format_timestamp(t, 7200, "", "%H:%M %:z").unwrap(),
            "07:06 +02:00"
        );
    }
}
