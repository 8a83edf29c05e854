//! Input may arrive split at any byte: the messages, control frames, errors and bytes
//! owed to the peer must not depend on where (both roles, valid and corrupted streams).

mod common;

use common::{drive, frame, Outcome};
use proptest::prelude::*;
use wsframe::{Config, Connection, OpCode};

#[derive(Debug, Clone)]
enum Item {
    /// A message cut into fragments of the given sizes (the rest goes in the last).
    Message {
        text: bool,
        payload: Vec<u8>,
        cuts: Vec<usize>,
    },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        4 => ("\\PC{0,60}", proptest::collection::vec(0usize..80, 0..4))
            .prop_map(|(s, cuts)| Item::Message { text: true, payload: s.into_bytes(), cuts }),
        3 => (proptest::collection::vec(any::<u8>(), 0..300), proptest::collection::vec(0usize..300, 0..4))
            .prop_map(|(payload, cuts)| Item::Message { text: false, payload, cuts }),
        1 => proptest::collection::vec(any::<u8>(), 0..126).prop_map(Item::Ping),
        1 => proptest::collection::vec(any::<u8>(), 0..126).prop_map(Item::Pong),
    ]
}

/// Encodes the items as a peer in the other role would send them.
fn encode(
    items: &[Item],
    close: Option<u16>,
    masked: bool,
    keys: &mut impl Iterator<Item = [u8; 4]>,
) -> Vec<u8> {
    let mut key = || if masked { keys.next() } else { None };
    let mut stream = Vec::new();
    for it in items {
        match it {
            Item::Message {
                text,
                payload,
                cuts,
            } => {
                let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (payload.len() + 1)).collect();
                cuts.sort_unstable();
                let mut bounds = vec![0];
                bounds.extend(cuts);
                bounds.push(payload.len());
                let pieces = bounds.len() - 1;
                for i in 0..pieces {
                    let opcode = match (i, text) {
                        (0, true) => OpCode::Text,
                        (0, false) => OpCode::Binary,
                        _ => OpCode::Continuation,
                    };
                    let fin = i + 1 == pieces;
                    stream.extend(frame(
                        opcode,
                        fin,
                        &payload[bounds[i]..bounds[i + 1]],
                        key(),
                    ));
                }
            }
            Item::Ping(p) => stream.extend(frame(OpCode::Ping, true, p, key())),
            Item::Pong(p) => stream.extend(frame(OpCode::Pong, true, p, key())),
        }
    }
    if let Some(code) = close {
        stream.extend(frame(OpCode::Close, true, &code.to_be_bytes(), key()));
    }
    stream
}

fn run(server: bool, stream: &[u8], cuts: &[usize]) -> Outcome {
    let mut conn = if server {
        Connection::server(Config::default()).with_handshake_done()
    } else {
        Connection::client(Config::default(), [3; 32]).with_handshake_done()
    };
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    cuts.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for cut in cuts {
        chunks.push(&stream[start..cut]);
        start = cut;
    }
    chunks.push(&stream[start..]);
    drive(&mut conn, &chunks)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn same_outcome_in_any_split(
        items in proptest::collection::vec(item(), 0..8),
        close in proptest::option::of(prop_oneof![Just(1000u16), Just(1001), Just(4000), Just(1005), Just(2999)]),
        server in any::<bool>(),
        keys in proptest::collection::vec(any::<[u8; 4]>(), 64),
        corrupt in proptest::option::of((any::<usize>(), 1u8..=255)),
        cuts in proptest::collection::vec(any::<usize>(), 0..40),
    ) {
        let mut stream = encode(&items, close, server, &mut keys.into_iter().cycle());
        if let (Some((at, flip)), false) = (corrupt, stream.is_empty()) {
            let at = at % stream.len();
            stream[at] ^= flip;
        }
        let whole = run(server, &stream, &[]);
        let split = run(server, &stream, &cuts);
        prop_assert_eq!(&whole, &split);
        // Byte by byte, the hardest split of all.
        let every: Vec<usize> = (0..stream.len()).collect();
        prop_assert_eq!(&whole, &run(server, &stream, &every));
        if corrupt.is_none() {
            // An intact stream is accepted whole and its messages come out intact.
            let messages = items.iter().filter(|i| matches!(i, Item::Message { .. })).count();
            let seen = whole.seen.iter().filter(|s| matches!(s, common::Seen::Message(..))).count();
            let bad_close = matches!(close, Some(1005 | 2999));
            prop_assert_eq!(whole.error.is_some(), bad_close);
            prop_assert_eq!(seen, messages);
        }
    }
}
