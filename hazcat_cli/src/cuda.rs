//! Run-time probe of the CUDA driver (`libcuda.so.1`), without linking to it.

/// What the CUDA driver reports on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CudaStatus {
    /// The driver loaded and initialised; this many devices are visible.
    Devices(u32),
    /// The driver library is not installed.
    NoDriver(String),
    /// The driver is installed but failed to initialise (no device, wrong permissions, ...).
    InitFailed(i32),
}

type CuInit = unsafe extern "C" fn(flags: u32) -> i32;
type CuDeviceGetCount = unsafe extern "C" fn(count: *mut i32) -> i32;

/// Loads the driver and counts devices.
pub fn probe() -> CudaStatus {
    // SAFETY: loading the CUDA driver runs its initialisers, which are designed to be loaded
    // into arbitrary processes by dlopen.
    let lib = match unsafe { libloading::Library::new("libcuda.so.1") } {
        Ok(l) => l,
        Err(e) => return CudaStatus::NoDriver(e.to_string()),
    };
    // SAFETY: the symbols have exactly these C signatures in every CUDA driver API version.
    let syms = unsafe {
        (
            lib.get::<CuInit>(b"cuInit\0"),
            lib.get::<CuDeviceGetCount>(b"cuDeviceGetCount\0"),
        )
    };
    let (Ok(init), Ok(count)) = syms else {
        return CudaStatus::NoDriver("libcuda.so.1 lacks cuInit/cuDeviceGetCount".into());
    };
    // SAFETY: cuInit takes flags 0 and may be called any number of times.
    let rc = unsafe { init(0) };
    if rc != 0 {
        return CudaStatus::InitFailed(rc);
    }
    let mut n: i32 = 0;
    // SAFETY: `n` is a valid out-pointer for the duration of the call.
    let rc = unsafe { count(&mut n) };
    if rc != 0 {
        return CudaStatus::InitFailed(rc);
    }
    CudaStatus::Devices(n.max(0) as u32)
}
