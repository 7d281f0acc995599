//! HTTP/1.1 over std's `TcpListener`, as much as `medkb serve` needs: GET and
//! HEAD of small pages, keep-alive, a thread per connection, and every limit
//! explicit. A request that cannot be read as HTTP, or whose line or headers
//! run past a limit, is answered 4xx and its connection closed; a handler
//! that panics is answered 500. Nothing a client sends makes the server read
//! without bound or stop.
//!
//! Written here rather than taken from a crate: the small synchronous HTTP
//! servers read a request's head with no size limit, so one endless header
//! line from a client could exhaust memory.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Longest request target (path and query) accepted; longer gets 414.
pub const MAX_TARGET_BYTES: usize = 4096;
/// Longest request head (request line and headers); longer gets 431.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Most header lines in a request; more gets 431.
const MAX_HEADERS: usize = 100;
/// A request body (no route reads one) up to this size is read and dropped,
/// so that the connection can serve the next request; a larger one closes it.
const MAX_DISCARDED_BODY: u64 = 64 * 1024;
/// Most connections served at once; more are answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 256;
/// How long a client may take to send a request, or stay idle between two.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long stopping waits for the requests being answered.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// A request as read from a connection.
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target as sent: path and query, still percent-encoded.
    pub target: String,
    keep_alive: bool,
    body: Body,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    None,
    Length(u64),
    /// Chunked or otherwise framed: not read, so the connection closes.
    Unframed,
}

/// A response, with its whole body in memory.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A response with `status`, its `Content-Type` and body.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body: body.into(),
        }
    }

    /// The response with one more header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// What answers requests.
pub trait Handler: Send + Sync + 'static {
    /// The response to a request that was read whole.
    fn respond(&self, request: &Request) -> Response;
    /// The response to a request that could not be read or answered
    /// (`status` 4xx or 5xx), saying `message`.
    fn reject(&self, status: u16, message: &str) -> Response;
}

/// The reason phrase of the status codes medkb sends.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// A listening socket and the switch that stops it.
pub struct Server {
    listener: TcpListener,
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
}

/// Stops a [`Server`] from another thread (a signal handler's).
#[derive(Clone)]
pub struct Stopper {
    stopping: Arc<AtomicBool>,
    wake: SocketAddr,
}

impl Stopper {
    /// Asks the server to stop: it takes no new connection, finishes the
    /// requests it is answering, and [`Server::run`] returns.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        // The accept loop is blocked in accept(): a connection wakes it.
        let _ = TcpStream::connect_timeout(&self.wake, Duration::from_secs(1));
    }
}

