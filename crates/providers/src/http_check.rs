//! The `http_check` provider: a read-only HTTP request whose answer must match the manifest.
//!
//! It changes nothing. `inspect` performs the request (with bounded retries), `plan` returns
//! no change when the answer matches and an error when it does not, so a failed check is a
//! failed resource and the engine skips its dependents. The failure message carries the
//! layer-by-layer diagnosis of [`crate::diagnose`].
//!
//! Plain `http://` only, through a small HTTP/1.1 client over `std::net::TcpStream`; host
//! names resolve through std's resolver (so `/etc/hosts`).

use crate::context::Context;
use crate::diagnose;
use crate::provider::{Change, Event, Provider, ProviderError, State};
use converge_catalog::{Resource, Value};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The longest total wait a check may ask for, so a typo cannot hang a run.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(300);

/// What a check asks for, read from its resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// Host name or address to connect to.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Request path, starting with `/`.
    pub path: String,
    /// Acceptable status codes (default 200).
    pub statuses: Vec<u16>,
    /// Text the body must contain.
    pub body: Option<String>,
    /// Response headers that must have these values (names case-insensitive).
    pub headers: Vec<(String, String)>,
    /// Extra attempts after the first failure.
    pub retries: u32,
    /// Bound on the whole check, all attempts included.
    pub timeout: Duration,
    /// Pause between attempts.
    pub interval: Duration,
    /// The service the check requires (`require => Service['nginx']`), if any.
    pub service: Option<String>,
}

impl Spec {
    /// The URL, for messages.
    pub fn url(&self) -> String {
        format!("http://{}:{}{}", self.host, self.port, self.path)
    }
}

/// An HTTP response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers in order (names as sent).
    pub headers: Vec<(String, String)>,
    /// Body, lossily decoded.
    pub body: String,
}

impl Response {
    /// A header's value, its name compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Split `http://host[:port][/path]` into its parts.
pub fn parse_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("only http:// URLs are supported, not '{url}'"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("invalid port '{p}' in '{url}'"))?,
        ),
        _ => (authority, 80),
    };
    if host.is_empty() {
        return Err(format!("no host in '{url}'"));
    }
    Ok((
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        port,
        path.to_string(),
    ))
}

