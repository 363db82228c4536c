//! User identity negotiation's positive response (PS3.7 D.3.3.7) on 127.0.0.1: our acceptor
//! sends the handler's response when asked, and our requestor refuses to go on when an
//! acceptor that was asked sends none (a raw peer that answers without it).

use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use rs_dicom_net::assoc::{RequestConfig, request};
use rs_dicom_net::pdu::{
    AssociateAc, Pdu, PresentationContextAc, UserIdentity, UserInformation, read_pdu,
};
use rs_dicom_net::scp::{Server, ServerConfig};
use rs_dicom_net::scu;

fn config(positive_response: bool) -> RequestConfig {
    RequestConfig {
        artim: Duration::from_secs(5),
        dimse_timeout: Some(Duration::from_secs(10)),
        identity: Some(UserIdentity {
            kind: 2,
            positive_response,
            primary: b"alice".to_vec(),
            secondary: b"pw".to_vec(),
        }),
        ..Default::default()
    }
}

#[test]
fn acceptor_sends_the_handlers_response_when_asked() {
    let dir = std::env::temp_dir().join(format!("rs_dicom_net_identity_{}", std::process::id()));
    let mut cfg = ServerConfig::storage(&dir);
    cfg.accept.identity = Some(Arc::new(|id: &UserIdentity, _: &str| {
        (id.primary == b"alice").then(|| b"token".to_vec())
    }));
    let mut server = Server::start("127.0.0.1:0", cfg, None).unwrap();
    let addr = server.local_addr();
    for (asked, expected) in [(true, Some(b"token".to_vec())), (false, None)] {
        let contexts = scu::contexts_for([]).unwrap();
        let mut assoc = request(addr, &config(asked), contexts).unwrap();
        let got = assoc
            .peer_user
            .identity_ac
            .as_ref()
            .map(|a| a.response.clone());
        assert_eq!(got, expected);
        assert_eq!(scu::echo(&mut assoc).unwrap(), 0);
        assoc.release().unwrap();
    }
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn requestor_fails_without_the_response_it_asked_for() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // A peer that accepts every context but ignores the identity item.
    let peer = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut body = Vec::new();
        let kind = read_pdu(&mut s, 1 << 20, &mut body).unwrap();
        let Ok(Pdu::AssociateRq(rq)) = Pdu::parse_body(kind, &body) else {
            panic!("no A-ASSOCIATE-RQ");
        };
        let ac = AssociateAc {
            protocol_version: 1,
            called_ae: rq.called_ae.clone(),
            calling_ae: rq.calling_ae.clone(),
            application_context: rq.application_context.clone(),
            contexts: rq
                .contexts
                .iter()
                .map(|c| PresentationContextAc {
                    id: c.id,
                    result: 0,
                    transfer_syntax: c.transfer_syntaxes[0].clone(),
                })
                .collect(),
            user: UserInformation {
                max_pdu_length: Some(16384),
                implementation_class_uid: "1.2.3.4".into(),
                ..Default::default()
            },
        };
        Pdu::AssociateAc(ac).write_to(&mut s).unwrap();
        // What the requestor does next: an A-ABORT.
        read_pdu(&mut s, 1 << 20, &mut body).ok()
    });
    let Err(err) = request(addr, &config(true), scu::contexts_for([]).unwrap()) else {
        panic!("the association went on without the positive response");
    };
    assert!(
        err.message.contains("positive response was requested"),
        "{}",
        err.message
    );
    assert_eq!(peer.join().unwrap(), Some(rs_dicom_net::pdu::kind::ABORT));
}
