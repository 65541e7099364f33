//! Slots, tokens, PINs, sessions and login through the cryptoki crate.

mod common;
use common::*;
use cryptoki::error::{Error, RvError};
use cryptoki::session::{SessionState, UserType};
use cryptoki::types::AuthPin;

fn rv<T: std::fmt::Debug>(r: Result<T, Error>) -> RvError {
    match r {
        Err(Error::Pkcs11(rv, _)) => rv,
        other => panic!("expected a PKCS#11 error, got {other:?}"),
    }
}

#[test]
fn fresh_store_has_one_empty_slot_and_init_token_fills_it() {
    let st = Store::new();
    let p = st.pkcs11();
    let slots = p.get_slots_with_token().unwrap();
    assert_eq!(slots.len(), 1, "only the empty slot");
    let info = p.get_token_info(slots[0]).unwrap();
    assert!(!info.token_initialized());
    assert!(info.rng());
    let slot = init_token(&p, "alpha");
    let info = p.get_token_info(slot).unwrap();
    assert_eq!(info.label(), "alpha");
    assert!(info.token_initialized() && info.user_pin_initialized() && info.login_required());
    let all = p.get_slots_with_token().unwrap();
    assert_eq!(all.len(), 2, "the token's slot plus a new empty slot");
    assert!(!p.get_token_info(all[1]).unwrap().token_initialized());
    p.finalize().unwrap();
}

#[test]
fn reinit_token_needs_the_so_pin_and_wipes_objects() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "beta");
    {
        let s = user_session(&p, slot);
        let t = vec![
            cryptoki::object::Attribute::Token(true),
            cryptoki::object::Attribute::ValueLen(16.into()),
            cryptoki::object::Attribute::Label(b"k".to_vec()),
        ];
        s.generate_key(&cryptoki::mechanism::Mechanism::AesKeyGen, &t)
            .unwrap();
    }
    let wrong = p.init_token(slot, &AuthPin::new("wrong-pin".into()), "beta");
    assert_eq!(rv(wrong), RvError::PinIncorrect);
    {
        let _open = p.open_ro_session(slot).unwrap();
        let busy = p.init_token(slot, &AuthPin::new(SO_PIN.into()), "beta");
        assert_eq!(rv(busy), RvError::SessionExists);
    }
    p.init_token(slot, &AuthPin::new(SO_PIN.into()), "gamma")
        .unwrap();
    let info = p.get_token_info(slot).unwrap();
    assert_eq!(info.label(), "gamma");
    assert!(
        !info.user_pin_initialized(),
        "re-initialization removes the user PIN"
    );
    let s = p.open_rw_session(slot).unwrap();
    s.login(UserType::So, Some(&AuthPin::new(SO_PIN.into())))
        .unwrap();
    s.init_pin(&AuthPin::new(USER_PIN.into())).unwrap();
    s.logout().unwrap();
    s.login(UserType::User, Some(&AuthPin::new(USER_PIN.into())))
        .unwrap();
    assert!(
        s.find_objects(&[]).unwrap().is_empty(),
        "objects were wiped"
    );
    drop(s);
    p.finalize().unwrap();
}

#[test]
fn wrong_pins_count_down_then_lock_until_the_so_resets() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "pins");
    let s = p.open_rw_session(slot).unwrap();
    let bad = AuthPin::new("000000".into());
    assert_eq!(
        rv(s.login(UserType::User, Some(&bad))),
        RvError::PinIncorrect
    );
    let info = p.get_token_info(slot).unwrap();
    assert!(info.user_pin_count_low() && !info.user_pin_final_try());
    for _ in 0..8 {
        assert_eq!(
            rv(s.login(UserType::User, Some(&bad))),
            RvError::PinIncorrect
        );
    }
    assert!(p.get_token_info(slot).unwrap().user_pin_final_try());
    assert_eq!(rv(s.login(UserType::User, Some(&bad))), RvError::PinLocked);
    assert!(p.get_token_info(slot).unwrap().user_pin_locked());
    let good = AuthPin::new(USER_PIN.into());
    assert_eq!(rv(s.login(UserType::User, Some(&good))), RvError::PinLocked);
    s.login(UserType::So, Some(&AuthPin::new(SO_PIN.into())))
        .unwrap();
    s.init_pin(&AuthPin::new("new-user-pin".into())).unwrap();
    s.logout().unwrap();
    assert!(!p.get_token_info(slot).unwrap().user_pin_locked());
    s.login(UserType::User, Some(&AuthPin::new("new-user-pin".into())))
        .unwrap();
    drop(s);
    p.finalize().unwrap();
}

