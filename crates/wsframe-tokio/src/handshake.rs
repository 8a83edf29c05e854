//! The opening handshake over an async stream: the core parses and checks, this module
//! reads, writes and asks the options for the application's choices.

use std::future::Future;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use wsframe::handshake::{client, server};
use wsframe::{Connection, Event, HandshakeError};

use crate::deflate::{self, Compression};
use crate::{ClientOptions, Error, OpeningRequest, ServerOptions};

/// Room for a handshake rejection the core owes (under 256 bytes).
const OWED_CAPACITY: usize = 512;
/// The handshake is read in steps of this many bytes, up to the handshake limit.
const STEP: usize = 2048;

/// A finished opening handshake.
pub(crate) struct Opened {
    pub(crate) conn: Connection,
    pub(crate) protocol: Option<String>,
    /// Bytes received after the HTTP head: the first frames.
    pub(crate) rest: Vec<u8>,
    /// permessage-deflate, when agreed.
    pub(crate) compression: Option<Box<Compression>>,
}

/// Bounds `future` by `limit`, failing with [`Error::HandshakeTimeout`].
pub(crate) async fn within<T>(
    limit: Option<Duration>,
    future: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match limit {
        Some(limit) => tokio::time::timeout(limit, future)
            .await
            .unwrap_or(Err(Error::HandshakeTimeout)),
        None => future.await,
    }
}

/// Reads more of a handshake into `buf`, never past `limit` bytes in all; `false` at
/// the end of the stream.
async fn read_more<S: AsyncRead + Unpin>(
    io: &mut S,
    buf: &mut Vec<u8>,
    limit: usize,
) -> Result<bool, Error> {
    let old = buf.len();
    let room = limit.saturating_sub(old).min(STEP);
    if room == 0 {
        // The core refuses a head over its limit before this; stay bounded regardless.
        return Err(Error::Handshake(HandshakeError::TooLarge));
    }
    buf.resize(old + room, 0);
    let n = io.read(&mut buf[old..]).await;
    buf.truncate(old + *n.as_ref().unwrap_or(&0));
    Ok(n? > 0)
}

/// Server: reads the request and answers it as `options` say.
pub(crate) async fn accept<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    options: &ServerOptions,
) -> Result<Opened, Error> {
    let mut conn = Connection::server(options.config);
    let limit = options.config.handshake.max_bytes + 1;
    let mut buf = Vec::new();
    loop {
        let received = conn.receive(&mut buf);
        let mut answer = Vec::new();
        let outcome = match received {
            Ok(got) => match got.event {
                Some(Event::Request(request)) => {
                    let consumed = got.consumed;
                    if !options.allows_origin(request.origin) {
                        let mut owed = [0u8; OWED_CAPACITY];
                        let n = conn.reject(&server::Rejection::Forbidden, &mut owed)?;
                        answer.extend_from_slice(&owed[..n]);
                        Err(Error::Handshake(HandshakeError::OriginRefused))
                    } else if let Some(refusal) = options.refusal(&OpeningRequest::new(
                        request.path,
                        request.origin,
                        &|name| request.header(name),
                    )) {
                        answer = refusal.reject(&mut conn)?;
                        Err(Error::Refused(refusal.status))
                    } else {
                        let offered: Vec<&str> = request.protocols().collect();
                        let protocol = options.choose_protocol(&offered);
                        // Other extensions are declined.
                        let compression = deflate::server(options, request.extensions());
                        let extensions = compression.as_deref().map(deflate::agreed);
                        let response = server::Response {
                            protocol: protocol.as_deref(),
                            extensions,
                            ..server::Response::default()
                        };
                        answer.resize(
                            OWED_CAPACITY
                                + protocol.as_ref().map_or(0, String::len)
                                + extensions.map_or(0, str::len),
                            0,
                        );
                        let n = conn.accept(&request, &response, &mut answer)?;
                        answer.truncate(n);
                        if compression.is_some() {
                            deflate::allow_compressed_frames(&mut conn);
                        }
                        Ok(Some((protocol, consumed, compression)))
                    }
                }
                Some(_) => Err(Error::Closed),
                None => Ok(None),
            },
            Err(wsframe::Error::Handshake(
                e @ (HandshakeError::MissingUpgrade | HandshakeError::MissingConnection),
            )) => match options.answer_http(&buf) {
                Some(response) => {
                    conn.abort();
                    answer = response;
                    Err(Error::HttpAnswered)
                }
                None => Err(owed(&mut conn, &mut answer, e.into())),
            },
            Err(e) => Err(owed(&mut conn, &mut answer, e.into())),
        };
        if !answer.is_empty() {
            io.write_all(&answer).await?;
            io.flush().await?;
        }
        match outcome? {
            Some((protocol, consumed, compression)) => {
                return Ok(Opened {
                    conn,
                    protocol,
                    rest: buf.split_off(consumed),
                    compression,
                })
            }
            None => {
                if !read_more(io, &mut buf, limit).await? {
                    return Err(Error::ConnectionReset);
                }
            }
        }
    }
}

