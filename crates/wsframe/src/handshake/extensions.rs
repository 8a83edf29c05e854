//! `Sec-WebSocket-Extensions` values (RFC 6455 §9.1):
//!
//! ```text
//! extension-list  = 1#extension
//! extension       = extension-token *( ";" extension-param )
//! extension-param = token [ "=" (token | quoted-string) ]
//! ```
//!
//! [`Extensions`] walks a header value and yields each [`Extension`] with its name and
//! parameters, borrowed from the header. §9.1 requires a quoted value to be a token after
//! unescaping; this parser accepts quoted tokens without backslash escapes (the form every
//! known client sends) and rejects the rest as [`HandshakeError::InvalidExtensionSyntax`].

use super::http::is_tchar;
use crate::error::HandshakeError;

/// One offered or accepted extension: `name; param; param=value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    /// The extension token, e.g. `permessage-deflate`.
    pub name: &'a str,
    /// The raw parameter text after the name (without the first `;`), for iterating
    /// with [`params`](Self::params).
    params: &'a str,
}

impl<'a> Extension<'a> {
    /// The parameters, in order.
    pub fn params(&self) -> Params<'a> {
        Params {
            lexer: Lexer::new(self.params),
        }
    }
}

/// A parameter of an extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'a> {
    /// The parameter name.
    pub name: &'a str,
    /// The value, quotes removed; `None` for a bare parameter.
    pub value: Option<&'a str>,
}

/// Iterates the extensions of one header value; yields an error (once) on bad syntax.
///
/// ```
/// use wsframe::handshake::extensions::Extensions;
/// let value = "permessage-deflate; client_max_window_bits, x-foo; level=\"3\"";
/// let mut it = Extensions::new(value);
/// let pmd = it.next().unwrap().unwrap();
/// assert_eq!(pmd.name, "permessage-deflate");
/// assert_eq!(pmd.params().next().unwrap().unwrap().name, "client_max_window_bits");
/// let foo = it.next().unwrap().unwrap();
/// let level = foo.params().next().unwrap().unwrap();
/// assert_eq!((level.name, level.value), ("level", Some("3")));
/// assert!(it.next().is_none());
/// assert!(Extensions::new("a; =b").next().unwrap().is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Extensions<'a> {
    lexer: Lexer<'a>,
    failed: bool,
}

impl<'a> Extensions<'a> {
    /// Starts walking a header value.
    pub fn new(value: &'a str) -> Self {
        Self {
            lexer: Lexer::new(value),
            failed: false,
        }
    }

    /// Checks the whole value; `Ok` when every element follows the grammar.
    pub fn validate(value: &'a str) -> Result<(), HandshakeError> {
        // Walking the extensions parses every parameter too.
        Self::new(value).try_for_each(|ext| ext.map(|_| ()))
    }

    fn parse_one(&mut self) -> Result<Extension<'a>, HandshakeError> {
        let lx = &mut self.lexer;
        let name = lx.token()?;
        lx.ows();
        let start = lx.pos;
        while lx.eat(b';') {
            lx.ows();
            lx.param()?;
            lx.ows();
        }
        let params = lx.src.get(start..lx.pos).unwrap_or_default();
        if !(lx.at_end() || lx.eat(b',')) {
            return Err(HandshakeError::InvalidExtensionSyntax);
        }
        Ok(Extension {
            name,
            params: params.strip_prefix(';').unwrap_or(params),
        })
    }
}

impl<'a> Iterator for Extensions<'a> {
    type Item = Result<Extension<'a>, HandshakeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        // Empty list elements are allowed by the #rule.
        loop {
            self.lexer.ows();
            if !self.lexer.eat(b',') {
                break;
            }
        }
        if self.lexer.at_end() {
            return None;
        }
        let item = self.parse_one();
        self.failed = item.is_err();
        Some(item)
    }
}

/// Iterates the parameters of one [`Extension`].
#[derive(Debug, Clone)]
pub struct Params<'a> {
    lexer: Lexer<'a>,
}

impl<'a> Iterator for Params<'a> {
    type Item = Result<Param<'a>, HandshakeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let lx = &mut self.lexer;
        lx.ows();
        lx.eat(b';');
        lx.ows();
        if lx.at_end() {
            return None;
        }
        let param = lx.param();
        if param.is_err() {
            lx.pos = lx.src.len();
        }
        Some(param)
    }
}

#[derive(Debug, Clone)]
struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Self { src, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn token(&mut self) -> Result<&'a str, HandshakeError> {
        let start = self.pos;
        while self.peek().is_some_and(is_tchar) {
            self.pos += 1;
        }
        // Tokens are ASCII: the slice is text (the check is the one the core already
        // links, cheaper than char-boundary checks on `str` slicing).
        match self
            .src
            .as_bytes()
            .get(start..self.pos)
            .map(core::str::from_utf8)
        {
            Some(Ok(token)) if !token.is_empty() => Ok(token),
            _ => Err(HandshakeError::InvalidExtensionSyntax),
        }
    }

    fn param(&mut self) -> Result<Param<'a>, HandshakeError> {
        let name = self.token()?;
        self.ows();
        if !self.eat(b'=') {
            return Ok(Param { name, value: None });
        }
        self.ows();
        let value = if self.eat(b'"') {
            let value = self.token()?;
            if !self.eat(b'"') {
                return Err(HandshakeError::InvalidExtensionSyntax);
            }
            value
        } else {
            self.token()?
        };
        Ok(Param {
            name,
            value: Some(value),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromium_offer() {
        let v = "permessage-deflate; client_max_window_bits";
        let exts: std::vec::Vec<_> = Extensions::new(v).collect::<Result<_, _>>().unwrap();
        assert_eq!(exts.len(), 1);
        let params: std::vec::Vec<_> = exts[0].params().collect::<Result<_, _>>().unwrap();
        assert_eq!(
            params,
            [Param {
                name: "client_max_window_bits",
                value: None
            }]
        );
    }

    #[test]
    fn several_offers_and_values() {
        let v = "permessage-deflate; server_no_context_takeover; client_max_window_bits=10 ,, permessage-deflate";
        let exts: std::vec::Vec<_> = Extensions::new(v).collect::<Result<_, _>>().unwrap();
        assert_eq!(exts.len(), 2);
        let params: std::vec::Vec<_> = exts[0].params().collect::<Result<_, _>>().unwrap();
        assert_eq!(
            params[1],
            Param {
                name: "client_max_window_bits",
                value: Some("10")
            }
        );
        assert_eq!(exts[1].params().count(), 0);
        assert!(Extensions::validate(v).is_ok());
    }

    #[test]
    fn bad_syntax() {
        for bad in [
            "a b",
            "a;",
            "a; b=",
            "a; b=\"c",
            "a; b=\"c d\"",
            "a; b=\"\\c\"",
            ";a",
            "a=b",
            "\u{e9}",
        ] {
            assert_eq!(
                Extensions::validate(bad),
                Err(HandshakeError::InvalidExtensionSyntax),
                "{bad}"
            );
        }
        // Iteration stops after the first error.
        let mut it = Extensions::new("a b, c");
        assert!(it.next().unwrap().is_err());
        assert!(it.next().is_none());
    }
}