#[test]
fn set_pin_changes_the_user_pin() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "setpin");
    let s = user_session(&p, slot);
    s.set_pin(
        &AuthPin::new(USER_PIN.into()),
        &AuthPin::new("another-pin".into()),
    )
    .unwrap();
    s.logout().unwrap();
    let old = s.login(UserType::User, Some(&AuthPin::new(USER_PIN.into())));
    assert_eq!(rv(old), RvError::PinIncorrect);
    s.login(UserType::User, Some(&AuthPin::new("another-pin".into())))
        .unwrap();
    drop(s);
    p.finalize().unwrap();
}

#[test]
fn session_states_and_shared_login() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "states");
    let ro = p.open_ro_session(slot).unwrap();
    let rw = p.open_rw_session(slot).unwrap();
    assert_eq!(
        ro.get_session_info().unwrap().session_state(),
        SessionState::RoPublic
    );
    assert_eq!(
        rw.get_session_info().unwrap().session_state(),
        SessionState::RwPublic
    );
    // The SO cannot log in while a read-only session exists.
    let so = rw.login(UserType::So, Some(&AuthPin::new(SO_PIN.into())));
    assert_eq!(rv(so), RvError::SessionReadOnlyExists);
    rw.login(UserType::User, Some(&AuthPin::new(USER_PIN.into())))
        .unwrap();
    // The login is the application's: every session sees it.
    assert_eq!(
        ro.get_session_info().unwrap().session_state(),
        SessionState::RoUser
    );
    assert_eq!(
        rw.get_session_info().unwrap().session_state(),
        SessionState::RwUser
    );
    let again = ro.login(UserType::User, Some(&AuthPin::new(USER_PIN.into())));
    assert_eq!(rv(again), RvError::UserAlreadyLoggedIn);
    let so = ro.login(UserType::So, Some(&AuthPin::new(SO_PIN.into())));
    assert_eq!(rv(so), RvError::UserAnotherAlreadyLoggedIn);
    ro.logout().unwrap();
    assert_eq!(
        rw.get_session_info().unwrap().session_state(),
        SessionState::RwPublic
    );
    assert_eq!(rv(rw.logout()), RvError::UserNotLoggedIn);
    drop(ro);
    rw.login(UserType::So, Some(&AuthPin::new(SO_PIN.into())))
        .unwrap();
    assert_eq!(
        rw.get_session_info().unwrap().session_state(),
        SessionState::RwSecurityOfficer
    );
    assert_eq!(
        rv(p.open_ro_session(slot)),
        RvError::SessionReadWriteSoExists
    );
    drop(rw);
    p.finalize().unwrap();
}

#[test]
fn a_hundred_threads_at_once() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "threads");
    let mut threads = Vec::new();
    for i in 0..100u32 {
        let p = p.clone();
        threads.push(std::thread::spawn(move || {
            use cryptoki::mechanism::Mechanism;
            use cryptoki::object::Attribute;
            let s = p.open_rw_session(slot).unwrap();
            match s.login(UserType::User, Some(&AuthPin::new(USER_PIN.into()))) {
                Ok(()) | Err(Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
                Err(e) => panic!("login: {e}"),
            }
            let k = s
                .generate_key(
                    &Mechanism::AesKeyGen,
                    &[Attribute::ValueLen(32.into()), Attribute::Token(i % 2 == 0)],
                )
                .unwrap();
            let data = i.to_be_bytes().repeat(4);
            let ct = s.encrypt(&Mechanism::AesEcb, k, &data).unwrap();
            assert_eq!(s.decrypt(&Mechanism::AesEcb, k, &ct).unwrap(), data);
            s.digest(&Mechanism::Sha256, &data).unwrap();
            s.destroy_object(k).unwrap();
        }));
    }
    for t in threads {
        t.join().expect("thread panicked");
    }
    p.finalize().unwrap();
}
