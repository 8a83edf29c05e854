//! The HTTP/1.1 message head (RFC 9112 §2–§5), as the opening handshake needs it: a
//! start line, header fields and the blank line, nothing else (§4.1, §4.2.1).
//!
//! [`Head::parse`] checks the whole head in one pass, byte by byte, so a bad byte is
//! refused as soon as it arrives and the verdict never depends on how the input was
//! split. Nothing is stored per header: after the check, [`Head::headers`] walks the
//! checked bytes again, so no header array lives on the stack and the number of
//! headers is bounded only by [`HandshakeLimits`].
//!
//! Accepted: CRLF line ends, and a bare LF as RFC 9112 §2.2 allows a recipient to.
//! Refused: obsolete line folding (§5.2), whitespace before a header's colon (§5.1),
//! control characters anywhere, a request target that is not visible ASCII.

use super::HandshakeLimits;
use crate::error::HandshakeError;

/// A checked message head: its start line split in three, and its header lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Head<'b> {
    /// Method / HTTP-version / request-target for a request; HTTP-version /
    /// status code / reason phrase for a response.
    pub(crate) start: [&'b [u8]; 3],
    /// The header lines and the blank line.
    fields: &'b [u8],
    /// The whole head, blank line included.
    pub(crate) len: usize,
}

/// Where the scanner is within a line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    /// In the start line.
    Start,
    /// After a CR in the start line, expecting LF.
    StartCr,
    /// At the start of a header line (or of the blank line).
    LineStart,
    /// In a header name.
    Name,
    /// After the colon, in the value.
    Value,
    /// After a CR, expecting LF; `blank` when the line was empty.
    Cr { blank: bool },
}

impl<'b> Head<'b> {
    /// Checks the head at the start of `buf` (only its first `limits.max_bytes` bytes).
    /// `Ok(None)` while it is incomplete.
    pub(crate) fn parse(
        buf: &'b [u8],
        limits: &HandshakeLimits,
    ) -> Result<Option<Self>, HandshakeError> {
        let buf = buf.get(..limits.max_bytes).unwrap_or(buf);
        let max_headers = limits.max_headers.clamp(1, super::MAX_HEADERS);
        let mut start = [&buf[..0]; 3];
        let mut fields_at = 0;
        let mut at = At::Start;
        let mut headers = 0usize;
        for (i, &b) in buf.iter().enumerate() {
            at = match (at, b) {
                (At::Start, b'\r') => At::StartCr,
                (At::Start | At::StartCr, b'\n') => {
                    let line = buf.get(..i).unwrap_or_default();
                    start = split_start_line(line.strip_suffix(b"\r").unwrap_or(line))?;
                    fields_at = i + 1;
                    At::LineStart
                }
                (At::Start, _) if is_field_byte(b) => At::Start,
                (At::LineStart | At::Cr { blank: true }, b'\n') => {
                    return Ok(Some(Head {
                        start,
                        fields: buf.get(fields_at..=i).unwrap_or_default(),
                        len: i + 1,
                    }));
                }
                (At::LineStart, b'\r') => At::Cr { blank: true },
                (At::LineStart, _) if is_tchar(b) => {
                    headers += 1;
                    if headers > max_headers {
                        return Err(HandshakeError::TooManyHeaders);
                    }
                    At::Name
                }
                (At::Name, b':') => At::Value,
                (At::Name, _) if is_tchar(b) => At::Name,
                (At::Value, b'\r') => At::Cr { blank: false },
                (At::Value | At::Cr { blank: false }, b'\n') => At::LineStart,
                (At::Value, _) if is_field_byte(b) => At::Value,
                _ => return Err(HandshakeError::MalformedHttp),
            };
        }
        partial(buf, limits)
    }

    /// The header lines as (name, value) pairs, the value without surrounding
    /// whitespace (RFC 9112 §5.1).
    pub(crate) fn headers(&self) -> Fields<'b> {
        Fields { rest: self.fields }
    }

    /// The value of the first header named `name` (ASCII case-insensitive).
    pub(crate) fn find(&self, name: &str) -> Option<&'b [u8]> {
        self.all(name).next()
    }

    /// The values of every header named `name`, in order.
    pub(crate) fn all<'n>(&self, name: &'n str) -> Named<'b, 'n> {
        Named {
            fields: self.headers(),
            name: name.as_bytes(),
        }
    }
}

