//! The memory domain of every loan this process hands out outside host memory, by the address
//! the application got: recorded by publishers and subscriptions when they lend, read by the
//! `rmw_hazcat_loan_domain` / `rmw_hazcat_loan_is_device` entry points.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use hazcat_core::Domain;

/// Domains of the loans this process currently holds outside host memory (device and emulated
/// domains), by the address handed to the application. Host loans are not recorded: the fast
/// path stays free of this lock, and an address not found here is host memory.
fn loan_domains() -> &'static Mutex<HashMap<usize, Domain>> {
    static MAP: OnceLock<Mutex<HashMap<usize, Domain>>> = OnceLock::new();
    MAP.get_or_init(Default::default)
}

/// Records the domain of a loan handed out at `p` (host loans are skipped).
pub(crate) fn note_loan_domain(p: *const u8, domain: Domain) {
    if domain != Domain::HOST {
        loan_domains()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(p as usize, domain);
    }
}

/// Forgets the loan at `p` (published, returned, or its endpoint destroyed).
pub(crate) fn forget_loan_domain(p: *const u8) {
    let mut m = loan_domains().lock().unwrap_or_else(|e| e.into_inner());
    if !m.is_empty() {
        m.remove(&(p as usize));
    }
}

/// The domain recorded for a live loan at `p`; `None` for any other address (host memory).
pub(crate) fn loan_domain(p: *const u8) -> Option<Domain> {
    loan_domains()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(p as usize))
        .copied()
}
