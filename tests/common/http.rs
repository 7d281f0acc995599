//! `medkb serve` run for real on a test knowledge base, and a minimal HTTP
//! client over std's `TcpStream` to talk to it (and to chromedriver).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::TestKb;

/// A response as read off the wire.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("bad JSON ({err}): {}", self.text()))
    }
}

/// Sends `raw` to `addr` (host:port) and reads one response.
pub fn exchange(addr: &str, raw: &[u8]) -> HttpResponse {
    try_exchange(addr, raw).unwrap_or_else(|err| {
        panic!(
            "no HTTP response from {addr} to {:?}: {err}",
            String::from_utf8_lossy(&raw[..raw.len().min(200)])
        )
    })
}

/// [`exchange`], saying what went wrong instead of panicking.
pub fn try_exchange(addr: &str, raw: &[u8]) -> Result<HttpResponse, String> {
    let mut stream = TcpStream::connect(addr).map_err(|err| format!("connect: {err}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|err| err.to_string())?;
    // A server refusing an oversized request may stop reading it: what
    // it answered is read all the same.
    let _ = stream.write_all(raw);
    let bytes = read_response(&mut stream);
    parse(&bytes).ok_or_else(|| format!("{:?}", String::from_utf8_lossy(&bytes)))
}

/// One request with `Connection: close`.
pub fn request(addr: &str, method: &str, path: &str, body: Option<&str>) -> HttpResponse {
    let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(body) = body {
        raw.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    raw.push_str("\r\n");
    raw.push_str(body.unwrap_or_default());
    exchange(addr, raw.as_bytes())
}

/// Reads one response: up to the end of its body when its length is
/// known (some servers keep the connection open despite
/// `Connection: close`), else until the server closes. A server that closes
/// with unread request bytes may reset the connection after its response:
/// what arrived is kept.
fn read_response(stream: &mut TcpStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut buffer = [0; 16 * 1024];
    loop {
        if let Some(response) = parse(&bytes) {
            let length = response
                .header("content-length")
                .and_then(|length| length.parse::<usize>().ok());
            let head = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
            if length.is_some_and(|length| bytes.len() >= head + length) {
                return bytes;
            }
        }
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return bytes,
            Ok(read) => bytes.extend_from_slice(&buffer[..read]),
        }
    }
}

fn parse(bytes: &[u8]) -> Option<HttpResponse> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    let rest = &bytes[end + 4..];
    let chunked = headers.iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("transfer-encoding") && value.contains("chunked")
    });
    let body = if chunked {
        dechunk(rest)?
    } else {
        match headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        {
            Some((_, length)) => rest[..length.parse::<usize>().ok()?.min(rest.len())].to_vec(),
            None => rest.to_vec(),
        }
    };
    Some(HttpResponse {
        status,
        headers,
        body,
    })
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

/// `medkb serve --port 0` on a test knowledge base, stopped when dropped.
pub struct Served {
    child: Child,
    /// The page's address as printed, e.g. `http://127.0.0.1:41234/`.
    pub url: String,
    /// `127.0.0.1:41234`.
    pub addr: String,
    stderr: Arc<Mutex<String>>,
}

impl Served {
    pub fn start(kb: &TestKb) -> Served {
        Served::start_with(kb, &[])
    }

    pub fn start_with(kb: &TestKb, extra: &[&str]) -> Served {
        let mut args = vec!["serve", "--port", "0"];
        args.extend_from_slice(extra);
        let mut child = kb
            .command(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start medkb serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(read @ 1..) = pipe.read(&mut buffer) {
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..read]));
            }
        });
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_string();
        let Some(addr) = url
            .strip_prefix("http://")
            .and_then(|rest| rest.strip_suffix('/'))
        else {
            let _ = child.kill();
            let _ = child.wait();
            thread::sleep(Duration::from_millis(100));
            panic!(
                "medkb serve printed {line:?}, not its URL; stderr: {}",
                stderr.lock().unwrap()
            );
        };
        let addr = addr.to_string();
        Served {
            child,
            url,
            addr,
            stderr,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn get(&self, path: &str) -> HttpResponse {
        request(&self.addr, "GET", path, None)
    }

    pub fn raw(&self, raw: &[u8]) -> HttpResponse {
        exchange(&self.addr, raw)
    }

    /// What the server wrote on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits (a few seconds at most) for the server to write `text` on stderr.
    pub fn wait_for_stderr(&self, text: &str) {
        let started = Instant::now();
        while !self.stderr().contains(text) {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{text:?} not in stderr: {}",
                self.stderr()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `signal` (`TERM`, `INT`) and waits for the server to exit.
    pub fn stop(mut self, signal: &str) -> (ExitStatus, Duration) {
        let started = Instant::now();
        let sent = std::process::Command::new("kill")
            .args(["-s", signal, &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -s {signal} failed");
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "medkb serve still running 10 s after SIG{signal}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