impl<'b> super::offer::FieldLookup<'b> for Head<'b> {
    fn all(self, name: &'static str) -> impl Iterator<Item = &'b [u8]> {
        Head::all(&self, name)
    }
}

/// The header lines of a checked head: every line up to the blank one has a colon.
#[derive(Debug, Clone)]
pub(crate) struct Fields<'b> {
    rest: &'b [u8],
}

impl<'b> Iterator for Fields<'b> {
    type Item = (&'b [u8], &'b [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        // In a checked head every header line has a colon right after its name and
        // the blank line has none: the next colon ends the next name.
        let rest = self.rest;
        let colon = rest.iter().position(|&b| b == b':')?;
        let (name, after) = rest.split_at(colon);
        let end = after.iter().position(|&b| b == b'\n')?;
        self.rest = &after[end + 1..];
        // `after` starts with the colon, before the line's end: `1..end` is in range.
        Some((name, after.get(1..end).unwrap_or_default().trim_ascii()))
    }
}

/// The values of the header lines of one name.
#[derive(Debug, Clone)]
pub(crate) struct Named<'b, 'n> {
    fields: Fields<'b>,
    name: &'n [u8],
}

impl<'b> Iterator for Named<'b, '_> {
    type Item = &'b [u8];

    fn next(&mut self) -> Option<&'b [u8]> {
        for (name, value) in self.fields.by_ref() {
            if name.eq_ignore_ascii_case(self.name) {
                return Some(value);
            }
        }
        None
    }
}

/// Incomplete: wait for more, unless the size cap is already reached (431).
fn partial<T>(capped: &[u8], limits: &HandshakeLimits) -> Result<Option<T>, HandshakeError> {
    if capped.len() >= limits.max_bytes {
        Err(HandshakeError::TooLarge)
    } else {
        Ok(None)
    }
}

/// Splits a start line into its three parts at the first two spaces. The third part
/// may hold spaces (a reason phrase) and may be missing in a status line.
fn split_start_line(line: &[u8]) -> Result<[&[u8]; 3], HandshakeError> {
    let (first, rest) = split_at_space(line).ok_or(HandshakeError::MalformedHttp)?;
    let (second, third) = split_at_space(rest).unwrap_or((rest, &[]));
    if first.is_empty() || second.is_empty() {
        return Err(HandshakeError::MalformedHttp);
    }
    Ok([first, second, third])
}

fn split_at_space(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = s.iter().position(|&b| b == b' ')?;
    Some((&s[..at], &s[at + 1..]))
}

/// RFC 9110 §5.6.2 `tchar`: what a method and a header name are made of.
pub(crate) fn is_tchar(b: u8) -> bool {
    // A 256-bit set: one load and a shift wherever it is inlined.
    TCHAR[usize::from(b >> 5)] >> (b & 31) & 1 != 0
}

/// The `tchar` set, bit `b % 32` of word `b / 32`.
const TCHAR: [u32; 8] = {
    let mut set = [0u32; 8];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'..=b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            )
        {
            set[b / 32] |= 1 << (b % 32);
        }
        b += 1;
    }
    set
};

/// A byte of a field value (RFC 9110 §5.5): visible ASCII, space, tab, obs-text.
fn is_field_byte(b: u8) -> bool {
    b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80
}

/// Checks the request line's method (a token) and target (visible ASCII); returns
/// them with the version, for [`check_version`] after the method is checked.
pub(crate) fn request_line(start: [&[u8]; 3]) -> Result<(&[u8], &str, &[u8]), HandshakeError> {
    let [method, target, version] = start;
    if !method.iter().all(|&b| is_tchar(b)) || !target.iter().all(u8::is_ascii_graphic) {
        return Err(HandshakeError::MalformedHttp);
    }
    let target = core::str::from_utf8(target).map_err(|_| HandshakeError::MalformedHttp)?;
    Ok((method, target, version))
}

/// Checks a status line's version and code (`HTTP/1.1 101 ...`) and returns the code.
pub(crate) fn status_line(start: [&[u8]; 3]) -> Result<u16, HandshakeError> {
    let [version, code, _reason] = start;
    check_version(version)?;
    match code {
        &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_digit) => {
            Ok(u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'))
        }
        _ => Err(HandshakeError::MalformedHttp),
    }
}

