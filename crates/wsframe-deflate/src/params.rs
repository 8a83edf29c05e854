//! Negotiation of permessage-deflate (RFC 7692 §5, §7.1).
//!
//! The server walks the client's offers in order and accepts the first one it can honour
//! ([`negotiate`]); the client writes its offer ([`Offer`]) and checks the server's answer
//! ([`accept_response`]). Offers and answers are read with the core's §9.1 parser
//! ([`wsframe::handshake::extensions`]); this module only judges the parameters.
//! Nothing here allocates: answers are written through [`core::fmt::Display`].

use core::fmt;

use wsframe::handshake::extensions::Extension;
use wsframe::Role;

/// The registered extension name (RFC 7692 §7).
pub const NAME: &str = "permessage-deflate";

/// The smallest LZ77 window size parameter (RFC 7692 §7.1.2.1).
pub const MIN_WINDOW_BITS: u8 = 8;
/// The largest LZ77 window size parameter, the default.
pub const MAX_WINDOW_BITS: u8 = 15;

/// What this endpoint asks for or accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateConfig {
    /// Have the server reset its compression context after every message (§7.1.1.1).
    /// A server sets it to save memory; a client asks for it.
    pub server_no_context_takeover: bool,
    /// Have the client reset its compression context after every message (§7.1.1.2).
    pub client_no_context_takeover: bool,
    /// The largest window the server may compress with, 8 to 15 (§7.1.2.1).
    pub server_max_window_bits: u8,
    /// The largest window the client may compress with, 8 to 15 (§7.1.2.2).
    pub client_max_window_bits: u8,
    /// The compression level, 0 (store) to 9 (smallest).
    pub level: u8,
    /// Messages shorter than this are sent uncompressed (compression would not pay).
    pub min_size: usize,
}

impl Default for DeflateConfig {
    /// Full windows, context takeover both ways, level 6 (zlib's default), and no
    /// compression below 64 bytes.
    fn default() -> Self {
        Self {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: MAX_WINDOW_BITS,
            client_max_window_bits: MAX_WINDOW_BITS,
            level: 6,
            min_size: 64,
        }
    }
}

/// The parameters both ends agreed on; rendered with `Display` as the server's
/// `Sec-WebSocket-Extensions` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreed {
    /// The server resets its context after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its context after each message.
    pub client_no_context_takeover: bool,
    /// The server's window, 8 to 15.
    pub server_max_window_bits: u8,
    /// The client's window, 8 to 15.
    pub client_max_window_bits: u8,
    /// Whether the answer names `client_max_window_bits` (only allowed when offered).
    announce_client_window: bool,
    /// Whether the answer names `server_max_window_bits`.
    announce_server_window: bool,
}

impl Agreed {
    /// How the endpoint in `role` compresses: (reset after each message, window bits).
    pub fn compressor(&self, role: Role) -> (bool, u8) {
        match role {
            Role::Server => (self.server_no_context_takeover, self.server_max_window_bits),
            Role::Client => (self.client_no_context_takeover, self.client_max_window_bits),
        }
    }

    /// Whether the peer of the endpoint in `role` resets its context after each message.
    pub fn peer_resets(&self, role: Role) -> bool {
        match role {
            Role::Server => self.client_no_context_takeover,
            Role::Client => self.server_no_context_takeover,
        }
    }
}

impl fmt::Display for Agreed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(NAME)?;
        if self.server_no_context_takeover {
            f.write_str("; server_no_context_takeover")?;
        }
        if self.client_no_context_takeover {
            f.write_str("; client_no_context_takeover")?;
        }
        if self.announce_server_window {
            write!(
                f,
                "; server_max_window_bits={}",
                self.server_max_window_bits
            )?;
        }
        if self.announce_client_window {
            write!(
                f,
                "; client_max_window_bits={}",
                self.client_max_window_bits
            )?;
        }
        Ok(())
    }
}

/// A client's offer for `config`, rendered with `Display` as a `Sec-WebSocket-Extensions`
/// value. It always names `client_max_window_bits` so a server may shrink the client's
/// window (§7.1.2.2).
///
/// ```
/// use wsframe_deflate::{DeflateConfig, Offer};
/// assert_eq!(Offer(&DeflateConfig::default()).to_string(), "permessage-deflate; client_max_window_bits");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Offer<'c>(pub &'c DeflateConfig);

