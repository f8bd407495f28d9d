//! The catalog last applied on this host, kept so that `converge doctor` can check the host
//! against it with no manifest at hand (a host converged over SSH with `apply --catalog -`
//! has none).
//!
//! Written atomically (a temporary file in the same directory, synced, then renamed), so a
//! reader never sees half a catalog; mode 0600. It keeps no secret: every `Sensitive` value
//! is saved as a salted digest ([`Catalog::redacted`]), enough for `doctor` to tell whether
//! a file still holds it, and a catalog with digests in it cannot be applied.

use converge_catalog::Catalog;
use std::path::{Path, PathBuf};

/// Where `converge apply` keeps the catalog it applied.
pub const DEFAULT_APPLIED_CATALOG: &str = "/var/lib/converge/catalog.json";

/// The applied catalog could not be saved or loaded.
#[derive(Debug, thiserror::Error)]
pub enum AppliedCatalogError {
    /// Nothing has been applied on this host yet.
    #[error("no catalog has been applied on this host ({path} does not exist)")]
    Missing {
        /// The file looked for.
        path: PathBuf,
    },
    /// The file exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a catalog (written by another version, or by hand).
    #[error("{}:{}:{}: not a catalog: {}", path.display(), source.line(), source.column(), converge_catalog::json_error_message(source))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The JSON error (it knows the line and column).
        source: serde_json::Error,
    },
    /// The catalog could not be written.
    #[error("cannot save the applied catalog to {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The catalog could not be written (a full disk, a read-only file system).
    #[error("cannot save the applied catalog: {0}")]
    WriteFile(#[from] converge_providers::ProviderError),
}

/// Save `catalog` as the one applied on this host, replacing the previous one atomically.
/// An identical file is left alone, so a run that changes nothing writes nothing.
pub fn save_applied(catalog: &Catalog, path: &Path) -> Result<(), AppliedCatalogError> {
    let json = catalog.redacted().to_json();
    if std::fs::read(path).is_ok_and(|old| old == json.as_bytes()) {
        return Ok(());
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| AppliedCatalogError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    // Beside it, created 0600 with O_EXCL (or unnamed), renamed over it, removed if
    // anything fails first.
    let spec = converge_providers::fsutil::WriteSpec {
        mode: 0o600,
        ..Default::default()
    };
    converge_providers::fsutil::write_private(path, json.as_bytes(), &spec)?;
    Ok(())
}

/// Load the catalog last applied on this host.
pub fn load_applied(path: &Path) -> Result<Catalog, AppliedCatalogError> {
    let text = std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            AppliedCatalogError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            AppliedCatalogError::Read {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    Catalog::from_json(&text).map_err(|source| AppliedCatalogError::Invalid {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use converge_catalog::{Resource, Value};
    use std::os::unix::fs::PermissionsExt;

    fn catalog() -> Catalog {
        let mut c = Catalog::new("web-01");
        let mut r = Resource::new("http_check", "home");
        r.params
            .insert("url".into(), Value::String("http://127.0.0.1/".into()));
        c.resources.push(r);
        c
    }

    #[test]
    fn a_saved_catalog_loads_back_equal_and_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("var/lib/converge/catalog.json");
        save_applied(&catalog(), &path).expect("saved");
        assert_eq!(load_applied(&path).expect("loaded"), catalog());
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "Sensitive values stay private");
        // The same catalog again: the file is not rewritten.
        let ino = |p: &Path| {
            std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).expect("metadata"))
        };
        let first = ino(&path);
        save_applied(&catalog(), &path).expect("saved again");
        assert_eq!(ino(&path), first, "an identical catalog is left alone");
        // Another one replaces it and leaves no temporary file behind.
        let mut other = catalog();
        other.node = "lb-01".into();
        save_applied(&other, &path).expect("saved again");
        assert_eq!(load_applied(&path).expect("loaded").node, "lb-01");
        let names: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
            .expect("listing")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["catalog.json"]);
    }

    #[test]
    fn a_saved_catalog_keeps_a_digest_of_each_secret_and_never_the_secret() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("catalog.json");
        let mut c = catalog();
        let mut f = Resource::new("file", "/etc/app/db.conf");
        f.params.insert(
            "content".into(),
            Value::Sensitive(Box::new("password=hunter2\n".into())),
        );
        c.resources.push(f);
        save_applied(&c, &path).expect("saved");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(!text.contains("hunter2"), "{text}");
        let back = load_applied(&path).expect("loaded");
        assert!(back.has_redacted());
        let Some(Value::Redacted(d)) = back.resources[1].param("content") else {
            panic!("a digest in {text}");
        };
        assert!(d.matches(b"password=hunter2\n"));
    }

    #[test]
    fn a_missing_catalog_is_told_apart_from_a_broken_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("catalog.json");
        assert!(matches!(
            load_applied(&path),
            Err(AppliedCatalogError::Missing { .. })
        ));
        std::fs::write(&path, "{\"node\": \"x\",\n \"resources\": 7}").expect("write");
        let e = load_applied(&path).expect_err("invalid");
        assert!(matches!(e, AppliedCatalogError::Invalid { .. }));
        assert_eq!(
            e.to_string(),
            format!(
                "{}:2:15: not a catalog: invalid type: integer `7`, expected a sequence",
                path.display()
            )
        );
    }
}
