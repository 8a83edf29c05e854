//! Helpers shared by the integration tests: frame building and a driver that feeds a
//! connection in chunks, like a transport would.
#![allow(dead_code)]

use wsframe::frame::encode_frame;
use wsframe::{Connection, DataKind, Event, FrameHeader, OpCode};

/// Encodes one frame, masked with `key` when given.
pub fn frame(opcode: OpCode, fin: bool, payload: &[u8], key: Option<[u8; 4]>) -> Vec<u8> {
    let mut header = FrameHeader::new(opcode, fin, 0);
    header.mask = key;
    let mut out = vec![0u8; payload.len() + 14];
    let n = encode_frame(header, payload, &mut out).unwrap();
    out.truncate(n);
    out
}

/// What a test compares: whole messages and control frames, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Message(DataKind, Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>, String),
}

/// The outcome of feeding a stream: what was seen, the error if any, and every byte
/// the connection owed the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub seen: Vec<Seen>,
    pub error: Option<wsframe::Error>,
    pub transmitted: Vec<u8>,
}

/// Feeds `chunks` one after another, keeping unconsumed bytes as a transport would.
pub fn drive(conn: &mut Connection, chunks: &[&[u8]]) -> Outcome {
    let mut buf: Vec<u8> = Vec::new();
    let mut partial: Vec<u8> = Vec::new();
    let mut outcome = Outcome {
        seen: vec![],
        error: None,
        transmitted: vec![],
    };
    let mut out = [0u8; 512];
    'chunks: for chunk in chunks {
        buf.extend_from_slice(chunk);
        // Bounded: every iteration either consumes bytes or stops.
        for _ in 0..=buf.len() + 1 {
            let result = conn.receive(&mut buf);
            let (consumed, more) = match result {
                Ok(received) => {
                    let more = received.event.is_some();
                    if let Some(event) = received.event {
                        record(event, &mut partial, &mut outcome.seen);
                    }
                    (received.consumed, more)
                }
                Err(e) => {
                    outcome.error = Some(e);
                    drain(conn, &mut out, &mut outcome.transmitted);
                    break 'chunks;
                }
            };
            buf.drain(..consumed);
            drain(conn, &mut out, &mut outcome.transmitted);
            if !more {
                break;
            }
        }
    }
    outcome
}

fn drain(conn: &mut Connection, out: &mut [u8], transmitted: &mut Vec<u8>) {
    while let Some(n) = conn.poll_transmit(out).unwrap() {
        transmitted.extend_from_slice(&out[..n]);
    }
}

fn record(event: Event<'_>, partial: &mut Vec<u8>, seen: &mut Vec<Seen>) {
    match event {
        Event::Data(d) => {
            partial.extend_from_slice(d.payload);
            if d.end_of_message {
                seen.push(Seen::Message(d.kind, std::mem::take(partial)));
            }
        }
        Event::Ping(p) => seen.push(Seen::Ping(p.to_vec())),
        Event::Pong(p) => seen.push(Seen::Pong(p.to_vec())),
        Event::Close(c) => seen.push(Seen::Close(c.code.map(|c| c.0), c.reason.to_string())),
        Event::Request(_) | Event::Opened(_) => {}
    }
}
