//! permessage-deflate (RFC 7692): the std layer's [`Compression`] (the codec and
//! negotiation of `wsframe-deflate`, inflated text checked by the core's validator),
//! placed between this layer's socket and the core. Without the `deflate` feature no
//! compression state can exist and none of this is compiled.

use wsframe::{CloseCode, Connection, DataKind};

use crate::Error;

#[cfg(feature = "deflate")]
pub(crate) use wsframe_std::Compression;

/// Without the `deflate` feature there is never a compression state.
#[cfg(not(feature = "deflate"))]
#[derive(Debug)]
pub(crate) enum Compression {}

/// Allows RSV1 on the connection once permessage-deflate is agreed (RFC 7692 §6).
pub(crate) fn allow_compressed_frames(conn: &mut Connection) {
    conn.set_allowed_rsv(wsframe::frame::RSV1);
}

/// Server: the agreed compression for the client's offers, when the options accept it.
#[cfg(feature = "deflate")]
pub(crate) fn server<'a>(
    options: &crate::ServerOptions,
    offers: impl IntoIterator<Item = wsframe::handshake::extensions::Extension<'a>>,
) -> Option<Box<Compression>> {
    let config = options.permessage_deflate.as_ref()?;
    Compression::server(offers, config).map(Box::new)
}

#[cfg(not(feature = "deflate"))]
pub(crate) fn server<'a>(
    _: &crate::ServerOptions,
    _: impl IntoIterator<Item = wsframe::handshake::extensions::Extension<'a>>,
) -> Option<Box<Compression>> {
    None
}

/// Client: the `Sec-WebSocket-Extensions` offer, when the options make one.
#[cfg(feature = "deflate")]
pub(crate) fn offer(options: &crate::ClientOptions) -> Option<String> {
    let config = options.permessage_deflate.as_ref()?;
    Some(wsframe_std::wsframe_deflate::Offer(config).to_string())
}

#[cfg(not(feature = "deflate"))]
pub(crate) fn offer(_: &crate::ClientOptions) -> Option<String> {
    None
}

/// Client: checks the server's answer against the offer (RFC 7692 §5).
#[cfg(feature = "deflate")]
pub(crate) fn client<'a>(
    options: &crate::ClientOptions,
    accepted: impl IntoIterator<Item = wsframe::handshake::extensions::Extension<'a>>,
) -> Result<Option<Box<Compression>>, Error> {
    match &options.permessage_deflate {
        Some(config) => Ok(Compression::client(accepted, config)
            .map_err(Error::DeflateNegotiation)?
            .map(Box::new)),
        None => Ok(None),
    }
}

#[cfg(not(feature = "deflate"))]
pub(crate) fn client<'a>(
    _: &crate::ClientOptions,
    _: impl IntoIterator<Item = wsframe::handshake::extensions::Extension<'a>>,
) -> Result<Option<Box<Compression>>, Error> {
    Ok(None)
}

/// Inflates a piece of a compressed message onto `message`, within `limit`; on failure
/// the close code that fails the connection.
#[cfg(feature = "deflate")]
pub(crate) fn inflate(
    compression: &mut Compression,
    kind: DataKind,
    piece: &[u8],
    end: bool,
    limit: u64,
    message: &mut Vec<u8>,
) -> Result<(), (Error, CloseCode)> {
    compression
        .inflate(kind, piece, end, limit, message)
        .map_err(|e| {
            let code = Compression::failure_code(&e);
            let e = match e {
                wsframe_std::Error::Deflate(e) => Error::Deflate(e),
                wsframe_std::Error::Protocol(e) => Error::Protocol(e),
                _ => Error::Closed,
            };
            (e, code)
        })
}

#[cfg(not(feature = "deflate"))]
pub(crate) fn inflate(
    compression: &mut Compression,
    _: DataKind,
    _: &[u8],
    _: bool,
    _: u64,
    _: &mut Vec<u8>,
) -> Result<(), (Error, CloseCode)> {
    match *compression {}
}

/// The compressed form of a whole message, or `None` when it is too short to be worth
/// it.
#[cfg(feature = "deflate")]
pub(crate) fn compress<'c>(
    compression: &'c mut Compression,
    message: &[u8],
) -> Result<Option<&'c [u8]>, Error> {
    compression.compress(message).map_err(|e| match e {
        wsframe_std::Error::Deflate(e) => Error::Deflate(e),
        _ => Error::Closed,
    })
}

#[cfg(not(feature = "deflate"))]
pub(crate) fn compress<'c>(
    compression: &'c mut Compression,
    _: &[u8],
) -> Result<Option<&'c [u8]>, Error> {
    match *compression {}
}

/// Gives back a large compression buffer after a large message.
#[cfg(feature = "deflate")]
pub(crate) fn shrink(compression: &mut Compression, keep: usize) {
    compression.shrink(keep);
}

#[cfg(not(feature = "deflate"))]
pub(crate) fn shrink(compression: &mut Compression, _: usize) {
    match *compression {}
}

/// The agreed `Sec-WebSocket-Extensions` value.
#[cfg(feature = "deflate")]
pub(crate) fn agreed(compression: &Compression) -> &str {
    compression.agreed()
}

#[cfg(not(feature = "deflate"))]
pub(crate) fn agreed(compression: &Compression) -> &str {
    match *compression {}
}
