//! Publishers (filled in by the publisher/subscription commit).

/// What `rmw_publisher_t::data` points at.
#[derive(Debug)]
pub struct PublisherImpl {
    _private: (),
}
