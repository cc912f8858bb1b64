//! A listener callback (`rmw_event_callback_t`) that counts what it is told, and a way to wait
//! for the count.

use std::ffi::c_void;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// What [`announce`] was told so far: pass a boxed one as the callback's user data.
#[derive(Default)]
pub struct Announced {
    pub count: Mutex<usize>,
    pub cv: Condvar,
}

impl Announced {
    /// Waits until at least `n` were announced in total (hang guard only).
    pub fn wait_for(&self, n: usize) -> usize {
        let g = self.count.lock().unwrap();
        let (g, _) = self
            .cv
            .wait_timeout_while(g, Duration::from_secs(60), |c| *c < n)
            .unwrap();
        *g
    }
}

/// The listener callback: adds `n` to the [`Announced`] that `user_data` points to.
pub unsafe extern "C" fn announce(user_data: *const c_void, n: usize) {
    let a = unsafe { &*user_data.cast::<Announced>() };
    *a.count.lock().unwrap() += n;
    a.cv.notify_all();
}
