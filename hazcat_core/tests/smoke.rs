use hazcat_core::*;

#[test]
fn in_process_roundtrip_and_copy_once() {
    let dom = 150 + (std::process::id() % 50);
    let p = Participant::join(dom).unwrap();
    let t = p.topic("/smoke", &TypeInfo::named("x/msg/Y")).unwrap();
    let s1 = Subscriber::new(&t, SubscriberOptions::default()).unwrap();
    let e1 = Subscriber::new(
        &t,
        SubscriberOptions {
            domain: Domain::emulated(0),
            ..Default::default()
        },
    )
    .unwrap();
    let e2 = Subscriber::new(
        &t,
        SubscriberOptions {
            domain: Domain::emulated(0),
            ..Default::default()
        },
    )
    .unwrap();
    let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
    publ.publish_bytes(b"hello").unwrap();
    let a = s1.take().unwrap().unwrap();
    assert_eq!(a.bytes().unwrap(), b"hello");
    assert!(!a.info().copied);
    let b = e1.take().unwrap().unwrap();
    let c = e2.take().unwrap().unwrap();
    assert_eq!(b.bytes().unwrap(), b"hello");
    assert_eq!(c.bytes().unwrap(), b"hello");
    assert!(b.info().copied && !c.info().copied);
    assert_eq!(b.as_ptr(), c.as_ptr());
    assert_ne!(a.as_ptr(), b.as_ptr());
    let st = t.stats();
    assert_eq!(st.total_copies(), 1, "{st:?}");
    drop((a, b, c));
    assert_eq!(t.stats().live_samples, 0);
    drop((s1, e1, e2, publ, t, p));
    let left = os::shm_file::list(&naming::prefix(dom));
    assert!(left.is_empty(), "{left:?}");
}