impl fmt::Display for Offer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        f.write_str(NAME)?;
        if c.server_no_context_takeover {
            f.write_str("; server_no_context_takeover")?;
        }
        if c.client_no_context_takeover {
            f.write_str("; client_no_context_takeover")?;
        }
        if c.server_max_window_bits < MAX_WINDOW_BITS {
            write!(f, "; server_max_window_bits={}", c.server_max_window_bits)?;
        }
        if c.client_max_window_bits < MAX_WINDOW_BITS {
            write!(f, "; client_max_window_bits={}", c.client_max_window_bits)
        } else {
            f.write_str("; client_max_window_bits")
        }
    }
}

/// Why a server's answer cannot be used; the client fails the connection (§5: "the
/// client MUST _Fail the WebSocket Connection_").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NegotiationError {
    /// A parameter is unknown, repeated, or has a bad value (§7.1).
    InvalidParameter,
    /// The answer accepts permessage-deflate more than once.
    Repeated,
    /// The answer leaves out or loosens something the offer required (§7.1.1.1, §7.1.2.1).
    NotHonoured,
}

impl fmt::Display for NegotiationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidParameter => "invalid permessage-deflate parameter",
            Self::Repeated => "permessage-deflate accepted twice",
            Self::NotHonoured => "permessage-deflate answer does not honour the offer",
        })
    }
}

impl core::error::Error for NegotiationError {}

/// The parameters of one offer or answer, each seen at most once.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Params {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: named without a value (only valid in an offer).
    client_max_window_bits: Option<Option<u8>>,
}

fn window_bits(value: &str) -> Option<u8> {
    // §7.1.2.1: a decimal integer from 8 to 15, no leading zeros.
    let bits: u8 = value.parse().ok()?;
    let canonical = !value.starts_with('0') && value.len() <= 2;
    (canonical && (MIN_WINDOW_BITS..=MAX_WINDOW_BITS).contains(&bits)).then_some(bits)
}

fn parse_params(ext: &Extension<'_>) -> Result<Params, NegotiationError> {
    let mut p = Params::default();
    let invalid = NegotiationError::InvalidParameter;
    for param in ext.params() {
        let param = param.map_err(|_| invalid)?;
        match (param_name(param.name), param.value) {
            (Name::ServerNoContextTakeover, None) if !p.server_no_context_takeover => {
                p.server_no_context_takeover = true
            }
            (Name::ClientNoContextTakeover, None) if !p.client_no_context_takeover => {
                p.client_no_context_takeover = true
            }
            (Name::ServerMaxWindowBits, Some(v)) if p.server_max_window_bits.is_none() => {
                p.server_max_window_bits = Some(window_bits(v).ok_or(invalid)?)
            }
            (Name::ClientMaxWindowBits, v) if p.client_max_window_bits.is_none() => {
                p.client_max_window_bits = Some(match v {
                    Some(v) => Some(window_bits(v).ok_or(invalid)?),
                    None => None,
                })
            }
            _ => return Err(invalid),
        }
    }
    Ok(p)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    ServerNoContextTakeover,
    ClientNoContextTakeover,
    ServerMaxWindowBits,
    ClientMaxWindowBits,
    Other,
}

fn param_name(name: &str) -> Name {
    const NAMES: [(&str, Name); 4] = [
        ("server_no_context_takeover", Name::ServerNoContextTakeover),
        ("client_no_context_takeover", Name::ClientNoContextTakeover),
        ("server_max_window_bits", Name::ServerMaxWindowBits),
        ("client_max_window_bits", Name::ClientMaxWindowBits),
    ];
    NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map_or(Name::Other, |(_, name)| *name)
}

