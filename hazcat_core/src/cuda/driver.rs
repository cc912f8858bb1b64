//! The CUDA driver API, loaded at run time through cudarc's `driver::sys` (dynamic loading: no
//! CUDA toolkit at build time, no link-time dependency on `libcuda`). This file holds every
//! unsafe CUDA call of the project.
//!
//! Conventions:
//! - Every call runs with the device's *primary* context pushed for the duration of the call
//!   ([`Device::enter`]) and popped afterwards, so the application's own current context on
//!   that thread is left as it was. The primary context is the one the CUDA runtime API uses,
//!   so pointers handed to applications work with `cudaMemcpy`, kernels, cuBLAS, ...
//! - Errors are strings naming the failed call and the `CUresult`; nothing here panics.
//! - cudarc resolves each symbol on first use and panics on a missing one, so [`driver`] checks
//!   up front that the library exists and exports every symbol used here.

use std::ffi::c_void;
use std::marker::PhantomData;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::{Mutex, OnceLock};

use cudarc::driver::sys;

/// Every driver entry point this module calls (cudarc loads them lazily, by these names).
const SYMBOLS: &[&str] = &[
    "cuInit",
    "cuDeviceGetCount",
    "cuDeviceGet",
    "cuDeviceGetAttribute",
    "cuDevicePrimaryCtxRetain",
    "cuCtxPushCurrent_v2",
    "cuCtxPopCurrent_v2",
    "cuMemGetAllocationGranularity",
    "cuMemCreate",
    "cuMemRelease",
    "cuMemExportToShareableHandle",
    "cuMemImportFromShareableHandle",
    "cuMemAddressReserve",
    "cuMemAddressFree",
    "cuMemMap",
    "cuMemUnmap",
    "cuMemSetAccess",
    "cuMemHostRegister_v2",
    "cuMemHostUnregister",
    "cuMemcpyHtoDAsync_v2",
    "cuMemcpyDtoHAsync_v2",
    "cuMemcpyDtoDAsync_v2",
    "cuStreamCreate",
    "cuEventCreate",
    "cuEventRecord",
    "cuEventSynchronize",
];

fn check(call: &str, r: sys::CUresult) -> Result<(), String> {
    if r == sys::CUresult::CUDA_SUCCESS {
        Ok(())
    } else {
        Err(format!("{call} failed: {r:?}"))
    }
}

/// The loaded driver and its devices.
pub(crate) struct Driver {
    count: u32,
    devices: Vec<OnceLock<Result<Device, String>>>,
}

static DRIVER: OnceLock<Result<Driver, String>> = OnceLock::new();

/// The driver, loaded and initialised on first use; the error says why CUDA is unusable.
pub(crate) fn driver() -> Result<&'static Driver, String> {
    DRIVER.get_or_init(init).as_ref().map_err(Clone::clone)
}

fn init() -> Result<Driver, String> {
    // SAFETY: only dlopen()s candidate library names (the driver's initialisers run, as for any
    // CUDA program); no driver function is called.
    if !unsafe { sys::is_culib_present() } {
        return Err(
            "no CUDA driver found: libcuda.so.1 could not be loaded (is the NVIDIA \
                    driver installed and on the library path?)"
                .into(),
        );
    }
    // SAFETY: the library is present (checked just above), so `culib` finds it rather than
    // panicking; `get` only looks symbols up, it calls nothing.
    let lib = unsafe { sys::culib() };
    for s in SYMBOLS {
        // SAFETY: `lib` is the loaded driver library; `get` only looks the symbol up, it calls
        // nothing and the address is dropped unused.
        if unsafe { lib.get::<*const c_void>(s.as_bytes()) }.is_err() {
            return Err(format!(
                "the CUDA driver is too old: it does not export {s} (CUDA 11.3 or newer needed)"
            ));
        }
    }
    // SAFETY: documented entry point; flags must be 0.
    check("cuInit", unsafe { sys::cuInit(0) })
        .map_err(|e| format!("no usable CUDA device: the driver did not initialise ({e})"))?;
    let mut n: i32 = 0;
    // SAFETY: out-pointer to a local integer.
    check("cuDeviceGetCount", unsafe { sys::cuDeviceGetCount(&mut n) })?;
    if n <= 0 {
        return Err("no CUDA device found: the driver reports 0 devices".into());
    }
    Ok(Driver {
        count: n as u32,
        devices: (0..n).map(|_| OnceLock::new()).collect(),
    })
}

