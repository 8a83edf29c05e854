//! Size probe: the core's codec and server handshake without the connection state
//! machine — the same work as `size-ew` does with `embedded-websocket`: the request
//! parsed and checked (§4.2.1) and answered with 101 or a refusal, then frames decoded
//! under the server's rules, unmasked, text checked as UTF-8, echoed, pings answered
//! and close frames checked and replied to. Built to be measured.
#![no_std]
#![no_main]

#[path = "../probe.rs"]
mod probe;

use cortex_m_rt::entry;
use wsframe::frame::{encode_frame, DecodeRules, Decoded};
use wsframe::handshake::server::{Rejection, Request, Response};
use wsframe::handshake::{HandshakeLimits, Status};
use wsframe::utf8::Utf8Validator;
use wsframe::{apply_mask, CloseFrame, FrameHeader, OpCode, Role};

fn serve(input: &mut [u8], out: &mut [u8]) -> Option<usize> {
    let (mut written, mut pos) = match Request::parse(input, &HandshakeLimits::default()) {
        Ok(Status::Complete { value, head_len }) => {
            (Response::default().write(&value, out).ok()?, head_len)
        }
        Ok(Status::Partial) => return Some(0),
        Err(e) => return Rejection::for_error(e).write(out).ok(),
    };
    let rules = DecodeRules {
        max_payload_len: 512,
        ..DecodeRules::new(Role::Server)
    };
    let mut utf8 = Utf8Validator::new();
    while pos < input.len() {
        let Ok(Decoded::Complete { header, header_len }) =
            FrameHeader::decode(&input[pos..], &rules)
        else {
            break;
        };
        let start = pos + header_len;
        let payload = input.get_mut(start..start + header.payload_len_usize()?)?;
        pos = start + payload.len();
        if let Some(key) = header.mask {
            apply_mask(payload, key, 0);
        }
        let opcode = match header.opcode {
            OpCode::Text => {
                utf8.feed(payload).ok()?;
                OpCode::Text
            }
            OpCode::Ping => OpCode::Pong,
            OpCode::Close => {
                let close = CloseFrame::parse(payload).ok()?;
                let n = CloseFrame {
                    reason: "",
                    ..close
                }
                .write(payload)
                .ok()?;
                let reply = FrameHeader::new(OpCode::Close, true, 0);
                return Some(
                    written + encode_frame(reply, &payload[..n], &mut out[written..]).ok()?,
                );
            }
            other => other,
        };
        let reply = FrameHeader::new(opcode, header.fin, 0);
        written += encode_frame(reply, payload, &mut out[written..]).ok()?;
    }
    Some(written)
}

#[entry]
fn main() -> ! {
    let mut input = [0u8; 512];
    let mut out = [0u8; 512];
    loop {
        let n = probe::receive(&mut input);
        let written = serve(&mut input[..n], &mut out).unwrap_or(0);
        probe::transmit(&out[..written]);
    }
}
