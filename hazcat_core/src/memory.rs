//! Which [`MemoryBackend`] serves each memory domain kind in this build: host and emulated
//! memory always, CUDA devices with the `cuda` feature.
//!
//! The backends are statics and the lookup is a `match`: endpoints look their backend up when
//! they are created, topics when they add a pool or first meet one (then cached per process).
//! Nothing on the publish / take path calls it.

pub use crate::alloc::{HostMemory, MemoryBackend, EMULATED_MEMORY, HOST_MEMORY};
#[cfg(feature = "cuda")]
pub use crate::cuda::{CudaMemory, CUDA_MEMORY};

use crate::domain::DomainKind;

/// The backend of `kind`; `None` when this build has none (CUDA without the `cuda` feature).
pub fn backend(kind: DomainKind) -> Option<&'static dyn MemoryBackend> {
    match kind {
        DomainKind::Host => Some(&HOST_MEMORY),
        DomainKind::Emulated => Some(&EMULATED_MEMORY),
        #[cfg(feature = "cuda")]
        DomainKind::Cuda => Some(&CUDA_MEMORY),
        #[cfg(not(feature = "cuda"))]
        DomainKind::Cuda => None,
    }
}
