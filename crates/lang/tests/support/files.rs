//! Finding the Puppet sources the parser tests read, for the test binaries that include it.

use std::path::{Path, PathBuf};

/// Every file below `dir` whose extension is one of `exts`, in no particular order; build
/// output, git's folder, fuzz corpora and folders named in `skip` are passed over.
pub(crate) fn files_below(dir: &Path, exts: &[&str], skip: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if p.is_dir() {
            if !["target", ".git", "fuzz"].contains(&name.as_ref())
                && !skip.contains(&name.as_ref())
            {
                files_below(&p, exts, skip, out);
            }
        } else if p.extension().is_some_and(|x| exts.iter().any(|e| x == *e)) {
            out.push(p);
        }
    }
}