fn int(v: &Value) -> Option<i64> {
    match v.unwrap_sensitive() {
        Value::Integer(i) => Some(*i),
        Value::Float(f) => Some(*f as i64),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn seconds(v: &Value) -> Option<Duration> {
    let f = match v.unwrap_sensitive() {
        Value::Integer(i) => *i as f64,
        Value::Float(f) => *f,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    // try_: a finite number of seconds can still be more than a Duration holds (1e300
    // from a hostile catalog panicked `validate`; fuzzing found it).
    (f.is_finite() && f >= 0.0)
        .then(|| Duration::try_from_secs_f64(f).map_or(MAX_TIMEOUT, |d| d.min(MAX_TIMEOUT)))
}

/// The service a resource requires, from `require`/`subscribe` references to `Service[...]`.
fn required_service(r: &Resource) -> Option<String> {
    ["require", "subscribe"]
        .iter()
        .filter_map(|m| r.param(m))
        .flat_map(|v| v.as_list())
        .find_map(|v| match v {
            Value::Ref(rr) if rr.type_name.eq_ignore_ascii_case("service") => {
                Some(rr.title.clone())
            }
            Value::String(s) => s
                .strip_prefix("Service[")
                .and_then(|s| s.strip_suffix(']'))
                .map(|t| t.trim_matches(|c| c == '\'' || c == '"').to_string()),
            _ => None,
        })
}

/// Read a check's attributes.
pub fn spec(r: &Resource) -> Result<Spec, ProviderError> {
    let (host, port, path) = if let Some(url) = r.param_str("url") {
        parse_url(url).map_err(ProviderError::Invalid)?
    } else {
        let host = r
            .param_str("host")
            .map(str::to_string)
            .or_else(|| {
                let t = r.name_or_title("name");
                t.starts_with("http://").then(|| t.to_string())
            })
            .ok_or_else(|| ProviderError::Invalid("http_check needs url or host".into()))?;
        if host.starts_with("http://") {
            parse_url(&host).map_err(ProviderError::Invalid)?
        } else {
            let port = match r.param("port").map(int) {
                Some(Some(p)) => u16::try_from(p)
                    .map_err(|_| ProviderError::Invalid(format!("invalid port {p}")))?,
                Some(None) => return Err(ProviderError::Invalid("invalid port".into())),
                None => 80,
            };
            let path = r.param_str("path").unwrap_or("/").to_string();
            (host, port, path)
        }
    };
    let statuses = match r.param("status") {
        None => vec![200],
        Some(v) => v
            .as_list()
            .into_iter()
            .map(|s| {
                int(s)
                    .and_then(|i| u16::try_from(i).ok())
                    .ok_or_else(|| ProviderError::Invalid(format!("invalid status '{s}'")))
            })
            .collect::<Result<_, _>>()?,
    };
    let headers = match r.param("headers").map(Value::unwrap_sensitive) {
        None | Some(Value::Undef) => Vec::new(),
        Some(Value::Hash(h)) => h.iter().map(|(k, v)| (k.clone(), v.to_string())).collect(),
        Some(other) => {
            return Err(ProviderError::Invalid(format!(
                "headers must be a hash, not {}",
                other.type_name()
            )))
        }
    };
    let retries = r
        .param("retries")
        .and_then(int)
        .map(|i| i.clamp(0, 100) as u32)
        .unwrap_or(2);
    Ok(Spec {
        host,
        port,
        path,
        statuses,
        body: r.param_str("body").map(str::to_string),
        headers,
        retries,
        timeout: r
            .param("timeout")
            .and_then(seconds)
            .unwrap_or(Duration::from_secs(10)),
        interval: r
            .param("interval")
            .and_then(seconds)
            .unwrap_or(Duration::from_millis(500)),
        service: required_service(r),
    })
}

/// One `GET` over HTTP/1.1 with `Connection: close`, bounded by `timeout`.
pub fn get(host: &str, port: u16, path: &str, timeout: Duration) -> std::io::Result<Response> {
    let timeout = timeout.max(Duration::from_millis(50));
    let addrs: Vec<_> = (host, port).to_socket_addrs()?.collect();
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
    let mut stream = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = e,
        }
    }
    let mut s = stream.ok_or(last)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let host_header = if port == 80 {
        host.to_string()
    } else {
        format!("{host}:{port}")
    };
    // One write: a request split over many segments may be answered and closed by the
    // server before it has all arrived, and the kernel then resets the connection.
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: converge-http_check\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    s.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    let began = Instant::now();
    let mut buf = [0u8; 8192];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if !raw.is_empty() && e.kind() == std::io::ErrorKind::WouldBlock => break,
            // A read timeout shows as EAGAIN on Linux: say what it means.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "connected, but no answer within {:.1}s",
                        timeout.as_secs_f64()
                    ),
                ))
            }
            Err(e) => return Err(e),
        }
        if began.elapsed() > timeout || raw.len() > 16 << 20 {
            break;
        }
    }
    parse_response(&raw).map_err(|m| std::io::Error::new(std::io::ErrorKind::InvalidData, m))
}

