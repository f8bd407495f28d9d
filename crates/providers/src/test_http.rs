//! A loopback HTTP server for the unit tests of the providers that make requests
//! (http_check, diagnose): fixed answers, one connection each.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;

/// Serves `answers` on a loopback port, one connection each, in order. Returns the port and
/// the server thread, which ends with the requests it read (up to their blank line).
pub(crate) fn serve<A>(answers: Vec<A>) -> (u16, JoinHandle<Vec<String>>)
where
    A: AsRef<[u8]> + Send + 'static,
{
    let l = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = l.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let mut requests = Vec::new();
        for a in answers {
            let Ok((mut s, _)) = l.accept() else { break };
            // Read the whole request first: closing with unread data sends a reset.
            let mut req = Vec::new();
            let mut buf = [0u8; 4096];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let _ = s.write_all(a.as_ref());
            requests.push(String::from_utf8_lossy(&req).into_owned());
        }
        requests
    });
    (port, server)
}
