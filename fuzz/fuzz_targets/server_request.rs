//! `server::Request::parse` on arbitrary bytes under arbitrary limits: no panic; a
//! complete request respects the limits, parses the same from its head alone, and can
//! be answered; every error has an HTTP status and a rejection that fits 512 bytes;
//! `Partial` only while under the byte cap; a prefix is `Partial` or has the same verdict.
//!
//! Input: a limits byte (`handshake_limits`), then the request.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsframe::handshake::server::{Rejection, Request, Response};
use wsframe::handshake::Status;
use wsframe_fuzz::{handshake_limits, take_byte};

fuzz_target!(|data: &[u8]| {
    let (choice, buf) = take_byte(data);
    let limits = handshake_limits(choice);
    let result = Request::parse(buf, &limits);
    // A prefix is incomplete or already has the final verdict: how the bytes arrive
    // cannot change the answer.
    for k in [
        buf.len() / 4,
        buf.len() / 2,
        buf.len() * 3 / 4,
        buf.len().saturating_sub(1),
    ] {
        let early = Request::parse(&buf[..k], &limits);
        assert!(
            early == Ok(Status::Partial) || early == result,
            "prefix of {k} bytes: {early:?}, whole: {result:?}"
        );
    }
    match result {
        Ok(Status::Complete { value, head_len }) => {
            assert!(head_len <= buf.len() && head_len <= limits.max_bytes);
            assert!(buf[..head_len].ends_with(b"\n"));
            match Request::parse(&buf[..head_len], &limits) {
                Ok(Status::Complete {
                    value: again,
                    head_len: n,
                }) => {
                    assert_eq!((again, n), (value, head_len))
                }
                other => panic!("the head alone parses differently: {other:?}"),
            }
            // Shorter prefixes are incomplete (a few, to stay fast).
            for k in [0, head_len / 2, head_len - 1] {
                assert_eq!(Request::parse(&buf[..k], &limits), Ok(Status::Partial));
            }
            let _ = value.protocols().count();
            let _ = value.extensions().count();
            let _ = value.header("sec-websocket-key");
            assert_eq!(value.accept_key().len(), 28);
            let mut out = [0u8; 1024];
            let n = Response::default()
                .write(&value, &mut out)
                .expect("a 101 without extras fits 1 KiB");
            assert!(out[..n].starts_with(b"HTTP/1.1 101 "));
            let protocol = value.protocols().next();
            let _ = Response {
                protocol,
                ..Response::default()
            }
            .write(&value, &mut out);
        }
        Ok(Status::Partial) => {
            assert!(buf.len() < limits.max_bytes);
        }
        Err(error) => {
            assert!(matches!(error.http_status(), 400 | 403 | 426 | 431));
            let mut out = [0u8; 512];
            let n = Rejection::for_error(error)
                .write(&mut out)
                .expect("a rejection fits 512 bytes");
            let status = error.http_status().to_string();
            assert!(out[..n].starts_with(format!("HTTP/1.1 {status} ").as_bytes()));
        }
    }
});