impl Server {
    /// Listens on `addr`; port 0 picks a free one.
    pub fn bind(addr: SocketAddr) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        Ok(Server {
            listener,
            addr,
            stopping: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The address listened on, with the port chosen when 0 was asked for.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A handle that stops [`Server::run`] from another thread.
    pub fn stopper(&self) -> Stopper {
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            // Listening on every interface: wake it through the loopback one.
            wake.set_ip(match wake {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        Stopper {
            stopping: self.stopping.clone(),
            wake,
        }
    }

    /// Serves connections until stopped, each on its own thread.
    pub fn run<H: Handler>(self, handler: Arc<H>) {
        let connections = Arc::new(AtomicUsize::new(0));
        let answering = Arc::new(AtomicUsize::new(0));
        for stream in self.listener.incoming() {
            if self.stopping.load(Ordering::SeqCst) {
                break;
            }
            let stream = match stream {
                Ok(stream) => stream,
                Err(_) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: wait a little rather than spin.
                    thread::sleep(Duration::from_millis(10));
                    continue;
                }
            };
            if connections.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                let response = handler.reject(503, "too many connections; try again shortly");
                let mut stream = stream;
                let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
                let _ = write_response(&mut stream, &response, false, true);
                continue;
            }
            let count = Counted::new(&connections);
            let handler = handler.clone();
            let stopping = self.stopping.clone();
            let answering = answering.clone();
            let spawned = thread::Builder::new()
                .name("medkb-connection".into())
                .spawn(move || {
                    let _count = count;
                    serve_connection(stream, &*handler, &stopping, &answering);
                });
            // A thread that cannot be made drops its connection (and count).
            drop(spawned);
        }
        let deadline = Instant::now() + DRAIN_TIMEOUT;
        while answering.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
    }
}

/// One more of something while it lives.
struct Counted(Arc<AtomicUsize>);

impl Counted {
    fn new(counter: &Arc<AtomicUsize>) -> Counted {
        counter.fetch_add(1, Ordering::SeqCst);
        Counted(counter.clone())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Why no request could be read.
#[derive(Debug, PartialEq, Eq)]
enum ReadError {
    /// The client closed or went quiet between requests: nothing to answer.
    Gone,
    /// Not a request medkb will read: answer `status` and close.
    Reject(u16, &'static str),
}

fn serve_connection(
    stream: TcpStream,
    handler: &dyn Handler,
    stopping: &AtomicBool,
    answering: &Arc<AtomicUsize>,
) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::with_capacity(8 * 1024, read_half);
    let mut writer = stream;
    loop {
        let (response, head_only, close) = match read_request(&mut reader) {
            Err(ReadError::Gone) => return,
            Err(ReadError::Reject(status, message)) => {
                (handler.reject(status, message), false, true)
            }
            Ok(request) => {
                let _answering = Counted::new(answering);
                let mut close = !request.keep_alive;
                match request.body {
                    Body::None => {}
                    Body::Length(length) if length <= MAX_DISCARDED_BODY => {
                        let dropped = io::copy(&mut (&mut reader).take(length), &mut io::sink());
                        if dropped.map_or(true, |dropped| dropped < length) {
                            return;
                        }
                    }
                    Body::Length(_) | Body::Unframed => close = true,
                }
                let response = panic::catch_unwind(AssertUnwindSafe(|| handler.respond(&request)))
                    .unwrap_or_else(|_| {
                        handler.reject(500, "internal error (see the server's log)")
                    });
                let close = close || stopping.load(Ordering::SeqCst);
                (response, request.method == "HEAD", close)
            }
        };
        if write_response(&mut writer, &response, head_only, close).is_err() {
            return;
        }
        if close {
            linger(writer, reader);
            return;
        }
    }
}

/// Closes a connection without losing the response just written: reading
/// what the client still sends, briefly, keeps the kernel from resetting
/// the connection before the client has read it.
fn linger(writer: TcpStream, mut reader: BufReader<TcpStream>) {
    let _ = writer.shutdown(Shutdown::Write);
    let _ = writer.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = io::copy(&mut (&mut reader).take(256 * 1024), &mut io::sink());
}

/// How a line read ended.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    Complete,
    /// The connection closed first.
    Ended,
    /// `max` bytes came without a line end.
    TooLong,
}

/// Reads one line into `line` (without its CR LF), at most `max` bytes.
fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>, max: usize) -> io::Result<Line> {
    line.clear();
    let read = reader.take(max as u64 + 1).read_until(b'\n', line)?;
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(Line::Complete)
    } else if read > max {
        Ok(Line::TooLong)
    } else {
        Ok(Line::Ended)
    }
}

fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b))
}