impl Driver {
    /// Number of devices the driver reports.
    pub(crate) fn device_count(&self) -> u32 {
        self.count
    }

    /// Device `index`, opened (primary context retained, capabilities checked) on first use.
    pub(crate) fn device(&'static self, index: u16) -> Result<&'static Device, String> {
        let slot = self.devices.get(usize::from(index)).ok_or_else(|| {
            format!(
                "CUDA device {index} does not exist: the driver reports {} device(s)",
                self.count
            )
        })?;
        slot.get_or_init(|| Device::open(index))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// A driver handle that may be used from any thread.
struct Handle<T>(T);
// SAFETY: CUDA driver handles (contexts, streams, events) are opaque pointers that the driver
// API accepts from any thread; this module never dereferences them.
unsafe impl<T> Send for Handle<T> {}
// SAFETY: the handle is an opaque driver pointer never dereferenced here; shared use only
// passes its value to driver calls, which the CUDA driver API makes thread-safe.
unsafe impl<T> Sync for Handle<T> {}

/// A stream and an event used together for one copy at a time.
struct Lane {
    stream: Handle<sys::CUstream>,
    event: Handle<sys::CUevent>,
}

/// One CUDA device: its primary context, VMM granularity and a pool of copy lanes.
pub(crate) struct Device {
    index: u16,
    ctx: Handle<sys::CUcontext>,
    granularity: usize,
    lanes: Mutex<Vec<Lane>>,
}

/// The device's context is current on this thread while this lives (not `Send`).
pub(crate) struct Current<'a>(PhantomData<(&'a Device, *const ())>);

impl Drop for Current<'_> {
    fn drop(&mut self) {
        let mut old: sys::CUcontext = std::ptr::null_mut();
        // SAFETY: pops the context pushed by `Device::enter` on this same thread (the guard is
        // not Send), restoring whatever was current before.
        let _ = unsafe { sys::cuCtxPopCurrent_v2(&mut old) };
    }
}

fn alloc_prop(dev: sys::CUdevice) -> sys::CUmemAllocationProp {
    // SAFETY: CUmemAllocationProp is a plain C struct for which all-zero is valid (enums whose
    // zero is INVALID, integers, a null pointer); the fields that matter are set below.
    let mut p: sys::CUmemAllocationProp = unsafe { std::mem::zeroed() };
    p.type_ = sys::CUmemAllocationType::CU_MEM_ALLOCATION_TYPE_PINNED;
    p.requestedHandleTypes =
        sys::CUmemAllocationHandleType::CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR;
    p.location.type_ = sys::CUmemLocationType::CU_MEM_LOCATION_TYPE_DEVICE;
    p.location.id = dev;
    p
}

impl Device {
    fn open(index: u16) -> Result<Device, String> {
        let mut dev: sys::CUdevice = 0;
        // SAFETY: out-pointer to a local; the index is below the device count (checked by the
        // caller), and the driver validates it anyway.
        check("cuDeviceGet", unsafe {
            sys::cuDeviceGet(&mut dev, i32::from(index))
        })?;
        let attr = |a: sys::CUdevice_attribute| -> Result<i32, String> {
            let mut v = 0;
            // SAFETY: out-pointer to a local, valid device handle.
            check("cuDeviceGetAttribute", unsafe {
                sys::cuDeviceGetAttribute(&mut v, a, dev)
            })?;
            Ok(v)
        };
        if attr(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_VIRTUAL_ADDRESS_MANAGEMENT_SUPPORTED)?
            == 0
            || attr(
                sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR_SUPPORTED,
            )? == 0
        {
            return Err(format!(
                "CUDA device {index} cannot share memory between processes (no virtual memory \
                 management or POSIX file-descriptor handles)"
            ));
        }
        let mut ctx: sys::CUcontext = std::ptr::null_mut();
        // SAFETY: out-pointer to a local; the retained primary context is kept for the life of
        // the process (never released), so the handle stays valid.
        check("cuDevicePrimaryCtxRetain", unsafe {
            sys::cuDevicePrimaryCtxRetain(&mut ctx, dev)
        })?;
        let mut device = Device {
            index,
            ctx: Handle(ctx),
            granularity: 0,
            lanes: Mutex::new(Vec::new()),
        };
        let prop = alloc_prop(dev);
        let mut g = 0usize;
        {
            let _c = device.enter()?;
            // SAFETY: valid property struct and out-pointer.
            check("cuMemGetAllocationGranularity", unsafe {
                sys::cuMemGetAllocationGranularity(
                    &mut g,
                    &prop,
                    sys::CUmemAllocationGranularity_flags::CU_MEM_ALLOC_GRANULARITY_MINIMUM,
                )
            })?;
        }
        if g == 0 || !g.is_power_of_two() {
            return Err(format!(
                "CUDA device {index}: unexpected allocation granularity {g}"
            ));
        }
        device.granularity = g;
        Ok(device)
    }

