//! `FrameHeader::decode` on arbitrary bytes under arbitrary rules: no panic; a complete
//! header re-encodes to exactly the bytes it came from (so only minimal lengths pass);
//! every shorter prefix is `Partial` with an honest `needed`; an error depends only on
//! the bytes present (a prefix gives `Partial` or the same error, more bytes the same
//! error).
//!
//! Input: a rules byte, then the header bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsframe::{DecodeRules, Decoded, FrameHeader, Role, MAX_HEADER_LEN};
use wsframe_fuzz::take_byte;

fuzz_target!(|data: &[u8]| {
    let (choice, buf) = take_byte(data);
    let rules = DecodeRules {
        role: if choice & 1 == 0 {
            Role::Server
        } else {
            Role::Client
        },
        allowed_rsv: (choice >> 1) & 0b111,
        max_payload_len: match choice >> 4 {
            0 => 0,
            1 => 125,
            2 => 126,
            3 => 0xFFFF,
            4 => 0x1_0000,
            5 => 16 << 20,
            6 => u64::from(u32::MAX),
            7 => 1 << 63,
            _ => u64::MAX,
        },
    };
    let result = FrameHeader::decode(buf, &rules);
    match result {
        Ok(Decoded::Complete { header, header_len }) => {
            assert!(header_len <= buf.len() && header_len <= MAX_HEADER_LEN);
            assert_eq!(header_len, header.encoded_len());
            assert!(header.payload_len <= rules.max_payload_len);
            assert!(header.payload_len_usize().is_some());
            assert_eq!(header.rsv & !rules.allowed_rsv, 0);
            if header.opcode.is_control() {
                assert!(header.fin && header.payload_len <= 125);
            }
            assert_eq!(header.mask.is_some(), rules.role == Role::Server);
            let mut out = [0u8; MAX_HEADER_LEN];
            let n = header.encode(&mut out).expect("14 bytes fit any header");
            assert_eq!(&out[..n], &buf[..header_len], "decode/encode round trip");
            for k in 0..header_len {
                match FrameHeader::decode(&buf[..k], &rules) {
                    Ok(Decoded::Partial { needed }) => {
                        assert!(needed >= 1 && k + needed <= header_len)
                    }
                    other => panic!("prefix of {k} bytes of a valid header: {other:?}"),
                }
            }
        }
        Ok(Decoded::Partial { needed }) => {
            assert!(needed >= 1 && buf.len() + needed <= MAX_HEADER_LEN);
        }
        Err(error) => {
            let mut longer = buf.to_vec();
            longer.extend_from_slice(&[0xff; MAX_HEADER_LEN]);
            assert_eq!(FrameHeader::decode(&longer, &rules), Err(error));
            for k in 0..buf.len().min(MAX_HEADER_LEN) {
                match FrameHeader::decode(&buf[..k], &rules) {
                    Ok(Decoded::Partial { .. }) => {}
                    Err(e) => assert_eq!(e, error),
                    other => panic!("prefix of {k} bytes of an invalid header: {other:?}"),
                }
            }
        }
    }
});