/// Server: picks the first permessage-deflate offer it can accept (§5.1), or `None` to
/// decline. Offers with unknown, repeated or invalid parameters are skipped (§7.1).
///
/// ```
/// use wsframe::handshake::extensions::Extensions;
/// use wsframe_deflate::{negotiate, DeflateConfig};
/// // Chromium's offer.
/// let offers = Extensions::new("permessage-deflate; client_max_window_bits").flatten();
/// let agreed = negotiate(offers, &DeflateConfig::default()).unwrap();
/// assert_eq!(agreed.to_string(), "permessage-deflate");
/// ```
pub fn negotiate<'a>(
    offers: impl IntoIterator<Item = Extension<'a>>,
    config: &DeflateConfig,
) -> Option<Agreed> {
    offers
        .into_iter()
        .filter(|ext| ext.name.eq_ignore_ascii_case(NAME))
        .find_map(|ext| accept_offer(&parse_params(&ext).ok()?, config))
}

fn accept_offer(offer: &Params, config: &DeflateConfig) -> Option<Agreed> {
    let server_cap = config
        .server_max_window_bits
        .clamp(MIN_WINDOW_BITS, MAX_WINDOW_BITS);
    let server_window = offer
        .server_max_window_bits
        .map_or(server_cap, |n| n.min(server_cap));
    let client_cap = config
        .client_max_window_bits
        .clamp(MIN_WINDOW_BITS, MAX_WINDOW_BITS);
    let (client_window, announce_client_window) = match offer.client_max_window_bits {
        // The client may be told a smaller window only if it offered the parameter.
        Some(value) => {
            let offered = value.unwrap_or(MAX_WINDOW_BITS);
            let window = offered.min(client_cap);
            (
                window,
                window < offered || value.is_some() && window < MAX_WINDOW_BITS,
            )
        }
        None => (MAX_WINDOW_BITS, false),
    };
    if offer.client_max_window_bits.is_none() && client_cap < MAX_WINDOW_BITS {
        // We need the client to use a smaller window but it cannot be told: decline.
        return None;
    }
    Some(Agreed {
        server_no_context_takeover: offer.server_no_context_takeover
            || config.server_no_context_takeover,
        client_no_context_takeover: offer.client_no_context_takeover
            || config.client_no_context_takeover,
        server_max_window_bits: server_window,
        client_max_window_bits: client_window,
        announce_client_window,
        announce_server_window: offer.server_max_window_bits.is_some()
            || server_window < MAX_WINDOW_BITS,
    })
}

