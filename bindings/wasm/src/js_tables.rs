//! The JavaScript side of the boundary, rendered from this crate and the core:
//! `js/tables.mjs` (error kinds and texts, event codes, data flags, register offsets)
//! and `test/error-vectors.json` (error numbers as calls return them, with the core's
//! `Display` text of each, which the Node tests check `toError` against).
//!
//! The test fails when a committed file differs from what it renders;
//! `WSFRAME_BLESS=1 cargo test -p wsframe-wasm js_tables` rewrites them.

use super::errors::*;
use super::*;
use std::fmt::Write as _;
use std::string::{String, ToString};
use std::vec::Vec;
use wsframe::{Error, HandshakeError, ProtocolError};

/// How a text shows the value its error carries, as the core's `Display` does (the name
/// `toError` in js/codec.mjs knows it by).
fn value_format(message: &str, with_zero: &str, with_eleven: &str) -> &'static str {
    let zero = with_zero
        .strip_prefix(message)
        .expect("Display starts with message()");
    let eleven = with_eleven
        .strip_prefix(message)
        .expect("Display starts with message()");
    match (zero, eleven) {
        ("", "") => "",
        (" (0x0)", " (0xb)") => "hex",
        (" (0b000)", " (0b1011)") => "bin",
        (" (0)", " (11)") => "dec",
        ("", " (11)") => "dec-nonzero",
        (" (0 bytes needed)", " (11 bytes needed)") => "needed",
        _ => panic!("a value shown as {zero:?} / {eleven:?}: teach value_format and toError"),
    }
}

/// A variant with the value 11 where it carries one (the core's `ALL` has 0).
fn protocol_with(e: ProtocolError) -> ProtocolError {
    match e {
        ProtocolError::ReservedOpcode(_) => ProtocolError::ReservedOpcode(11),
        ProtocolError::ReservedBits(_) => ProtocolError::ReservedBits(11),
        ProtocolError::InvalidCloseCode(_) => ProtocolError::InvalidCloseCode(11),
        e => e,
    }
}

fn handshake_with(e: HandshakeError) -> HandshakeError {
    match e {
        HandshakeError::NotSwitchingProtocols(_) => HandshakeError::NotSwitchingProtocols(11),
        e => e,
    }
}

fn send_with(e: SendError) -> SendError {
    match e {
        SendError::InvalidCloseCode(_) => SendError::InvalidCloseCode(11),
        SendError::BufferTooSmall { .. } => SendError::BufferTooSmall { needed: 11 },
        e => e,
    }
}

/// One kind's table: `[text, value format]` by index (index 0: the kind's generic text),
/// and test vectors `[code, Display]` for every variant with 0 and with 11.
fn table<E: Copy + PartialEq + core::fmt::Display>(
    generic: &str,
    all: &[E],
    message: fn(E) -> &'static str,
    with: fn(E) -> E,
    code: fn(E) -> Code,
    vectors: &mut Vec<(Code, String)>,
) -> String {
    let mut rows = vec![format!("  [{generic:?}, \"\"]")];
    for &e in all {
        let format = value_format(message(e), &e.to_string(), &with(e).to_string());
        rows.push(format!("  [{:?}, \"{format}\"]", message(e)));
        vectors.push((code(e), e.to_string()));
        if with(e) != e {
            vectors.push((code(with(e)), with(e).to_string()));
        }
    }
    format!("[\n{},\n]", rows.join(",\n"))
}

