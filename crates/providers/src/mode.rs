//! File modes: numeric (`'0644'`) and symbolic (`'u=rw,go=r'`), resolved against the current mode.
//!
//! Puppet keeps a symbolic mode relative: `g+w` only adds a bit, so the wanted mode depends on
//! what is there. Both forms resolve here to one number so that the file provider compares and
//! reports plain octal modes (`mode changed '0644' to '0600'`).

/// One clause of a symbolic mode: who, what operation, which permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    who: u32,
    op: char,
    perms: String,
}

/// Parse a symbolic mode (`u=rwx,g+r,o-w`, `a+X`); `None` when it is not one.
pub fn parse_symbolic(mode: &str) -> Option<Vec<Clause>> {
    if mode.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for part in mode.split(',') {
        let op_at = part.find(['=', '+', '-'])?;
        let (who_s, rest) = part.split_at(op_at);
        let mut who = 0;
        for c in who_s.chars() {
            who |= match c {
                'u' => 0o4700,
                'g' => 0o2070,
                'o' => 0o1007,
                'a' => 0o7777,
                _ => return None,
            };
        }
        if who == 0 {
            who = 0o7777;
        }
        let mut chars = rest.chars();
        let op = chars.next()?;
        let perms: String = chars.collect();
        if !perms.chars().all(|c| "rwxXst".contains(c)) {
            return None;
        }
        out.push(Clause { who, op, perms });
    }
    Some(out)
}

/// The permission bits a clause names, before masking by who.
fn bits(perms: &str, current: u32, is_dir: bool) -> u32 {
    let mut b = 0;
    for c in perms.chars() {
        b |= match c {
            'r' => 0o444,
            'w' => 0o222,
            'x' => 0o111,
            // X: execute only for directories or files already executable by someone.
            'X' if is_dir || current & 0o111 != 0 => 0o111,
            's' => 0o6000,
            't' => 0o1000,
            _ => 0,
        };
    }
    b
}

/// Resolve a mode attribute against the current mode (`None` when the file does not exist
/// yet). Numeric modes are absolute; symbolic ones apply to the current mode, or to 0 for a
/// new file. Returns `None` for an invalid mode.
pub fn resolve(mode: &str, current: Option<u32>, is_dir: bool) -> Option<u32> {
    if !mode.is_empty() && mode.len() <= 4 && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return u32::from_str_radix(mode, 8).ok();
    }
    let clauses = parse_symbolic(mode)?;
    let mut m = current.unwrap_or(0) & 0o7777;
    for c in clauses {
        let b = bits(&c.perms, m, is_dir) & c.who;
        match c.op {
            '=' => m = (m & !(c.who & 0o777)) | b,
            '+' => m |= b,
            '-' => m &= !b,
            _ => return None,
        }
    }
    Some(m)
}

/// Puppet's four-digit octal form (`0644`).
pub fn format(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_and_symbolic_resolve_to_the_same_numbers() {
        assert_eq!(resolve("0644", Some(0o777), false), Some(0o644));
        assert_eq!(resolve("u=rw,go=r", None, false), Some(0o644));
        assert_eq!(resolve("g+w", Some(0o644), false), Some(0o664));
        assert_eq!(resolve("o-r", Some(0o644), false), Some(0o640));
        assert_eq!(resolve("a+X", Some(0o644), true), Some(0o755));
        assert_eq!(resolve("a+X", Some(0o644), false), Some(0o644));
        assert_eq!(resolve("u=rwx,g=rx,o=", Some(0o600), false), Some(0o750));
        assert_eq!(resolve("bogus", None, false), None);
        assert_eq!(format(0o644), "0644");
    }
}
