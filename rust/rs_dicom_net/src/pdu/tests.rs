use super::*;

pub(crate) fn sample_rq() -> AssociateRq {
    AssociateRq {
        protocol_version: 1,
        called_ae: "ANY-SCP".into(),
        calling_ae: "RS_DICOM".into(),
        application_context: APPLICATION_CONTEXT.into(),
        contexts: vec![PresentationContextRq {
            id: 1,
            abstract_syntax: "1.2.840.10008.1.1".into(),
            transfer_syntaxes: vec!["1.2.840.10008.1.2".into(), "1.2.840.10008.1.2.1".into()],
        }],
        user: UserInformation {
            max_pdu_length: Some(16384),
            implementation_class_uid: "1.2.3".into(),
            implementation_version: Some("X".into()),
            async_ops: Some((2, 3)),
            roles: vec![RoleSelection {
                sop_class: "1.2.840.10008.5.1.4.1.2.1.3".into(),
                scu: true,
                scp: true,
            }],
            identity: Some(UserIdentity {
                kind: 2,
                positive_response: true,
                primary: b"user".to_vec(),
                secondary: b"secret".to_vec(),
            }),
            identity_ac: None,
            other: vec![(0x56, vec![0, 3, b'1', b'.', b'2', 1])],
        },
    }
}

#[test]
fn every_pdu_round_trips() {
    let ac = AssociateAc {
        protocol_version: 1,
        called_ae: "ANY-SCP".into(),
        calling_ae: "RS_DICOM".into(),
        application_context: APPLICATION_CONTEXT.into(),
        contexts: vec![PresentationContextAc {
            id: 1,
            result: 0,
            transfer_syntax: "1.2.840.10008.1.2".into(),
        }],
        user: UserInformation {
            max_pdu_length: Some(0),
            identity_ac: Some(UserIdentityAc { response: vec![] }),
            ..Default::default()
        },
    };
    let pdus = [
        Pdu::AssociateRq(sample_rq()),
        Pdu::AssociateAc(ac),
        Pdu::AssociateRj(AssociateRj {
            result: 1,
            source: 1,
            reason: 7,
        }),
        Pdu::PData(vec![
            Pdv {
                context_id: 1,
                control: 3,
                data: vec![1, 2, 3],
            },
            Pdv {
                context_id: 3,
                control: 0,
                data: vec![],
            },
        ]),
        Pdu::ReleaseRq,
        Pdu::ReleaseRp,
        Pdu::Abort(Abort {
            source: 2,
            reason: 6,
        }),
    ];
    for pdu in pdus {
        let bytes = pdu.to_bytes().unwrap();
        assert_eq!(Pdu::parse(&bytes).unwrap(), pdu);
        let mut body = Vec::new();
        let k = read_pdu(&mut &bytes[..], 1 << 16, &mut body).unwrap();
        assert_eq!(Pdu::parse_body(k, &body).unwrap(), pdu);
        // Every truncation is an error, not a panic.
        for cut in 0..bytes.len() {
            assert!(Pdu::parse(&bytes[..cut]).is_err());
        }
    }
}

#[test]
fn oversized_lengths_are_refused_before_allocating() {
    let mut header = vec![kind::P_DATA_TF, 0];
    header.extend_from_slice(&u32::MAX.to_be_bytes());
    let mut body = Vec::new();
    let err = read_pdu(&mut &header[..], 16384, &mut body).unwrap_err();
    assert!(err.message.contains("more than the 16384 allowed"), "{err}");
    assert!(body.capacity() < 1 << 20);
    let mut rq = vec![kind::ASSOCIATE_RQ, 0];
    rq.extend_from_slice(&(MAX_ASSOCIATE_PDU + 1).to_be_bytes());
    assert!(read_pdu(&mut &rq[..], 16384, &mut body).is_err());
    // A PDV claiming more than its PDU holds.
    let pdu = [4u8, 0, 0, 0, 0, 6, 0xFF, 0xFF, 0xFF, 0xFF, 1, 3];
    assert!(Pdu::parse(&pdu).is_err());
}

#[test]
fn a_short_stream_is_an_error() {
    let bytes = Pdu::ReleaseRq.to_bytes().unwrap();
    let mut body = Vec::new();
    assert!(read_pdu(&mut &bytes[..7], 100, &mut body).is_err());
}

#[test]
fn async_window_item_is_exactly_four_bytes() {
    for window in [(0, 0), (1, 1), (8, 1), (0xFFFF, 0)] {
        let mut rq = sample_rq();
        rq.user.async_ops = Some(window);
        let bytes = Pdu::AssociateRq(rq.clone()).to_bytes().unwrap();
        let item = [
            0x53,
            0,
            0,
            4,
            (window.0 >> 8) as u8,
            window.0 as u8,
            (window.1 >> 8) as u8,
            window.1 as u8,
        ];
        assert!(bytes.windows(8).any(|w| w == item), "{window:?}");
        assert_eq!(Pdu::parse(&bytes).unwrap(), Pdu::AssociateRq(rq));
    }
    // Any other length is an error naming the sub-item, not a guess.
    for len in [0usize, 2, 3, 5, 8] {
        let mut body = vec![0x53, 0, 0, len as u8];
        body.extend(std::iter::repeat_n(1u8, len));
        let err = UserInformation::parse(&mut Cursor::new(&body, 0)).unwrap_err();
        assert!(err.message.contains("sub-item 0x53"), "{len}: {err}");
    }
}
