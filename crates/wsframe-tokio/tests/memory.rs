//! What a connection allocates, counted by a global allocator: an idle connection holds
//! no read buffer, and a frame header announcing 64 MiB holds nothing before its
//! payload arrives (and then only as much as arrived).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use futures_util::{FutureExt, StreamExt};
use tokio::io::AsyncWriteExt;
use wsframe::{Config, Connection, DataKind, Role};
use wsframe_tokio::{Message, WebSocketStream};

/// Counts the allocations of the current thread while `COUNTING` is set.
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to the system allocator unchanged; the counters are
// thread-locals with const initialisers, which do not allocate.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.with(Cell::get) {
            LIVE.with(|l| l.set(l.get() - layout.size() as isize));
        }
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            LIVE.with(|l| l.set(l.get() - layout.size() as isize));
        }
        note(new_size as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn note(size: isize) {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        LIVE.with(|l| l.set(l.get() + size));
        LARGEST.with(|l| l.set(l.get().max(size as usize)));
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// What `f` allocated on this thread: (allocations, bytes still live, largest).
fn counted<T>(f: impl FnOnce() -> T) -> (T, usize, isize, usize) {
    ALLOCATIONS.with(|a| a.set(0));
    LIVE.with(|l| l.set(0));
    LARGEST.with(|l| l.set(0));
    COUNTING.with(|c| c.set(true));
    let value = f();
    COUNTING.with(|c| c.set(false));
    (
        value,
        ALLOCATIONS.with(Cell::get),
        LIVE.with(Cell::get),
        LARGEST.with(Cell::get),
    )
}

fn frames(peer: &mut Connection, messages: &[&str]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for m in messages {
        let mut out = [0u8; 256];
        let n = peer.send_text(m, &mut out).unwrap();
        bytes.extend_from_slice(&out[..n]);
    }
    bytes
}

#[tokio::test(flavor = "current_thread")]
async fn an_idle_connection_holds_no_read_buffer() {
    let (a, mut peer_io) = tokio::io::duplex(64 * 1024);
    let mut ws = WebSocketStream::from_upgraded(a, Role::Server, Config::default()).unwrap();
    let mut peer = Connection::client(Config::default(), [3; 32]).with_handshake_done();

    // Waiting for the first bytes allocates nothing.
    let (polled, allocations, live, _) = counted(|| ws.next().now_or_never());
    assert!(polled.is_none());
    assert_eq!((allocations, live), (0, 0));

    // Three messages in one read: the two left after the first wait on the heap only
    // until they are delivered; once the connection is idle again, nothing is held.
    let bytes = frames(&mut peer, &["one", "two", "three"]);
    // One piece of the fourth frame's header is left over too.
    let fourth = frames(&mut peer, &["four"]);
    peer_io.write_all(&bytes).await.unwrap();
    peer_io.write_all(&fourth[..1]).await.unwrap();
    let ((), _, live, _) = counted(|| {
        for expected in ["one", "two", "three"] {
            let message = ws.next().now_or_never().unwrap().unwrap().unwrap();
            assert_eq!(message, Message::text(expected));
        }
        assert!(ws.next().now_or_never().is_none());
    });
    // Only the one byte of the incomplete header is held, no read buffer.
    assert_eq!(live, 1, "bytes held by the idle connection after reading");

    // The rest of the fourth frame completes it from the carried byte, which is freed.
    peer_io.write_all(&fourth[1..]).await.unwrap();
    let ((), _, live, _) = counted(|| {
        let message = ws.next().now_or_never().unwrap().unwrap().unwrap();
        assert_eq!(message, Message::text("four"));
    });
    assert_eq!(live, -1);
}

#[tokio::test(flavor = "current_thread")]
async fn a_header_announcing_64_mib_holds_nothing_before_its_payload() {
    let config = Config {
        max_frame_len: 128 << 20,
        max_message_len: 128 << 20,
        ..Config::default()
    };
    let (a, mut peer_io) = tokio::io::duplex(1 << 20);
    let mut ws = WebSocketStream::from_upgraded(a, Role::Server, config).unwrap();
    let mut peer = Connection::client(config, [3; 32]).with_handshake_done();
    let len = 64usize << 20;
    let mut header = [0u8; wsframe::MAX_HEADER_LEN];
    let (n, key) = peer
        .send_header(DataKind::Binary, true, len as u64, &mut header)
        .unwrap();
    peer_io.write_all(&header[..n]).await.unwrap();

    // The read into the message that waits for the payload takes one step's room (64
    // KiB and a header), not the announced 64 MiB, and gives it back when the read
    // would block: nothing is held while the payload is awaited.
    let (polled, _, live, largest) = counted(|| ws.next().now_or_never());
    assert!(polled.is_none());
    assert_eq!(live, 0, "held while the payload is awaited");
    assert!(
        largest <= 65 * 1024,
        "allocated {largest} from the header alone"
    );

    // 256 KiB of payload: the message grows with what arrived, not to 64 MiB.
    let mut payload = vec![0x5au8; 256 * 1024];
    wsframe::apply_mask(&mut payload, key.unwrap(), 0);
    peer_io.write_all(&payload).await.unwrap();
    let (polled, _, live, largest) = counted(|| ws.next().now_or_never());
    assert!(polled.is_none());
    assert!(largest <= 1 << 20, "largest allocation {largest}");
    assert!(live > 0 && live <= 1 << 20, "live {live}");
}

#[tokio::test(flavor = "current_thread")]
async fn after_a_large_message_a_waiting_connection_holds_no_buffer() {
    let (a, mut peer_io) = tokio::io::duplex(1 << 20);
    let mut ws = WebSocketStream::from_upgraded(a, Role::Server, Config::default()).unwrap();
    let mut peer = Connection::client(Config::default(), [3; 32]).with_handshake_done();
    let mut out = vec![0u8; 1 << 17];
    for len in [70_000, 20_000, 9_000] {
        let n = peer.send_binary(&vec![7u8; len], &mut out).unwrap();
        peer_io.write_all(&out[..n]).await.unwrap();
        let message = ws.next().await.unwrap().unwrap();
        assert_eq!(message, Message::binary(vec![7u8; len]));
        drop(message);
        // The next read goes into a buffer sized like this message; while it would
        // block, that buffer is given back.
        let (polled, _, live, largest) = counted(|| ws.next().now_or_never());
        assert!(polled.is_none());
        assert_eq!(live, 0, "held while waiting after {len} bytes");
        assert!(largest <= len.min(64 * 1024) + 64, "{largest}");
    }
}

#[test]
fn a_connection_is_a_fixed_size_with_no_heap_while_idle() {
    // The core's state, the inline carry for a partial header or control frame, the
    // options and the (empty) buffers; nothing else is held while idle.
    let size = std::mem::size_of::<WebSocketStream<tokio::net::TcpStream>>();
    eprintln!("WebSocketStream<TcpStream>: {size} bytes");
    assert!(size <= 2048, "{size}");
}