    /// VMM allocation granularity: pool sizes are multiples of it.
    pub(crate) fn granularity(&self) -> usize {
        self.granularity
    }

    /// Makes the device's primary context current on this thread until the guard drops.
    pub(crate) fn enter(&self) -> Result<Current<'_>, String> {
        // SAFETY: the context was retained in `open` and is never released.
        check("cuCtxPushCurrent", unsafe {
            sys::cuCtxPushCurrent_v2(self.ctx.0)
        })?;
        Ok(Current(PhantomData))
    }

    /// Creates `size` bytes (a multiple of the granularity) of device memory that can be
    /// exported, maps it into this process, and returns it with its exported descriptor.
    pub(crate) fn create_exported(
        &'static self,
        size: usize,
    ) -> Result<(DeviceMemory, OwnedFd), String> {
        if size == 0 || !size.is_multiple_of(self.granularity) {
            return Err(format!(
                "device pool size {size} is not a multiple of the granularity {}",
                self.granularity
            ));
        }
        let _c = self.enter()?;
        let prop = alloc_prop(i32::from(self.index));
        let mut h: sys::CUmemGenericAllocationHandle = 0;
        // SAFETY: valid property struct (device, pinned, exportable as a POSIX fd), size a
        // multiple of the granularity, flags 0; out-pointer to a local.
        check("cuMemCreate", unsafe {
            sys::cuMemCreate(&mut h, size, &prop, 0)
        })?;
        let release = |h| {
            // SAFETY: `h` came from cuMemCreate above and is released exactly once.
            let _ = unsafe { sys::cuMemRelease(h) };
        };
        let mut fd: i32 = -1;
        // SAFETY: for CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR the out-parameter is an `int`;
        // `h` is a live allocation created with that handle type requested.
        let exported = check("cuMemExportToShareableHandle", unsafe {
            sys::cuMemExportToShareableHandle(
                (&mut fd as *mut i32).cast::<c_void>(),
                h,
                sys::CUmemAllocationHandleType::CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR,
                0,
            )
        });
        if let Err(e) = exported.and_then(|_| {
            (fd >= 0)
                .then_some(())
                .ok_or_else(|| "cuMemExportToShareableHandle returned no descriptor".to_owned())
        }) {
            release(h);
            return Err(e);
        }
        // SAFETY: the driver just created this descriptor for us; nobody else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        match self.map(h, size) {
            Ok(base) => Ok((
                DeviceMemory {
                    device: self,
                    base,
                    size,
                    handle: Some(h),
                },
                fd,
            )),
            Err(e) => {
                release(h);
                Err(e)
            }
        }
    }

    /// Imports device memory exported by another process (`fd`, `size` bytes) and maps it here.
    pub(crate) fn import(
        &'static self,
        fd: BorrowedFd<'_>,
        size: usize,
    ) -> Result<DeviceMemory, String> {
        if size == 0 || !size.is_multiple_of(self.granularity) {
            return Err(format!(
                "exported device pool size {size} is not a multiple of the granularity {}",
                self.granularity
            ));
        }
        let _c = self.enter()?;
        let mut h: sys::CUmemGenericAllocationHandle = 0;
        // SAFETY: for POSIX file descriptors the OS handle is the descriptor *value* passed as
        // a pointer-sized integer (not a pointer to it); `fd` is open for the call. The driver
        // takes its own reference, so the descriptor may be closed afterwards.
        check("cuMemImportFromShareableHandle", unsafe {
            sys::cuMemImportFromShareableHandle(
                &mut h,
                fd.as_raw_fd() as isize as *mut c_void,
                sys::CUmemAllocationHandleType::CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR,
            )
        })?;
        let mapped = self.map(h, size);
        // SAFETY: `h` came from the import above; once mapped, the mapping keeps the memory
        // alive, so the handle is released on success and failure alike, exactly once.
        let _ = unsafe { sys::cuMemRelease(h) };
        Ok(DeviceMemory {
            device: self,
            base: mapped?,
            size,
            handle: None,
        })
    }

    /// Reserves a VA range, maps `h` into it and grants this device read/write access.
    /// The context must be current.
    fn map(&self, h: sys::CUmemGenericAllocationHandle, size: usize) -> Result<u64, String> {
        let mut base: sys::CUdeviceptr = 0;
        // SAFETY: out-pointer to a local; alignment 0 (default), no fixed address, flags 0.
        check("cuMemAddressReserve", unsafe {
            sys::cuMemAddressReserve(&mut base, size, 0, 0, 0)
        })?;
        let free_va = || {
            // SAFETY: frees the reservation made above, exactly once.
            let _ = unsafe { sys::cuMemAddressFree(base, size) };
        };
        // SAFETY: `base..base+size` is our fresh reservation; `h` is a live allocation of at
        // least `size` bytes (sizes are validated against the granularity by the callers).
        if let Err(e) = check("cuMemMap", unsafe { sys::cuMemMap(base, size, 0, h, 0) }) {
            free_va();
            return Err(e);
        }
        // SAFETY: all-zero is a valid CUmemAccessDesc; the fields are set below.
        let mut access: sys::CUmemAccessDesc = unsafe { std::mem::zeroed() };
        access.location.type_ = sys::CUmemLocationType::CU_MEM_LOCATION_TYPE_DEVICE;
        access.location.id = i32::from(self.index);
        access.flags = sys::CUmemAccess_flags::CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
        // SAFETY: the range is mapped (above); one descriptor.
        if let Err(e) = check("cuMemSetAccess", unsafe {
            sys::cuMemSetAccess(base, size, &access, 1)
        }) {
            // SAFETY: unmaps the mapping made above, then frees the reservation.
            let _ = unsafe { sys::cuMemUnmap(base, size) };
            free_va();
            return Err(e);
        }
        Ok(base)
    }

    fn lane(&self) -> Result<Lane, String> {
        if let Some(l) = self.lanes.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(l);
        }
        let mut stream: sys::CUstream = std::ptr::null_mut();
        // SAFETY: out-pointer to a local; the context is current (callers hold `enter`). A
        // non-blocking stream does not serialise with the legacy default stream.
        check("cuStreamCreate", unsafe {
            sys::cuStreamCreate(
                &mut stream,
                sys::CUstream_flags::CU_STREAM_NON_BLOCKING as u32,
            )
        })?;
        let mut event: sys::CUevent = std::ptr::null_mut();
        // SAFETY: out-pointer to a local; timing disabled (cheapest event to record and wait).
        check("cuEventCreate", unsafe {
            sys::cuEventCreate(
                &mut event,
                sys::CUevent_flags::CU_EVENT_DISABLE_TIMING as u32,
            )
        })?;
        // Streams and events live as long as the process (lanes are reused, never destroyed).
        Ok(Lane {
            stream: Handle(stream),
            event: Handle(event),
        })
    }

    /// Runs one asynchronous copy on a lane's stream, then records the lane's event and waits
    /// for it: when this returns `Ok`, the bytes are in place.
    fn run_copy(
        &self,
        call: &str,
        copy: impl FnOnce(sys::CUstream) -> sys::CUresult,
    ) -> Result<(), String> {
        let _c = self.enter()?;
        let lane = self.lane()?;
        let r = check(call, copy(lane.stream.0))
            .and_then(|_| {
                // SAFETY: event and stream were created in this context and are alive.
                check("cuEventRecord", unsafe {
                    sys::cuEventRecord(lane.event.0, lane.stream.0)
                })
            })
            .and_then(|_| {
                // SAFETY: the event was recorded just above.
                check("cuEventSynchronize", unsafe {
                    sys::cuEventSynchronize(lane.event.0)
                })
            });
        self.lanes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(lane);
        r
    }

    /// Copies `src` (host memory, pinned or not) to device address `dst`.
    ///
    /// # Safety
    /// `dst..dst+src.len()` must be mapped device memory of this process that nobody else
    /// writes or reads during the copy.
    pub(crate) unsafe fn copy_htod(&self, dst: u64, src: &[u8]) -> Result<(), String> {
        if src.is_empty() {
            return Ok(());
        }
        self.run_copy("cuMemcpyHtoDAsync", |s| {
            // SAFETY: caller's contract for `dst`; `src` is valid for its length and outlives
            // the copy, which completes (event synchronised) before `run_copy` returns.
            unsafe { sys::cuMemcpyHtoDAsync_v2(dst, src.as_ptr().cast(), src.len(), s) }
        })
    }

    /// Copies device bytes at `src` into `dst` (host memory).
    ///
    /// # Safety
    /// `src..src+dst.len()` must be mapped device memory of this process, not written during
    /// the copy.
    pub(crate) unsafe fn copy_dtoh(&self, dst: &mut [u8], src: u64) -> Result<(), String> {
        if dst.is_empty() {
            return Ok(());
        }
        self.run_copy("cuMemcpyDtoHAsync", |s| {
            // SAFETY: caller's contract for `src`; `dst` is exclusively borrowed for its length
            // until the copy has completed (event synchronised inside `run_copy`).
            unsafe { sys::cuMemcpyDtoHAsync_v2(dst.as_mut_ptr().cast(), src, dst.len(), s) }
        })
    }

    /// Copies `len` bytes between two device addresses of this device.
    ///
    /// # Safety
    /// Both ranges must be mapped device memory of this process accessible from this device;
    /// the destination must not be used by anyone else during the copy.
    pub(crate) unsafe fn copy_dtod(&self, dst: u64, src: u64, len: usize) -> Result<(), String> {
        if len == 0 {
            return Ok(());
        }
        self.run_copy("cuMemcpyDtoDAsync", |s| {
            // SAFETY: caller's contract.
            unsafe { sys::cuMemcpyDtoDAsync_v2(dst, src, len, s) }
        })
    }

    /// Page-locks the host range `ptr..ptr+len` (portable: pinned for every context) so that
    /// copies to and from it run as DMA. Undone when the returned value drops.
    ///
    /// # Safety
    /// The range must be a live mapping of this process that stays mapped until the returned
    /// registration has been dropped.
    pub(crate) unsafe fn register_host(
        &'static self,
        ptr: *mut u8,
        len: usize,
    ) -> Result<HostRegistration, String> {
        let _c = self.enter()?;
        // SAFETY: caller's contract: a live mapping of `len` bytes.
        check("cuMemHostRegister", unsafe {
            sys::cuMemHostRegister_v2(ptr.cast(), len, sys::CU_MEMHOSTREGISTER_PORTABLE)
        })?;
        Ok(HostRegistration {
            device: self,
            addr: ptr as usize,
        })
    }
}