/// Reads a request line and headers, within the limits.
fn read_request(reader: &mut impl BufRead) -> Result<Request, ReadError> {
    use ReadError::{Gone, Reject};
    let mut line = Vec::new();
    let mut budget = MAX_HEAD_BYTES;
    // Empty lines before a request are allowed (RFC 9112 §2.2).
    loop {
        match read_line(reader, &mut line, MAX_TARGET_BYTES + 64) {
            Ok(Line::Complete) => {}
            Ok(Line::TooLong) => return Err(Reject(414, "the request target is too long")),
            Ok(Line::Ended) => return Err(Gone),
            // Idle between requests: close quietly. Stalled halfway: say so.
            Err(err) if is_timeout(&err) && !line.is_empty() => {
                return Err(Reject(408, "the request took too long to arrive"))
            }
            Err(_) => return Err(Gone),
        }
        budget = budget.saturating_sub(line.len() + 2);
        if budget == 0 {
            return Err(Reject(400, "no request line"));
        }
        if !line.is_empty() {
            break;
        }
    }
    let (method, target, version) = {
        let mut parts = line.split(|&b| b == b' ');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(method), Some(target), Some(version), None) => (method, target, version),
            _ => {
                return Err(Reject(
                    400,
                    "the request line is not 'METHOD /path HTTP/1.1'",
                ))
            }
        }
    };
    if !is_token(method) {
        return Err(Reject(400, "the request method is not a word"));
    }
    if target.len() > MAX_TARGET_BYTES {
        return Err(Reject(414, "the request target is too long"));
    }
    if !target.starts_with(b"/") || target.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        return Err(Reject(400, "the request target is not a path"));
    }
    let http_11 = match version {
        b"HTTP/1.1" => true,
        b"HTTP/1.0" => false,
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            return Err(Reject(505, "only HTTP/1.0 and HTTP/1.1 are served"))
        }
        _ => return Err(Reject(400, "the request line has no HTTP version")),
    };
    // Both are checked to be ASCII above.
    let method = String::from_utf8_lossy(method).into_owned();
    let target = String::from_utf8_lossy(target).into_owned();

    let mut headers = 0;
    let mut length: Option<u64> = None;
    let mut unframed = false;
    let (mut close, mut keep_alive) = (false, false);
    loop {
        match read_line(reader, &mut line, budget) {
            Ok(Line::Complete) => {}
            Ok(Line::TooLong) => return Err(Reject(431, "the request headers are too large")),
            Ok(Line::Ended) => return Err(Gone),
            Err(err) if is_timeout(&err) => {
                return Err(Reject(408, "the request took too long to arrive"))
            }
            Err(_) => return Err(Gone),
        }
        budget = budget.saturating_sub(line.len() + 2);
        if line.is_empty() {
            break;
        }
        headers += 1;
        if headers > MAX_HEADERS || budget == 0 {
            return Err(Reject(431, "the request headers are too large"));
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Err(Reject(400, "a header line has no ':'"));
        };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if !is_token(name) {
            return Err(Reject(400, "a header name is not a word"));
        }
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        match name.as_str() {
            "content-length" => {
                let parsed = std::str::from_utf8(value)
                    .ok()
                    .filter(|text| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|text| text.parse::<u64>().ok());
                match (parsed, length) {
                    (None, _) => return Err(Reject(400, "Content-Length is not a number")),
                    (Some(new), Some(old)) if new != old => {
                        return Err(Reject(400, "Content-Length is given twice"))
                    }
                    (Some(new), _) => length = Some(new),
                }
            }
            "transfer-encoding" => unframed = true,
            "connection" => {
                for option in value.split(|&b| b == b',') {
                    let option = option.trim_ascii();
                    close |= option.eq_ignore_ascii_case(b"close");
                    keep_alive |= option.eq_ignore_ascii_case(b"keep-alive");
                }
            }
            _ => {}
        }
    }
    let body = match (unframed, length) {
        (true, _) => Body::Unframed,
        (false, None | Some(0)) => Body::None,
        (false, Some(length)) => Body::Length(length),
    };
    Ok(Request {
        method,
        target,
        keep_alive: !close && (http_11 || keep_alive),
        body,
    })
}