fn render() -> (String, String) {
    let mut vectors = Vec::new();
    let protocol = table(
        "protocol error",
        &ProtocolError::ALL,
        ProtocolError::message,
        protocol_with,
        protocol_err,
        &mut vectors,
    );
    let handshake = table(
        "handshake error",
        &HandshakeError::ALL,
        HandshakeError::message,
        handshake_with,
        handshake_err,
        &mut vectors,
    );
    let send = table(
        "send error",
        &SendError::ALL,
        SendError::message,
        send_with,
        send_err,
        &mut vectors,
    );
    vectors.push((conn_err(Error::Closed), Error::CLOSED_MESSAGE.to_string()));
    let arguments: Vec<String> = ARGUMENT_MESSAGES
        .iter()
        .map(|m| format!("  {m:?}"))
        .collect();
    let mut js = String::new();
    let w = &mut js;
    writeln!(
        w,
        "// The wasm module's side of the boundary, rendered from bindings/wasm/src and the"
    )
    .unwrap();
    writeln!(
        w,
        "// core's error texts by `cargo test -p wsframe-wasm` (src/js_tables.rs), which fails"
    )
    .unwrap();
    writeln!(
        w,
        "// when this file differs: do not edit; `WSFRAME_BLESS=1 cargo test -p wsframe-wasm"
    )
    .unwrap();
    writeln!(w, "// js_tables` rewrites it.").unwrap();
    writeln!(w).unwrap();
    writeln!(
        w,
        "/** Error kinds of the numbers calls return (src/errors.rs). */"
    )
    .unwrap();
    for (name, value) in [
        ("KIND_PROTOCOL", KIND_PROTOCOL),
        ("KIND_HANDSHAKE", KIND_HANDSHAKE),
        ("KIND_SEND", KIND_SEND),
        ("KIND_CLOSED", KIND_CLOSED),
        ("KIND_ARGUMENT", KIND_ARGUMENT),
        ("KIND_MEMORY", KIND_MEMORY),
    ] {
        writeln!(w, "export const {name} = {value};").unwrap();
    }
    writeln!(w).unwrap();
    writeln!(w, "/**").unwrap();
    writeln!(
        w,
        " * The core's texts by kind and index, each with how it shows the value its error"
    )
    .unwrap();
    writeln!(w, " * carries (\"\" none, \"hex\", \"bin\", \"dec\", \"dec-nonzero\", \"needed\"); index 0 is the").unwrap();
    writeln!(w, " * kind's text for an index this table does not have.").unwrap();
    writeln!(w, " */").unwrap();
    writeln!(w, "export const PROTOCOL_MESSAGES = {protocol};").unwrap();
    writeln!(w, "export const HANDSHAKE_MESSAGES = {handshake};").unwrap();
    writeln!(w, "export const SEND_MESSAGES = {send};").unwrap();
    writeln!(
        w,
        "export const CLOSED_MESSAGE = {:?};",
        Error::CLOSED_MESSAGE
    )
    .unwrap();
    writeln!(
        w,
        "/** The binding's texts for invalid arguments (a TypeError). */"
    )
    .unwrap();
    writeln!(
        w,
        "export const ARGUMENT_MESSAGES = [\n{},\n];",
        arguments.join(",\n")
    )
    .unwrap();
    writeln!(w).unwrap();
    writeln!(
        w,
        "/** Event codes of Conn.poll, data event flags and register offsets (src/lib.rs). */"
    )
    .unwrap();
    for (name, value) in [
        ("EVENT_NONE", EV_NONE),
        ("EVENT_REQUEST", EV_REQUEST),
        ("EVENT_OPENED", EV_OPENED),
        ("EVENT_DATA", EV_DATA),
        ("EVENT_PING", EV_PING),
        ("EVENT_PONG", EV_PONG),
        ("EVENT_CLOSE", EV_CLOSE),
        ("FLAG_TEXT", FLAG_TEXT),
        ("FLAG_END_OF_FRAME", FLAG_END_OF_FRAME),
        ("FLAG_END_OF_MESSAGE", FLAG_END_OF_MESSAGE),
        ("FLAG_COMPRESSED", FLAG_COMPRESSED),
    ] {
        writeln!(w, "export const {name} = {value};").unwrap();
    }
    for (name, value) in [
        ("R_EV_PTR", R_EV_PTR),
        ("R_EV_LEN", R_EV_LEN),
        ("R_EV_FLAGS", R_EV_FLAGS),
        ("R_CLOSE_CODE", R_CLOSE_CODE),
        ("R_OUT_PTR", R_OUT_PTR),
        ("R_HEAD_PTR", R_HEAD_PTR),
        ("R_INFO_PTR", R_INFO_PTR),
        ("R_INFO_LEN", R_INFO_LEN),
        ("R_MASK_KEY", R_MASK_KEY),
        ("REGS", REGS),
    ] {
        writeln!(w, "export const {name} = {value};").unwrap();
    }
    let rows: Vec<String> = vectors
        .iter()
        .map(|(code, text)| format!("  [{code}, {text:?}]"))
        .collect();
    let json = format!("[\n{}\n]\n", rows.join(",\n"));
    (js, json)
}

#[test]
fn js_tables_are_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (js, json) = render();
    for (path, rendered) in [("js/tables.mjs", js), ("test/error-vectors.json", json)] {
        let path = dir.join(path);
        if std::env::var_os("WSFRAME_BLESS").is_some() {
            std::fs::write(&path, &rendered).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == rendered,
            "{} differs from what src/js_tables.rs renders: \
             WSFRAME_BLESS=1 cargo test -p wsframe-wasm js_tables",
            path.display()
        );
    }
}
