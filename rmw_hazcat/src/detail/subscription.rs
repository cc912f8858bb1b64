//! Subscriptions (filled in by the publisher/subscription commit).

/// What `rmw_subscription_t::data` points at.
#[derive(Debug)]
pub struct SubscriptionImpl {
    _private: (),
}

impl crate::detail::wait_set::Waitable for SubscriptionImpl {
    fn attach(&self, _listener: &hazcat_core::Listener, _waker: &hazcat_core::Waker) {}
    fn is_ready(&self) -> bool {
        false
    }
}
