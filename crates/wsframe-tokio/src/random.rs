//! Randomness from the operating system: the client's handshake nonce and the seed of
//! its masking keys (§5.3, §10.3: unpredictable to the network).

use std::io;

use crate::Error;

/// The seed the core derives a client's masking keys from; its size is inferred from
/// `Connection::client`, so it follows the core's choice.
pub(crate) fn mask_seed<const N: usize>() -> Result<[u8; N], Error> {
    random()
}

/// The `Sec-WebSocket-Key` nonce (§4.1: 16 random bytes).
pub(crate) fn nonce() -> Result<[u8; 16], Error> {
    random()
}

fn random<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| Error::Io(io::Error::other(e.to_string())))?;
    Ok(bytes)
}