/// Parse a raw HTTP/1.x response (status line, headers, body; chunked bodies decoded).
pub fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the response has no complete header")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split_whitespace();
    if !parts.next().is_some_and(|v| v.starts_with("HTTP/")) {
        return Err(format!("not an HTTP response: '{status_line}'"));
    }
    let status = parts
        .next()
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line '{status_line}'"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut resp = Response {
        status,
        headers,
        body: String::new(),
    };
    let body = &raw[end + 4..];
    let chunked = resp
        .header("transfer-encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else if let Some(n) = resp
        .header("content-length")
        .and_then(|n| n.parse::<usize>().ok())
    {
        body[..n.min(body.len())].to_vec()
    } else {
        body.to_vec()
    };
    resp.body = String::from_utf8_lossy(&body).into_owned();
    Ok(resp)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = b.windows(2).position(|w| w == b"\r\n") {
        let size_txt = String::from_utf8_lossy(&b[..i]);
        let size =
            usize::from_str_radix(size_txt.split(';').next().unwrap_or("").trim(), 16).unwrap_or(0);
        b = &b[i + 2..];
        if size == 0 {
            break;
        }
        let n = size.min(b.len());
        out.extend_from_slice(&b[..n]);
        b = b.get(n + 2..).unwrap_or_default();
    }
    out
}

/// What does not match in a response; empty when it passes.
pub fn mismatches(spec: &Spec, resp: &Response) -> Vec<String> {
    let mut out = Vec::new();
    if !spec.statuses.contains(&resp.status) {
        let want: Vec<String> = spec.statuses.iter().map(u16::to_string).collect();
        out.push(format!(
            "status {} instead of {}",
            resp.status,
            want.join(" or ")
        ));
    }
    if let Some(b) = &spec.body {
        if !resp.body.contains(b.as_str()) {
            let shown: String = resp.body.chars().take(200).collect();
            out.push(format!(
                "body does not contain '{b}' (it starts: '{}')",
                shown.trim().escape_debug()
            ));
        }
    }
    for (k, v) in &spec.headers {
        match resp.header(k) {
            Some(got) if got == v => {}
            Some(got) => out.push(format!("header {k} is '{got}' instead of '{v}'")),
            None => out.push(format!("header {k} is missing (expected '{v}')")),
        }
    }
    out
}

/// The result of running a check, all attempts included.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Attempts made.
    pub attempts: u32,
    /// The last response, if any attempt got one.
    pub response: Option<Response>,
    /// Why the last attempt failed; empty when the check passed.
    pub problems: Vec<String>,
}

impl Outcome {
    /// Whether the check passed.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Run a check: attempt, and retry on failure until retries or the total timeout run out.
pub fn run(spec: &Spec) -> Outcome {
    let began = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let left = spec.timeout.saturating_sub(began.elapsed());
        let (response, problems) = match get(&spec.host, spec.port, &spec.path, left) {
            Ok(resp) => {
                let p = mismatches(spec, &resp);
                (Some(resp), p)
            }
            Err(e) => (None, vec![format!("GET {} failed: {e}", spec.url())]),
        };
        let out = Outcome {
            attempts,
            response,
            problems,
        };
        if out.passed()
            || attempts > spec.retries
            || began.elapsed() + spec.interval >= spec.timeout
        {
            return out;
        }
        std::thread::sleep(spec.interval);
    }
}

/// The `http_check` provider.
#[derive(Debug, Default)]
pub struct HttpCheckProvider;

