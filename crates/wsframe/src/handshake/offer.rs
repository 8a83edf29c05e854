//! The negotiation rules the HTTP/1.1 handshake (RFC 6455 §4) and the HTTP/2 one
//! (RFC 8441 §5) share: the version, the subprotocol and extension offers, and the
//! choice an answer makes among them.
//!
//! Each rule reads header fields through [`FieldLookup`], which an HTTP/1.1 head and an
//! HTTP/2 field list both implement, so there is one copy of each rule for both.

use super::client::Offer;
use super::extensions::{Extension, Extensions};
use super::server::Response;
use super::{is_header_value, is_token, list_items, EXTENSIONS, MAX_OFFER_HEADERS, PROTOCOL};
use crate::error::HandshakeError;

/// Header fields looked up by lower-case name, matched ASCII case-insensitively.
///
/// Both kinds are views of borrowed bytes, cheap to copy; a lookup borrows the bytes,
/// not the view.
pub(crate) trait FieldLookup<'b>: Copy {
    /// The values of every field named `name`, in order.
    fn all(self, name: &'static str) -> impl Iterator<Item = &'b [u8]>;
}

/// Checks what a client's request offers (§4.2.1 items 6, 8 and 9): version 13, and
/// protocol and extension lines that are text, few enough to walk again, and (for
/// extensions) of §9.1 syntax.
pub(crate) fn check_request<'b>(fields: impl FieldLookup<'b>) -> Result<(), HandshakeError> {
    // Item 6: version 13; anything else gets 426 and the version we speak (§4.4).
    if fields.all("sec-websocket-version").next() != Some(b"13") {
        return Err(HandshakeError::UnsupportedVersion);
    }
    check_lines(fields.all(PROTOCOL))?;
    check_lines(fields.all(EXTENSIONS))?;
    for value in texts(fields.all(EXTENSIONS)) {
        Extensions::validate(value)?;
    }
    Ok(())
}

/// Checks the lines of a list field kept for later walks: valid UTF-8, and at most
/// [`MAX_OFFER_HEADERS`] lines so that walking them stays cheap.
fn check_lines<'b>(values: impl Iterator<Item = &'b [u8]>) -> Result<(), HandshakeError> {
    for (line, value) in values.enumerate() {
        if line >= MAX_OFFER_HEADERS {
            return Err(HandshakeError::TooManyOfferHeaders);
        }
        core::str::from_utf8(value).map_err(|_| HandshakeError::InvalidHeaderValue)?;
    }
    Ok(())
}

/// The values as text, after [`check_request`] or [`check_choice`] accepted them.
fn texts<'b>(values: impl Iterator<Item = &'b [u8]>) -> impl Iterator<Item = &'b str> {
    values.filter_map(|v| core::str::from_utf8(v).ok())
}

/// The offered subprotocols (§4.2.1 item 8) across all lines, in order.
pub(crate) fn protocols<'b>(fields: impl FieldLookup<'b>) -> impl Iterator<Item = &'b str> {
    texts(fields.all(PROTOCOL)).flat_map(list_items)
}

/// The offered or accepted extensions across all lines; their syntax was checked, so
/// every item parses.
pub(crate) fn extensions<'b>(fields: impl FieldLookup<'b>) -> impl Iterator<Item = Extension<'b>> {
    texts(fields.all(EXTENSIONS)).flat_map(|v| Extensions::new(v).filter_map(Result::ok))
}

/// Checks a server's answer before it is written (§4.2.2 item 5): the subprotocol is
/// one the client offered, the extensions value follows §9.1, and no extra header can
/// break the message.
pub(crate) fn check_answer<'o>(
    response: &Response<'_>,
    mut offered: impl Iterator<Item = &'o str>,
) -> Result<(), HandshakeError> {
    if let Some(protocol) = response.protocol {
        // §4.2.2 item 5.5: the value MUST be one of the client's offers.
        if !offered.any(|p| p == protocol) {
            return Err(HandshakeError::ProtocolNotOffered);
        }
    }
    if let Some(ext) = response.extensions {
        if !is_header_value(ext) || Extensions::validate(ext).is_err() {
            return Err(HandshakeError::InvalidArgument);
        }
    }
    if !response
        .headers
        .iter()
        .all(|(name, value)| is_token(name) && is_header_value(value))
    {
        return Err(HandshakeError::InvalidArgument);
    }
    Ok(())
}

/// Checks the choice a server's answer made (§4.1 items 5 and 6): at most one
/// subprotocol, one that was offered, and only offered extensions. Returns the
/// subprotocol.
pub(crate) fn check_choice<'b>(
    fields: impl FieldLookup<'b>,
    offer: &dyn Offer,
) -> Result<Option<&'b str>, HandshakeError> {
    check_lines(fields.all(PROTOCOL))?;
    let mut lines = texts(fields.all(PROTOCOL));
    let protocol = match (lines.next(), lines.next()) {
        (None, _) => None,
        (Some(one), None) => {
            let mut items = list_items(one);
            match (items.next(), items.next()) {
                (Some(p), None) if offer.offered_protocol(p) => Some(p),
                _ => return Err(HandshakeError::ProtocolNotOffered),
            }
        }
        _ => return Err(HandshakeError::ProtocolNotOffered),
    };
    check_lines(fields.all(EXTENSIONS))?;
    for value in texts(fields.all(EXTENSIONS)) {
        for ext in Extensions::new(value) {
            if !offer.offered_extension(ext?.name) {
                return Err(HandshakeError::ExtensionNotOffered);
            }
        }
    }
    Ok(protocol)
}