/// A page-locked host range; dropping it unregisters the range.
pub(crate) struct HostRegistration {
    device: &'static Device,
    addr: usize,
}

impl Drop for HostRegistration {
    fn drop(&mut self) {
        if let Ok(_c) = self.device.enter() {
            // SAFETY: `addr` was registered by `register_host` and is still mapped (the owner
            // drops this before unmapping); it is unregistered exactly once.
            let _ = unsafe { sys::cuMemHostUnregister(self.addr as *mut c_void) };
        }
    }
}

/// Device memory mapped into this process; unmapped (and, for the creator, released) on drop.
pub(crate) struct DeviceMemory {
    device: &'static Device,
    base: u64,
    size: usize,
    /// The creator keeps its allocation handle until the pool goes away; importers release
    /// theirs right after mapping.
    handle: Option<sys::CUmemGenericAllocationHandle>,
}

impl DeviceMemory {
    /// Device address of the first byte.
    pub(crate) fn base(&self) -> u64 {
        self.base
    }

    /// Mapped bytes.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// The device the memory belongs to.
    pub(crate) fn device(&self) -> &'static Device {
        self.device
    }
}

impl Drop for DeviceMemory {
    fn drop(&mut self) {
        let Ok(_c) = self.device.enter() else { return };
        // SAFETY: `base..base+size` was reserved and mapped by `Device::map` and is torn down
        // exactly once, in the documented order: unmap, free the range, release the handle.
        // Copies into or out of it have all completed (each copy waits for its event).
        unsafe {
            let _ = sys::cuMemUnmap(self.base, self.size);
            let _ = sys::cuMemAddressFree(self.base, self.size);
            if let Some(h) = self.handle {
                let _ = sys::cuMemRelease(h);
            }
        }
    }
}