/// Client: checks the server's accepted extensions against the offer made with `config`.
/// `Ok(None)`: the server declined compression.
pub fn accept_response<'a>(
    accepted: impl IntoIterator<Item = Extension<'a>>,
    config: &DeflateConfig,
) -> Result<Option<Agreed>, NegotiationError> {
    let mut found = None;
    for ext in accepted
        .into_iter()
        .filter(|e| e.name.eq_ignore_ascii_case(NAME))
    {
        if found.is_some() {
            return Err(NegotiationError::Repeated);
        }
        let p = parse_params(&ext)?;
        // In an answer, client_max_window_bits needs a value (§7.1.2.2).
        let client_window = match p.client_max_window_bits {
            Some(None) => return Err(NegotiationError::InvalidParameter),
            Some(Some(n)) => n,
            None => config
                .client_max_window_bits
                .clamp(MIN_WINDOW_BITS, MAX_WINDOW_BITS),
        };
        let asked_server_window = config.server_max_window_bits < MAX_WINDOW_BITS;
        let server_window = match p.server_max_window_bits {
            Some(n) if asked_server_window && n > config.server_max_window_bits => {
                return Err(NegotiationError::NotHonoured)
            }
            Some(n) => n,
            None if asked_server_window => return Err(NegotiationError::NotHonoured),
            None => MAX_WINDOW_BITS,
        };
        if config.server_no_context_takeover && !p.server_no_context_takeover {
            return Err(NegotiationError::NotHonoured);
        }
        found = Some(Agreed {
            server_no_context_takeover: p.server_no_context_takeover,
            client_no_context_takeover: p.client_no_context_takeover
                || config.client_no_context_takeover,
            server_max_window_bits: server_window,
            client_max_window_bits: client_window
                .min(config.client_max_window_bits.max(MIN_WINDOW_BITS)),
            announce_client_window: p.client_max_window_bits.is_some(),
            announce_server_window: p.server_max_window_bits.is_some(),
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use wsframe::handshake::extensions::Extensions;

    fn server(offer: &str, config: &DeflateConfig) -> Option<Agreed> {
        negotiate(Extensions::new(offer).flatten(), config)
    }

    fn client(answer: &str, config: &DeflateConfig) -> Result<Option<Agreed>, NegotiationError> {
        accept_response(Extensions::new(answer).flatten(), config)
    }

    #[test]
    fn browser_offers() {
        let c = DeflateConfig::default();
        let chromium = server("permessage-deflate; client_max_window_bits", &c).unwrap();
        assert_eq!(chromium.to_string(), "permessage-deflate");
        assert_eq!(chromium.compressor(Role::Server), (false, 15));
        let firefox = server("permessage-deflate", &c).unwrap();
        assert_eq!(firefox.to_string(), "permessage-deflate");
    }

    #[test]
    fn offer_parameters_are_honoured() {
        let c = DeflateConfig::default();
        let a = server(
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10",
            &c,
        )
        .unwrap();
        assert_eq!(
            a.to_string(),
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10"
        );
        assert_eq!(a.compressor(Role::Server), (true, 10));
        let a = server(
            "permessage-deflate; client_no_context_takeover; client_max_window_bits=9",
            &c,
        )
        .unwrap();
        assert_eq!(
            a.to_string(),
            "permessage-deflate; client_no_context_takeover; client_max_window_bits=9"
        );
        assert!(a.peer_resets(Role::Server));
    }

    #[test]
    fn server_config_shrinks_the_client_window_only_when_it_can() {
        let c = DeflateConfig {
            client_max_window_bits: 10,
            server_no_context_takeover: true,
            ..Default::default()
        };
        let a = server("permessage-deflate; client_max_window_bits", &c).unwrap();
        assert_eq!(
            a.to_string(),
            "permessage-deflate; server_no_context_takeover; client_max_window_bits=10"
        );
        // Without client_max_window_bits in the offer the client cannot be told: decline.
        assert_eq!(server("permessage-deflate", &c), None);
    }

    #[test]
    fn invalid_offers_are_skipped_in_favour_of_the_next() {
        let c = DeflateConfig::default();
        for bad in [
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=010",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; x=1",
        ] {
            assert_eq!(server(bad, &c), None, "{bad}");
            let both = alloc::format!("{bad}, permessage-deflate; client_no_context_takeover");
            assert_eq!(
                server(&both, &c).unwrap().to_string(),
                "permessage-deflate; client_no_context_takeover"
            );
        }
        assert_eq!(server("x-webkit-deflate-frame", &c), None);
    }

    #[test]
    fn client_checks_the_answer() {
        let c = DeflateConfig::default();
        assert_eq!(
            Offer(&c).to_string(),
            "permessage-deflate; client_max_window_bits"
        );
        let a = client("permessage-deflate; client_max_window_bits=9", &c)
            .unwrap()
            .unwrap();
        assert_eq!(a.compressor(Role::Client), (false, 9));
        assert_eq!(client("", &c), Ok(None));
        assert_eq!(
            client("permessage-deflate; client_max_window_bits", &c),
            Err(NegotiationError::InvalidParameter)
        );
        assert_eq!(
            client("permessage-deflate; foo", &c),
            Err(NegotiationError::InvalidParameter)
        );
        assert_eq!(
            client("permessage-deflate, permessage-deflate", &c),
            Err(NegotiationError::Repeated)
        );
        let strict = DeflateConfig {
            server_no_context_takeover: true,
            server_max_window_bits: 10,
            ..c
        };
        assert_eq!(
            Offer(&strict).to_string(),
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits"
        );
        assert_eq!(
            client("permessage-deflate; server_max_window_bits=10", &strict),
            Err(NegotiationError::NotHonoured)
        );
        assert_eq!(
            client(
                "permessage-deflate; server_no_context_takeover; server_max_window_bits=11",
                &strict
            ),
            Err(NegotiationError::NotHonoured)
        );
        let ok = client(
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=9",
            &strict,
        );
        assert_eq!(ok.unwrap().unwrap().compressor(Role::Server), (true, 9));
    }
}
