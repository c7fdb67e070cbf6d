//! Property tests of the frame decoders behind the traffic monitor and the
//! error messages: any bytes, no panic; valid frames decode to what built them.

use backstop_link::frame::{Pdu, Role, crc_ok, crc16, describe_rtu, describe_tcp, parse_pdu, rtu_reply_len, rtu_request_len, with_crc};
use backstop_link::monitor::{RawFrame, export_csv, export_text, format_frame};
use backstop_model::link::FrameDirection;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        for role in [Role::Request, Role::Reply] {
            let _ = describe_rtu(&bytes, role);
            let _ = describe_tcp(&bytes, role);
            let _ = parse_pdu(&bytes, role);
        }
        let _ = rtu_request_len(&bytes);
        let _ = rtu_reply_len(&bytes);
        let _ = crc_ok(&bytes);
        for d in [FrameDirection::Tx, FrameDirection::Rx, FrameDirection::Echo, FrameDirection::Discarded] {
            let f = format_frame(&RawFrame { seq: 1, time_us: 5, direction: d, bytes: bytes.clone() }, false);
            let _ = export_csv(std::slice::from_ref(&f));
            let _ = export_text(&[f]);
        }
    }

    #[test]
    fn read_requests_round_trip(unit in 1u8..=247, fc in 1u8..=4, address: u16, count in 1u16..=125) {
        let mut body = vec![unit, fc];
        body.extend_from_slice(&address.to_be_bytes());
        body.extend_from_slice(&count.to_be_bytes());
        let adu = with_crc(body);
        prop_assert!(crc_ok(&adu));
        prop_assert_eq!(rtu_request_len(&adu), Ok(Some(8)));
        prop_assert_eq!(parse_pdu(&adu[1..6], Role::Request), Some(Pdu::ReadRequest { function: fc, address, count }));
        prop_assert!(!describe_rtu(&adu, Role::Request).contains("CRC"));
    }

    #[test]
    fn a_flipped_bit_is_caught_by_the_crc(body in proptest::collection::vec(any::<u8>(), 2..250), bit in 0usize..2000) {
        let mut adu = with_crc(body);
        let i = bit % (adu.len() * 8);
        adu[i / 8] ^= 1 << (i % 8);
        prop_assert!(!crc_ok(&adu));
        prop_assert_ne!(crc16(&adu[..adu.len() - 2]).to_le_bytes(), [adu[adu.len() - 2], adu[adu.len() - 1]]);
    }

    #[test]
    fn read_replies_round_trip(unit in 1u8..=247, regs in proptest::collection::vec(any::<u16>(), 1..=125)) {
        let mut body = vec![unit, 3, (regs.len() * 2) as u8];
        for r in &regs { body.extend_from_slice(&r.to_be_bytes()); }
        let adu = with_crc(body);
        prop_assert_eq!(rtu_reply_len(&adu), Some(adu.len()));
        match parse_pdu(&adu[1..adu.len() - 2], Role::Reply) {
            Some(Pdu::ReadReply { function: 3, data }) => prop_assert_eq!(data.len(), regs.len() * 2),
            other => prop_assert!(false, "{:?}", other),
        }
    }
}