/// Writes a response in one piece. Header values are medkb's own; line
/// breaks in one would still be turned into spaces.
fn write_response(
    out: &mut impl Write,
    response: &Response,
    head_only: bool,
    close: bool,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        let value = value.replace(['\r', '\n'], " ");
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: {}\r\n\r\n",
        response.body.len(),
        if close { "close" } else { "keep-alive" }
    ));
    let mut bytes = head.into_bytes();
    if !head_only {
        bytes.extend_from_slice(&response.body);
    }
    out.write_all(&bytes)?;
    out.flush()
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`, as in a
/// query string); `None` when an escape is broken or the result is not UTF-8.
pub fn percent_decode(text: &str, plus_is_space: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'%' => {
                let hex = bytes.get(at + 1..at + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                at += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                at += 1;
            }
            byte => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Encodes all but the unreserved characters of RFC 3986, for a query
/// value or a path segment.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The `name=value` pairs of a query string, decoded; `None` if one is
/// not valid percent-encoded UTF-8.
pub fn query_pairs(query: &str) -> Option<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((percent_decode(name, true)?, percent_decode(value, true)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(raw: &[u8]) -> Result<Request, ReadError> {
        read_request(&mut BufReader::new(raw))
    }

    #[test]
    fn reads_a_request_line_and_its_headers() {
        let request =
            read(b"GET /search?q=a HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n").unwrap();
        assert_eq!(request.method, "GET");
        assert_eq!(request.target, "/search?q=a");
        assert!(request.keep_alive);
        assert_eq!(request.body, Body::None);
    }

    #[test]
    fn http_10_closes_unless_asked_to_keep_alive() {
        assert!(!read(b"GET / HTTP/1.0\r\n\r\n").unwrap().keep_alive);
        assert!(
            read(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
                .unwrap()
                .keep_alive
        );
        assert!(
            !read(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
                .unwrap()
                .keep_alive
        );
    }

    #[test]
    fn malformed_requests_are_rejected_with_4xx() {
        for raw in [
            &b"garbage\r\n\r\n"[..],
            b"GET /\r\n\r\n",
            b"GET / HTTP/1.1 extra\r\n\r\n",
            b"GET relative HTTP/1.1\r\n\r\n",
            b"G\x01T / HTTP/1.1\r\n\r\n",
            b"GET /\xff HTTP/1.1\r\n\r\n",
            b"GET / FTP/1.0\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nbad name: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        ] {
            match read(raw) {
                Err(ReadError::Reject(400, _)) => {}
                other => panic!("{:?}: {other:?}", String::from_utf8_lossy(raw)),
            }
        }
        assert!(matches!(
            read(b"GET / HTTP/2.0\r\n\r\n"),
            Err(ReadError::Reject(505, _))
        ));
    }

    #[test]
    fn overlong_targets_and_heads_are_refused_without_reading_them_whole() {
        let mut long = b"GET /".to_vec();
        long.extend(std::iter::repeat_n(b'a', 10 * 1024 * 1024));
        assert_eq!(
            read(&long),
            Err(ReadError::Reject(414, "the request target is too long"))
        );
        let mut header = b"GET / HTTP/1.1\r\nX: ".to_vec();
        header.extend(std::iter::repeat_n(b'a', 10 * 1024 * 1024));
        assert!(matches!(read(&header), Err(ReadError::Reject(431, _))));
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "A: b\r\n".repeat(MAX_HEADERS + 1)
        );
        assert!(matches!(
            read(many.as_bytes()),
            Err(ReadError::Reject(431, _))
        ));
    }

    #[test]
    fn a_closed_connection_is_gone_not_rejected() {
        assert_eq!(read(b""), Err(ReadError::Gone));
        assert_eq!(read(b"GET / HT"), Err(ReadError::Gone));
        assert_eq!(read(b"GET / HTTP/1.1\r\nHost: x\r\n"), Err(ReadError::Gone));
    }

    #[test]
    fn bodies_are_framed_by_length_or_left_unread() {
        let request = read(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello").unwrap();
        assert_eq!(request.body, Body::Length(5));
        let request = read(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
        assert_eq!(request.body, Body::Unframed);
    }

    #[test]
    fn percent_decoding_rejects_broken_escapes_and_invalid_utf8() {
        assert_eq!(percent_decode("a%20b+c", true).as_deref(), Some("a b c"));
        assert_eq!(percent_decode("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(percent_decode("%2e%2E", false).as_deref(), Some(".."));
        assert_eq!(percent_decode("%C3%A9", false).as_deref(), Some("é"));
        assert_eq!(percent_decode("%", false), None);
        assert_eq!(percent_decode("%zz", false), None);
        assert_eq!(percent_decode("%ff", false), None);
        assert_eq!(percent_encode("a b/é&"), "a%20b%2F%C3%A9%26");
        assert_eq!(
            query_pairs("q=restless+legs&drug=a&&x").unwrap(),
            vec![
                ("q".into(), "restless legs".into()),
                ("drug".into(), "a".into()),
                ("x".into(), String::new())
            ]
        );
    }

    struct Echo;

    impl Handler for Echo {
        fn respond(&self, request: &Request) -> Response {
            if request.target == "/panic" {
                panic!("a handler bug");
            }
            Response::new(200, "text/plain", request.target.clone())
        }

        fn reject(&self, status: u16, message: &str) -> Response {
            Response::new(status, "text/plain", message)
        }
    }

    /// Sends `raw` and reads until the server closes.
    fn exchange(addr: SocketAddr, raw: &[u8]) -> String {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(raw).unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn a_panicking_handler_gets_500_and_the_server_goes_on() {
        let server = Server::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let (addr, stopper) = (server.addr(), server.stopper());
        let running = thread::spawn(move || server.run(Arc::new(Echo)));
        let panicked = exchange(
            addr,
            b"GET /panic HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\nConnection: close\r\n\r\n",
        );
        assert!(panicked.starts_with("HTTP/1.1 500 "), "{panicked}");
        // The same connection answers the next request.
        assert!(panicked.contains("\r\n\r\n/after"), "{panicked}");
        let head = exchange(addr, b"HEAD /x HTTP/1.0\r\n\r\n");
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(
            head.contains("Content-Length: 2\r\n") && head.ends_with("\r\n\r\n"),
            "{head}"
        );
        let garbage = exchange(
            addr,
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        );
        assert!(garbage.starts_with("HTTP/1.1 400 "), "{garbage}");
        stopper.stop();
        running.join().unwrap();
    }
}
