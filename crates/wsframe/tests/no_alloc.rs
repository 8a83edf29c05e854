//! Decode, encode, the handshake and the connection allocate nothing: checked with a
//! global allocator that counts allocations made on this test's thread.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use wsframe::handshake::{client, server};
use wsframe::{Config, Connection, DataKind, Event, OpCode};

struct Counting;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ARMED.with(Cell::get) {
            COUNT.with(|c| c.set(c.get() + 1));
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in(f: impl FnOnce()) -> usize {
    COUNT.with(|c| c.set(0));
    ARMED.with(|a| a.set(true));
    f();
    ARMED.with(|a| a.set(false));
    COUNT.with(Cell::get)
}

#[test]
fn whole_session_allocates_nothing() {
    // Inputs are prepared before counting starts.
    let mut masked = common::frame(OpCode::Text, false, "κόσμε".as_bytes(), Some([1, 2, 3, 4]));
    masked.extend(common::frame(OpCode::Ping, true, b"p", Some([5, 6, 7, 8])));
    masked.extend(common::frame(
        OpCode::Continuation,
        true,
        b"!",
        Some([9, 9, 9, 9]),
    ));
    masked.extend(common::frame(
        OpCode::Close,
        true,
        b"\x03\xe8",
        Some([1, 1, 1, 1]),
    ));

    let count = allocations_in(|| {
        let mut to_server = [0u8; 512];
        let mut to_client = [0u8; 512];
        let mut out = [0u8; 512];
        let mut client = Connection::client(Config::default(), [1; 32]);
        let mut server = Connection::server(Config::default());
        let request = client::Request {
            protocols: &["chat"],
            ..client::Request::new("h", "/", [2; 16])
        };
        let n = client.write_request(&request, &mut to_server).unwrap();
        let got = server.receive(&mut to_server[..n]).unwrap();
        let Some(Event::Request(req)) = got.event else {
            panic!()
        };
        let m = server
            .accept(
                &req,
                &server::Response {
                    protocol: Some("chat"),
                    ..Default::default()
                },
                &mut to_client,
            )
            .unwrap();
        let got = client.receive(&mut to_client[..m]).unwrap();
        assert!(matches!(got.event, Some(Event::Opened(_))));

        let n = client.send_text("hello", &mut out).unwrap();
        let got = server.receive(&mut out[..n]).unwrap();
        assert!(matches!(got.event, Some(Event::Data(_))));

        let mut pos = 0;
        while let Ok(r) = server.receive(&mut masked[pos..]) {
            pos += r.consumed;
            if r.event.is_none() {
                break;
            }
            while let Some(k) = server.poll_transmit(&mut out).unwrap() {
                assert!(k > 0);
            }
        }
        assert_eq!(pos, masked.len());
        let _ = server.send_fragment(DataKind::Binary, &[7; 300], true, &mut out);
        let mut frame_bytes = [0x81, 0x02, b'o', b'k'];
        let got = client.receive(&mut frame_bytes).unwrap();
        assert!(matches!(got.event, Some(Event::Data(ref d)) if d.end_of_message));
    });
    assert_eq!(count, 0, "the core allocated {count} times");
}

#[test]
fn the_counter_sees_allocations() {
    // Proves the check above can fail.
    let count = allocations_in(|| {
        let v: Vec<u8> = Vec::with_capacity(10);
        std::hint::black_box(v);
    });
    assert_eq!(count, 1);
}