impl Provider for HttpCheckProvider {
    fn name(&self) -> &'static str {
        "http"
    }

    fn inspect(&self, r: &Resource, cx: &mut Context) -> Result<State, ProviderError> {
        let spec = spec(r)?;
        let out = run(&spec);
        let mut st = State::default();
        st.set(
            "status",
            out.response.as_ref().map(|resp| resp.status.to_string()),
        );
        if !out.passed() {
            let plural = if out.attempts == 1 { "" } else { "s" };
            let mut msg = format!(
                "check of {} failed after {} attempt{plural}: {}",
                spec.url(),
                out.attempts,
                out.problems.join("; ")
            );
            let d = diagnose::for_check(&spec, cx);
            msg.push('\n');
            msg.push_str(&d.render());
            st.set("failure", Some(msg));
        }
        Ok(st)
    }

    fn plan(&self, _r: &Resource, st: &State, _cx: &Context) -> Result<Vec<Change>, ProviderError> {
        match st.get("failure") {
            Some(msg) => Err(ProviderError::Invalid(msg.to_string())),
            None => Ok(Vec::new()),
        }
    }

    fn apply(
        &self,
        _r: &Resource,
        _changes: &[Change],
        _cx: &mut Context,
    ) -> Result<Vec<Event>, ProviderError> {
        // plan never returns changes, so there is never anything to apply.
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Serve `answers` one connection each on a loopback port; returns the port.
    fn serve(answers: Vec<&'static str>) -> u16 {
        crate::test_http::serve(answers).0
    }

    fn check(port: u16, path: &str) -> Spec {
        Spec {
            host: "127.0.0.1".into(),
            port,
            path: path.into(),
            statuses: vec![200],
            body: Some("Hello World!".into()),
            headers: vec![("x-served-by".into(), "web-01".into())],
            retries: 0,
            timeout: Duration::from_secs(5),
            interval: Duration::from_millis(10),
            service: None,
        }
    }

    #[test]
    fn a_matching_answer_passes_with_header_names_in_any_case() {
        let port = serve(vec![
            "HTTP/1.1 200 OK\r\nX-Served-By: web-01\r\nContent-Length: 13\r\n\r\nHello World!\nextra",
        ]);
        let out = run(&check(port, "/"));
        assert!(out.passed(), "{:?}", out.problems);
        assert_eq!(out.response.map(|r| r.body), Some("Hello World!\n".into()));
    }

    #[test]
    fn wrong_status_body_and_header_are_all_named() {
        let port = serve(vec![
            "HTTP/1.1 404 Not Found\r\nX-Served-By: web-02\r\n\r\nnot here",
        ]);
        let out = run(&check(port, "/x"));
        assert_eq!(out.problems.len(), 3, "{:?}", out.problems);
        assert!(out.problems[0].contains("status 404 instead of 200"));
        assert!(out.problems[1].contains("does not contain 'Hello World!'"));
        assert!(out.problems[2].contains("'web-02' instead of 'web-01'"));
    }

    #[test]
    fn chunked_bodies_are_decoded() {
        let port = serve(vec![
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-SERVED-BY: web-01\r\n\r\n6\r\nHello \r\n6\r\nWorld!\r\n0\r\n\r\n",
        ]);
        let out = run(&check(port, "/"));
        assert!(out.passed(), "{:?}", out.problems);
    }

    #[test]
    fn a_retry_gets_the_second_answer() {
        let port = serve(vec![
            "HTTP/1.1 502 Bad Gateway\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-Served-By: web-01\r\n\r\nHello World!",
        ]);
        let mut s = check(port, "/");
        s.retries = 3;
        let out = run(&s);
        assert!(out.passed(), "{:?}", out.problems);
        assert_eq!(out.attempts, 2);
    }

    #[test]
    fn a_server_that_hangs_up_fails_within_the_total_timeout() {
        // A listener that closes every connection without answering; kept alive for the
        // whole test so its port cannot go to another test's listener.
        let l = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = l.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            for c in l.incoming() {
                drop(c);
            }
        });
        let mut s = check(port, "/");
        s.retries = 100;
        s.timeout = Duration::from_millis(300);
        s.interval = Duration::from_millis(50);
        let began = Instant::now();
        let out = run(&s);
        assert!(!out.passed());
        assert!(out.attempts > 1, "it retried");
        assert!(out.problems[0].contains("failed"), "{:?}", out.problems);
        assert!(began.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn urls_are_split_and_non_http_refused() {
        assert_eq!(
            parse_url("http://web-01:8080/a?b").ok(),
            Some(("web-01".into(), 8080, "/a?b".into()))
        );
        assert_eq!(
            parse_url("http://lb-01").ok(),
            Some(("lb-01".into(), 80, "/".into()))
        );
        assert!(parse_url("https://x/").is_err());
        assert!(parse_url("http://x:99999/").is_err());
    }
}