/// `HTTP/1.1`; any other `HTTP/d.d` is a version error, anything else malformed.
pub(crate) fn check_version(version: &[u8]) -> Result<(), HandshakeError> {
    match version {
        b"HTTP/1.1" => Ok(()),
        &[b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            Err(HandshakeError::HttpVersion)
        }
        _ => Err(HandshakeError::MalformedHttp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    fn limits(max_bytes: usize, max_headers: usize) -> HandshakeLimits {
        HandshakeLimits {
            max_bytes,
            max_headers,
        }
    }

    fn parse(bytes: &[u8]) -> Result<Option<Head<'_>>, HandshakeError> {
        Head::parse(bytes, &limits(8192, 64))
    }

    #[test]
    fn tchar_set() {
        let symbols = b"!#$%&'*+-.^_`|~";
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || symbols.contains(&b);
            assert_eq!(is_tchar(b), expected, "{b}");
        }
    }

    #[test]
    fn request_head() {
        let text = b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Pad: \t v v \t\r\n\r\nrest";
        let head = parse(text).unwrap().unwrap();
        assert_eq!(head.len, text.len() - 4);
        assert_eq!(head.start, [&b"GET"[..], b"/a?b=1", b"HTTP/1.1"]);
        let headers: Vec<_> = head.headers().collect();
        assert_eq!(
            headers,
            [
                (&b"Host"[..], &b"x"[..]),
                (b"X-Empty", b""),
                (b"X-Pad", b"v v")
            ]
        );
        assert_eq!(head.find("x-pad"), Some(&b"v v"[..]));
        assert_eq!(head.find("missing"), None);
    }

    #[test]
    fn bare_lf_is_a_line_end() {
        let head = parse(b"GET / HTTP/1.1\nHost: x\n\n").unwrap().unwrap();
        assert_eq!(head.find("host"), Some(&b"x"[..]));
        assert_eq!(head.len, 24);
    }

    #[test]
    fn malformed_heads() {
        for bad in [
            &b"GET / HTTP/1.1\r\nHost : x\r\n\r\n"[..], // space before the colon (RFC 9112 §5.1)
            b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", // obs-fold (§5.2)
            b"GET / HTTP/1.1\r\nNo colon\r\n\r\n",
            b"GET / HTTP/1.1\r\n: empty name\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\x7fb\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
            b"GET / HTTP/1.1\r\n\rx",
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET\r\n\r\n",
            b"\r\nGET / HTTP/1.1\r\n\r\n",
            b"GET /\x01 HTTP/1.1\r\n",
        ] {
            assert_eq!(
                parse(bad).map(|h| h.is_some()),
                Err(HandshakeError::MalformedHttp),
                "{:?}",
                std::string::String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn request_and_status_lines() {
        let line = |s: &'static [u8]| split_start_line(s).unwrap();
        assert!(request_line(line(b"GET /\xc3\xa9 HTTP/1.1")).is_err());
        assert!(request_line(line(b"G(T / HTTP/1.1")).is_err());
        let (m, t, v) = request_line(line(b"GET /x HTTP/1.0")).unwrap();
        assert_eq!((m, t), (&b"GET"[..], "/x"));
        assert_eq!(check_version(v), Err(HandshakeError::HttpVersion));
        assert_eq!(check_version(b"HTTP/1.1"), Ok(()));
        assert_eq!(
            check_version(b"HTTP/11"),
            Err(HandshakeError::MalformedHttp)
        );
        assert_eq!(
            status_line(line(b"HTTP/1.1 101 Switching Protocols")),
            Ok(101)
        );
        assert_eq!(status_line(line(b"HTTP/1.1 404")), Ok(404));
        assert_eq!(
            status_line(line(b"HTTP/1.1 1010 x")),
            Err(HandshakeError::MalformedHttp)
        );
        assert_eq!(
            status_line(line(b"HTTP/1.1 1a1 x")),
            Err(HandshakeError::MalformedHttp)
        );
    }

    #[test]
    fn limits_apply() {
        let text = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n";
        assert!(Head::parse(text, &limits(8192, 2)).unwrap().is_some());
        assert_eq!(
            Head::parse(text, &limits(8192, 1)),
            Err(HandshakeError::TooManyHeaders)
        );
        assert_eq!(
            Head::parse(text, &limits(text.len() - 1, 8)),
            Err(HandshakeError::TooLarge)
        );
        assert!(Head::parse(text, &limits(text.len(), 8)).unwrap().is_some());
        assert_eq!(Head::parse(&text[..10], &limits(8192, 8)), Ok(None));
    }

    /// One header line of a well-formed head, from a small alphabet that still covers
    /// tokens, optional whitespace and obs-text.
    fn header() -> impl Strategy<Value = (std::string::String, Vec<u8>)> {
        (
            "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}",
            proptest::collection::vec(
                prop_oneof![Just(b' '), Just(b'\t'), 0x21u8..0x7f, 0x80u8..=0xff],
                0..24,
            ),
        )
    }

    fn head_bytes(headers: &[(std::string::String, Vec<u8>)], lf_only: bool) -> Vec<u8> {
        let eol: &[u8] = if lf_only { b"\n" } else { b"\r\n" };
        let mut out = b"GET /path?q HTTP/1.1".to_vec();
        out.extend_from_slice(eol);
        for (name, value) in headers {
            out.extend_from_slice(name.as_bytes());
            out.push(b':');
            out.extend_from_slice(value);
            out.extend_from_slice(eol);
        }
        out.extend_from_slice(eol);
        out
    }

    /// `bytes` with the byte at `at` replaced.
    fn with_byte_changed(mut bytes: Vec<u8>, at: prop::sample::Index, byte: u8) -> Vec<u8> {
        let i = at.index(bytes.len());
        bytes[i] = byte;
        bytes
    }

    /// A head's length and its (name, value) pairs.
    type View = Option<(usize, Vec<(Vec<u8>, Vec<u8>)>)>;

    /// What httparse makes of a request head: its length and trimmed headers.
    fn httparse_view(bytes: &[u8]) -> View {
        let mut storage = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut storage);
        match req.parse(bytes) {
            Ok(httparse::Status::Complete(n)) if req.version == Some(1) => Some((
                n,
                req.headers
                    .iter()
                    .map(|h| (h.name.as_bytes().to_vec(), h.value.trim_ascii().to_vec()))
                    .collect(),
            )),
            _ => None,
        }
    }

    fn own_view(bytes: &[u8]) -> View {
        let head = parse(bytes).ok()??;
        request_line(head.start).ok()?;
        check_version(head.start[2]).ok()?;
        let headers = head
            .headers()
            .map(|(n, v)| (n.to_vec(), v.to_vec()))
            .collect();
        Some((head.len, headers))
    }

    proptest! {
        #[test]
        fn agrees_with_httparse_on_well_formed_heads(
            headers in proptest::collection::vec(header(), 0..10),
            lf_only in any::<bool>(),
        ) {
            let bytes = head_bytes(&headers, lf_only);
            let own = own_view(&bytes);
            prop_assert!(own.is_some());
            prop_assert_eq!(own, httparse_view(&bytes));
        }

        /// With one byte changed anywhere, the parser may refuse what httparse takes, but
        /// it never takes what httparse refuses, and what both take they read alike.
        #[test]
        fn never_more_lenient_than_httparse(
            headers in proptest::collection::vec(header(), 0..6),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let bytes = with_byte_changed(head_bytes(&headers, false), at, byte);
            if let Some(own) = own_view(&bytes) {
                prop_assert_eq!(Some(own), httparse_view(&bytes));
            }
        }

        /// The verdict does not depend on how the head arrives.
        #[test]
        fn split_does_not_matter(
            headers in proptest::collection::vec(header(), 0..6),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let bytes = with_byte_changed(head_bytes(&headers, false), at, byte);
            let whole = parse(&bytes).map(|h| h.map(|h| h.len));
            for cut in 0..bytes.len() {
                match parse(&bytes[..cut]) {
                    Ok(None) => {}
                    Ok(Some(h)) => prop_assert_eq!(Ok(Some(h.len)), whole),
                    Err(e) => prop_assert_eq!(Err(e), whole),
                }
            }
        }
    }
}
