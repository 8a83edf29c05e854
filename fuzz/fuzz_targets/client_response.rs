//! `client::Response::parse` on arbitrary bytes against a fixed offer (two
//! subprotocols, one extension): no panic; an accepted response has status 101, the
//! right accept value and only offered choices, and parses the same from its head alone;
//! `Partial` only while under the byte cap; a prefix is `Partial` or has the same verdict.
//!
//! Input: a limits byte (`handshake_limits`), then the response.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsframe::handshake::client::Response;
use wsframe::handshake::Status;
use wsframe_fuzz::{client_request, handshake_limits, take_byte};

fuzz_target!(|data: &[u8]| {
    let (choice, buf) = take_byte(data);
    let limits = handshake_limits(choice);
    let request = client_request();
    let result = Response::parse(buf, &request, &limits);
    // A prefix is incomplete or already has the final verdict: how the bytes arrive
    // cannot change the answer.
    for k in [
        buf.len() / 4,
        buf.len() / 2,
        buf.len() * 3 / 4,
        buf.len().saturating_sub(1),
    ] {
        let early = Response::parse(&buf[..k], &request, &limits);
        assert!(
            early == Ok(Status::Partial) || early == result,
            "prefix of {k} bytes: {early:?}, whole: {result:?}"
        );
    }
    match result {
        Ok(Status::Complete { value, head_len }) => {
            assert!(head_len <= buf.len() && head_len <= limits.max_bytes);
            let head = &buf[..head_len];
            // The status line comes first (no blank lines before it are accepted).
            assert!(head.starts_with(b"HTTP/1."));
            let accept = request.expected_accept();
            assert!(head.windows(accept.len()).any(|w| w == accept));
            if let Some(p) = value.protocol {
                assert!(request.protocols.contains(&p));
            }
            for ext in value.extensions() {
                assert!(ext.name.eq_ignore_ascii_case("permessage-deflate"));
                let _ = ext.params().count();
            }
            match Response::parse(head, &request, &limits) {
                Ok(Status::Complete {
                    value: again,
                    head_len: n,
                }) => {
                    assert_eq!((again, n), (value, head_len))
                }
                other => panic!("the head alone parses differently: {other:?}"),
            }
            for k in [0, head_len / 2, head_len - 1] {
                assert_eq!(
                    Response::parse(&buf[..k], &request, &limits),
                    Ok(Status::Partial)
                );
            }
        }
        Ok(Status::Partial) => assert!(buf.len() < limits.max_bytes),
        Err(error) => {
            // The client has nothing to send; the error still names a status.
            let _ = error.http_status();
            let _ = error.to_string();
        }
    }
});
