//! Services and clients: placeholders until the service/client work lands on top of this
//! infrastructure (`api/service.rs`, `api/client.rs` return "not implemented yet"). They exist
//! so that `rmw_wait` already has the shape it will keep.

use hazcat_core::{Listener, Waker};

use crate::detail::wait_set::Waitable;

/// What `rmw_service_t::data` will point at.
#[derive(Debug)]
pub struct ServiceImpl {
    _private: (),
}

/// What `rmw_client_t::data` will point at.
#[derive(Debug)]
pub struct ClientImpl {
    _private: (),
}

impl Waitable for ServiceImpl {
    fn attach(&self, _listener: &Listener, _waker: &Waker) {}
    fn is_ready(&self) -> bool {
        false
    }
}

impl Waitable for ClientImpl {
    fn attach(&self, _listener: &Listener, _waker: &Waker) {}
    fn is_ready(&self) -> bool {
        false
    }
}
