//! `cargo xtask nginx-directives SRC`: regenerate `crates/nginx/src/directives/table.rs`
//! from nginx's own source (`SRC` = an unpacked nginx source tree, e.g. Debian's
//! `nginx_1.22.1.orig.tar.gz`, which `apt-get source nginx` fetches).
//!
//! It reads every `ngx_command_t` array (`{ ngx_string("name"), FLAGS, ...}`) of the modules
//! Debian 12's nginx package builds (its `nginx -V` configure arguments: the default modules
//! plus ssl, v2, realip, auth_request, dav, slice, addition, flv, gunzip, gzip_static, mp4,
//! random_index, secure_link, sub, stub_status, threads; dynamic: geoip, image_filter, perl,
//! xslt, mail, stream), and writes each directive's name, module, family and flag bits.
//! Directives under `#if` are all kept (Debian's build enables SSL, PCRE, threads, caching,
//! gzip and file AIO); modules Debian does not build (degradation, google_perftools,
//! devpoll, eventport, kqueue) are skipped.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Source files of modules Debian's nginx does not build.
const SKIPPED: &[&str] = &[
    "ngx_http_degradation_module.c",
    "ngx_google_perftools_module.c",
    "ngx_devpoll_module.c",
    "ngx_eventport_module.c",
    "ngx_kqueue_module.c",
];

/// Debian builds these as loadable modules (packages `libnginx-mod-*`).
const DYNAMIC: &[&str] = &[
    "ngx_http_geoip_module.c",
    "ngx_http_image_filter_module.c",
    "ngx_http_xslt_filter_module.c",
    "ngx_http_perl_module.c",
    "ngx_stream_geoip_module.c",
];

fn flag_value(name: &str) -> Option<u32> {
    Some(match name {
        "NGX_CONF_NOARGS" => 0x1,
        "NGX_CONF_TAKE1" => 0x2,
        "NGX_CONF_TAKE2" => 0x4,
        "NGX_CONF_TAKE3" => 0x8,
        "NGX_CONF_TAKE4" => 0x10,
        "NGX_CONF_TAKE5" => 0x20,
        "NGX_CONF_TAKE6" => 0x40,
        "NGX_CONF_TAKE7" => 0x80,
        "NGX_CONF_TAKE12" => 0x2 | 0x4,
        "NGX_CONF_TAKE13" => 0x2 | 0x8,
        "NGX_CONF_TAKE23" => 0x4 | 0x8,
        "NGX_CONF_TAKE123" => 0x2 | 0x4 | 0x8,
        "NGX_CONF_TAKE1234" => 0x2 | 0x4 | 0x8 | 0x10,
        "NGX_CONF_BLOCK" => 0x100,
        "NGX_CONF_FLAG" => 0x200,
        "NGX_CONF_ANY" => 0x400,
        "NGX_CONF_1MORE" => 0x800,
        "NGX_CONF_2MORE" => 0x1000,
        "NGX_DIRECT_CONF" => 0x10000,
        "NGX_MAIN_CONF" => 0x0100_0000,
        "NGX_ANY_CONF" => 0xFF00_0000,
        "NGX_EVENT_CONF" | "NGX_HTTP_MAIN_CONF" | "NGX_MAIL_MAIN_CONF" | "NGX_STREAM_MAIN_CONF" => {
            0x0200_0000
        }
        "NGX_HTTP_SRV_CONF" | "NGX_MAIL_SRV_CONF" | "NGX_STREAM_SRV_CONF" => 0x0400_0000,
        "NGX_HTTP_LOC_CONF" | "NGX_STREAM_UPS_CONF" => 0x0800_0000,
        "NGX_HTTP_UPS_CONF" => 0x1000_0000,
        "NGX_HTTP_SIF_CONF" => 0x2000_0000,
        "NGX_HTTP_LIF_CONF" => 0x4000_0000,
        "NGX_HTTP_LMT_CONF" => 0x8000_0000,
        _ => return None,
    })
}