/// Appends the rejection the core owes to `answer`; returns `error`.
fn owed(conn: &mut Connection, answer: &mut Vec<u8>, error: Error) -> Error {
    let mut owed = [0u8; OWED_CAPACITY];
    if let Ok(Some(n)) = conn.poll_transmit(&mut owed) {
        answer.extend_from_slice(&owed[..n]);
    }
    error
}

/// Client: writes the request for `path` on `host` and reads the server's 101, which
/// the core checks (§4.1).
pub(crate) async fn connect<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    host: &str,
    path: &str,
    options: &ClientOptions,
) -> Result<Opened, Error> {
    let mut conn = Connection::client(options.config, crate::random::mask_seed()?);
    let protocols: Vec<&str> = options.protocols.iter().map(String::as_str).collect();
    let headers: Vec<(&str, &str)> = options
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let offer = deflate::offer(options);
    let request = client::Request {
        protocols: &protocols,
        extensions: offer.as_deref(),
        origin: options.origin.as_deref(),
        headers: &headers,
        ..client::Request::new(host, path, crate::random::nonce()?)
    };
    let extra: usize = protocols.iter().map(|p| p.len() + 2).sum::<usize>()
        + options.origin.as_ref().map_or(0, String::len)
        + headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum::<usize>()
        + offer.as_ref().map_or(0, String::len);
    let mut head = vec![0u8; 1024 + host.len() + path.len() + extra];
    let n = conn.write_request(&request, &mut head)?;
    io.write_all(&head[..n]).await?;
    io.flush().await?;
    let limit = options.config.handshake.max_bytes + 1;
    let mut buf = Vec::new();
    loop {
        let got = conn.receive(&mut buf)?;
        match got.event {
            Some(Event::Opened(response)) => {
                let protocol = response.protocol.map(str::to_owned);
                let consumed = got.consumed;
                let compression = match deflate::client(options, response.extensions()) {
                    Ok(compression) => compression,
                    Err(e) => {
                        // RFC 7692 §5: the client fails the connection (1002 is
                        // sendable, so this is not refused).
                        let _ = conn.fail_with(wsframe::CloseCode::PROTOCOL_ERROR);
                        let mut answer = Vec::new();
                        let e = owed(&mut conn, &mut answer, e);
                        io.write_all(&answer).await?;
                        io.flush().await?;
                        return Err(e);
                    }
                };
                if compression.is_some() {
                    deflate::allow_compressed_frames(&mut conn);
                }
                return Ok(Opened {
                    conn,
                    protocol,
                    rest: buf.split_off(consumed),
                    compression,
                });
            }
            Some(_) => return Err(Error::Closed),
            None => {
                if !read_more(io, &mut buf, limit).await? {
                    return Err(Error::ConnectionReset);
                }
            }
        }
    }
}
