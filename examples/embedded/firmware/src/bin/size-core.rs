//! Size probe: the wsframe core as a server uses it — the opening handshake (parse,
//! accept, rejections), frame decoding with unmasking and UTF-8 checks, echo encoding,
//! pongs and close replies — on the skeleton of `size-base`. Built to be measured.
#![no_std]
#![no_main]

#[path = "../probe.rs"]
mod probe;

use cortex_m_rt::entry;
use wsframe::handshake::server::Response;
use wsframe::{Config, Connection, Event};

#[entry]
fn main() -> ! {
    let mut input = [0u8; 512];
    let mut out = [0u8; 512];
    loop {
        let n = probe::receive(&mut input);
        let mut conn = Connection::server(Config::default());
        let mut pos = 0;
        let mut written = 0;
        loop {
            let event = match conn.receive(&mut input[pos..n]) {
                Ok(received) => {
                    pos += received.consumed;
                    received.event
                }
                Err(_) => None,
            };
            let out = &mut out[written..];
            written += match event {
                None => {
                    // Whatever is still owed (a refusal, a close reply), one after another.
                    let mut owed = 0;
                    while let Ok(Some(k)) = conn.poll_transmit(&mut out[owed..]) {
                        owed += k;
                    }
                    written += owed;
                    break;
                }
                Some(Event::Request(request)) => conn
                    .accept(&request, &Response::default(), out)
                    .unwrap_or(0),
                Some(Event::Data(data)) => conn
                    .send_fragment(data.kind, data.payload, data.end_of_message, out)
                    .unwrap_or(0),
                Some(_) => conn.poll_transmit(out).ok().flatten().unwrap_or(0),
            };
        }
        probe::transmit(&out[..written]);
    }
}
