//! The adapter over an in-memory stream that delivers bytes in awkward pieces and
//! interrupts itself with timeouts: nothing may be lost or reordered.

use std::collections::VecDeque;
use std::io::{self, Read, Write};

use wsframe_std::wsframe::{Config, Role};
use wsframe_std::{Error, Message, WebSocket};

/// What the next `read` call does.
enum Step {
    Bytes(Vec<u8>),
    Timeout,
    Interrupted,
}

/// A scripted stream: reads follow the script (then end of stream), writes are kept.
struct Scripted {
    script: VecDeque<Step>,
    written: Vec<u8>,
}

impl Scripted {
    fn new(script: Vec<Step>) -> Self {
        Self {
            script: script.into(),
            written: Vec::new(),
        }
    }
}

impl Read for Scripted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.script.pop_front() {
            None => Ok(0),
            Some(Step::Timeout) => Err(io::ErrorKind::WouldBlock.into()),
            Some(Step::Interrupted) => Err(io::ErrorKind::Interrupted.into()),
            Some(Step::Bytes(mut bytes)) => {
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                if n < bytes.len() {
                    self.script.push_front(Step::Bytes(bytes.split_off(n)));
                }
                Ok(n)
            }
        }
    }
}

impl Write for Scripted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A masked client frame (mask 0x01020304).
fn client_frame(first_byte: u8, payload: &[u8]) -> Vec<u8> {
    let key = [1u8, 2, 3, 4];
    let mut frame = vec![first_byte];
    let len = payload.len();
    if len < 126 {
        frame.push(0x80 | len as u8);
    } else if len <= 0xffff {
        frame.push(0x80 | 126);
        frame.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        frame.push(0x80 | 127);
        frame.extend_from_slice(&(len as u64).to_be_bytes());
    }
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    frame
}

#[test]
fn byte_by_byte_with_timeouts_loses_nothing() {
    let big: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    let mut wire = Vec::new();
    wire.extend(client_frame(0x01, "héllo ".as_bytes())); // text, not final
    wire.extend(client_frame(0x89, b"ping!")); // a ping inside the message
    wire.extend(client_frame(0x80, "wörld".as_bytes())); // final continuation
    let big_start = wire.len();
    wire.extend(client_frame(0x82, &big));
    wire.extend(client_frame(0x88, b"\x03\xe8bye"));

    // One byte per read for the small frames, with a timeout and an interruption
    // after every 7th byte; the big frame in chunks of 4093 bytes.
    let mut script = Vec::new();
    for (i, b) in wire[..big_start].iter().enumerate() {
        script.push(Step::Bytes(vec![*b]));
        if i % 7 == 6 {
            script.push(Step::Timeout);
            script.push(Step::Interrupted);
        }
    }
    for chunk in wire[big_start..].chunks(4093) {
        script.push(Step::Bytes(chunk.to_vec()));
        script.push(Step::Timeout);
    }

    let stream = Scripted::new(script);
    let mut ws = WebSocket::from_upgraded(stream, Role::Server, Config::default()).unwrap();
    let mut got = Vec::new();
    let mut timeouts = 0;
    for _ in 0..100_000 {
        match ws.read() {
            Ok(message) => got.push(message),
            Err(Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => timeouts += 1,
            Err(Error::Closed) => break,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert!(timeouts > 10, "the timeouts surfaced ({timeouts})");
    assert_eq!(
        got,
        vec![
            Message::Ping(b"ping!".to_vec()),
            Message::Text("héllo wörld".into()),
            Message::Binary(big),
            Message::Close {
                code: Some(wsframe_std::wsframe::CloseCode::NORMAL),
                reason: "bye".into()
            },
        ]
    );
    // The server wrote the pong, then the close reply echoing 1000 (unmasked).
    assert_eq!(
        ws.get_ref().written,
        b"\x8a\x05ping!\x88\x02\x03\xe8".to_vec()
    );
}

#[test]
fn end_of_stream_mid_message_is_a_reset() {
    let mut wire = client_frame(0x82, &[9; 300]);
    wire.truncate(100);
    let stream = Scripted::new(vec![Step::Bytes(wire)]);
    let mut ws = WebSocket::from_upgraded(stream, Role::Server, Config::default()).unwrap();
    assert!(matches!(ws.read(), Err(Error::ConnectionReset)));
    assert!(matches!(ws.read(), Err(Error::Closed)));
    assert!(ws.send_text("late").is_err());
}