/// The module family of a source file: which configuration contexts its flag bits mean.
fn family(rel: &str, flags: u32) -> &'static str {
    if flags & 0xFF00_0000 == 0xFF00_0000 {
        return "Conf";
    }
    if flags & 0x0100_0000 != 0 {
        return "Core";
    }
    match rel.split('/').nth(1) {
        Some("event") => "Event",
        Some("http") => "Http",
        Some("mail") => "Mail",
        Some("stream") => "Stream",
        _ => "Core",
    }
}

/// Every `{ ngx_string("name"), FLAGS,` in a file.
fn commands(text: &str) -> Vec<(String, u32, Vec<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("ngx_string(\"") {
        let after = &rest[i + "ngx_string(\"".len()..];
        rest = after;
        let Some(end) = after.find('"') else { break };
        let name = &after[..end];
        let tail = after[end + 1..].trim_start();
        let Some(tail) = tail.strip_prefix("),") else {
            continue;
        };
        // The flags run to the next comma.
        let Some(comma) = tail.find(',') else {
            continue;
        };
        let expr = &tail[..comma];
        let parts: Vec<String> = expr
            .split('|')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() || !parts.iter().all(|p| p.starts_with("NGX_")) {
            continue;
        }
        let mut flags = 0;
        let mut ok = true;
        for p in &parts {
            match flag_value(p) {
                Some(v) => flags |= v,
                None => ok = false,
            }
        }
        if ok {
            out.push((name.to_string(), flags, parts));
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "c") {
            out.push(p);
        }
    }
}

/// Writes the table; returns how many directives it holds.
pub(crate) fn generate(src: &Path, out: &Path) -> Result<usize, String> {
    let version = std::fs::read_to_string(src.join("src/core/nginx.h"))
        .map_err(|e| format!("{}: {e} (not an nginx source tree?)", src.display()))?
        .lines()
        .find_map(|l| l.strip_prefix("#define NGINX_VERSION"))
        .map(|v| v.trim().trim_matches('"').to_string())
        .ok_or("no NGINX_VERSION in src/core/nginx.h")?;
    let mut files = Vec::new();
    for sub in [
        "src/core",
        "src/event",
        "src/http",
        "src/mail",
        "src/stream",
    ] {
        walk(&src.join(sub), &mut files);
    }
    files.sort();
    // (name, family, module, flags) -> dynamic; entries are never merged: `server` of the
    // core module (a block in http) and of the upstream module (`server addr;` in an
    // upstream) are two directives of one name.
    let mut table: BTreeMap<(String, &'static str, String, u32), bool> = BTreeMap::new();
    for f in files {
        let file = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if SKIPPED.contains(&file.as_str()) {
            continue;
        }
        let rel = f
            .strip_prefix(src)
            .unwrap_or(&f)
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        if !text.contains("ngx_command_t") {
            continue;
        }
        let module = file.trim_end_matches(".c").to_string();
        let dynamic = DYNAMIC.contains(&file.as_str())
            || rel.starts_with("src/mail")
            || rel.starts_with("src/stream");
        for (name, flags, _) in commands(&text) {
            let fam = family(&rel, flags);
            table.insert((name, fam, module.clone(), flags), dynamic);
        }
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// @generated by `cargo xtask nginx-directives` from nginx {version}'s source: the\n\
         // `ngx_command_t` tables of the modules Debian 12's nginx builds. Do not edit.\n\n\
         use super::{{Family, Spec}};\n\n\
         /// The nginx version the table was read from.\n\
         pub const NGINX_VERSION: &str = \"{version}\";\n\n\
         /// Every directive: name, module family, nginx's flag bits, module, whether Debian\n\
         /// builds its module as a loadable one (`libnginx-mod-*`). Sorted by name.\n\
         pub static TABLE: &[Spec] = &["
    );
    let n = table.len();
    for ((name, fam, module, flags), dynamic) in table {
        let _ = writeln!(
            s,
            // debug-format: writes Rust source; `:?` makes the string literals.
            "    Spec {{ name: {name:?}, family: Family::{fam}, flags: 0x{flags:08x}, module: {module:?}, dynamic: {dynamic} }},"
        );
    }
    s.push_str("];\n");
    std::fs::write(out, s).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(n)
}
