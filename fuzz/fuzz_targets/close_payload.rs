//! `CloseFrame::parse` on arbitrary payloads, checked against the rules of §5.5.1 and
//! §7.4 written out independently; an accepted payload writes back to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsframe::{CloseFrame, ProtocolError};

/// §7.4.1 and §7.4.2 plus the IANA registry's 1012–1014; 3000–4999 are registered or
/// private.
fn sendable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

fuzz_target!(|payload: &[u8]| {
    let expected_ok = match payload {
        [] => true,
        [_] => false,
        [hi, lo, reason @ ..] => {
            payload.len() <= 125
                && sendable(u16::from_be_bytes([*hi, *lo]))
                && core::str::from_utf8(reason).is_ok()
        }
    };
    match CloseFrame::parse(payload) {
        Ok(close) => {
            assert!(expected_ok, "accepted {payload:?}");
            assert_eq!(close.code.is_none(), payload.is_empty());
            let mut out = [0u8; 125];
            let n = close.write(&mut out).expect("a parsed close writes back");
            assert_eq!(&out[..n], payload);
        }
        Err(error) => {
            assert!(!expected_ok, "rejected {payload:?}: {error}");
            assert!(matches!(
                error,
                ProtocolError::InvalidClosePayload
                    | ProtocolError::InvalidCloseCode(_)
                    | ProtocolError::InvalidUtf8
                    | ProtocolError::ControlFrameTooLong
            ));
        }
    }
});
