//! The two transports under test behind one small interface, so that both run exactly the same
//! pattern: every send is a zero-copy loan of `size` bytes with only the [`Header`] written into
//! it; every receive reads the header and releases the sample.

use std::sync::Arc;
use std::time::Duration;

use hazcat_core::{
    Domain, Listener, Participant, Publisher, PublisherOptions, Subscriber, SubscriberOptions,
    Topic, TypeInfo,
};
use iceoryx2::port::publisher::Publisher as IoxPublisher;
use iceoryx2::port::subscriber::Subscriber as IoxSubscriber;
use iceoryx2::prelude::*;
use iceoryx2::service::port_factory::publish_subscribe::PortFactory as IoxService;

use crate::proto::{Header, HEADER_LEN};
use crate::Result;

/// Which system a measurement runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum System {
    /// hazcat_core.
    Hazcat,
    /// iceoryx2 (crates.io 0.10, `ipc::Service`).
    Iceoryx2,
}

impl System {
    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            System::Hazcat => "hazcat",
            System::Iceoryx2 => "iceoryx2",
        }
    }
}

/// Where one process sends and receives.
#[derive(Clone, Debug)]
pub struct EndpointSpec {
    /// ROS domain id (hazcat) used by this run.
    pub ros_domain: u32,
    /// Topic / service name messages are sent on.
    pub out_name: String,
    /// Topic / service name messages are received on.
    pub in_name: String,
    /// Size of every outgoing message (bytes).
    pub out_size: usize,
    /// Largest message this process will receive (bytes).
    pub in_size: usize,
    /// Receive queue depth (the same for both systems).
    pub depth: usize,
    /// Block on a hazcat `Listener` instead of busy-polling (hazcat only).
    pub wait: bool,
    /// hazcat: poll with `take()` alone instead of checking the lock-free `has_data()` first
    /// (`take()` locks the topic even when the queue is empty).
    pub naive_poll: bool,
    /// iceoryx2 file-name prefix of this run (a private iceoryx2 domain, see [`iceoryx_config`]).
    pub iox_prefix: String,
}

/// The iceoryx2 configuration of a run: defaults, with a file-name prefix of its own so that the
/// run lives in a private iceoryx2 domain whose persistent global segment can be removed after all
/// of its processes exited (see [`crate::cleanup::remove_iceoryx_domain`]).
pub fn iceoryx_config(prefix: &str) -> Result<Config> {
    let mut config = Config::default();
    config.global.prefix = FileName::new(prefix.as_bytes())?;
    Ok(config)
}

/// One process's end of a two-topic connection.
pub trait Endpoint {
    /// Loans `out_size` bytes, writes `h` into the first bytes and publishes them.
    fn send(&mut self, h: Header) -> Result<()>;
    /// Takes the oldest queued message, reads its header and releases it.
    fn try_recv(&mut self) -> Result<Option<Header>>;
    /// Waits up to `timeout` for a message: busy-polling, or blocking where the endpoint is set up
    /// for it.
    fn recv_timeout(&mut self, timeout: Duration) -> Result<Option<Header>> {
        let deadline = std::time::Instant::now() + timeout;
        let mut spins = 0u32;
        loop {
            if let Some(h) = self.try_recv()? {
                return Ok(Some(h));
            }
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(1024) && std::time::Instant::now() >= deadline {
                return Ok(None);
            }
            std::hint::spin_loop();
        }
    }
    /// Whether the peer's publisher and subscriber exist (discovery done on our side).
    fn peer_present(&self) -> bool;
}

/// hazcat_core endpoint: a publisher on `out_name`, a subscriber on `in_name`.
pub struct HazcatEndpoint {
    publisher: Publisher,
    subscriber: Subscriber,
    listener: Option<Listener>,
    _topics: (Arc<Topic>, Arc<Topic>),
    _participant: Participant,
    out_size: usize,
    naive_poll: bool,
}

impl HazcatEndpoint {
    /// Joins the ROS domain and creates both endpoints.
    pub fn new(spec: &EndpointSpec) -> Result<HazcatEndpoint> {
        let participant = Participant::join(spec.ros_domain)?;
        let ty = TypeInfo::named("hazcat_benchmarks/msg/Blob");
        let out_t = participant.topic(&spec.out_name, &ty)?;
        let in_t = participant.topic(&spec.in_name, &ty)?;
        // Room for every message that can be in flight at once (queue + loans), plus slack.
        let pool = |size: usize| (spec.depth + 4) * (size + 4096) + (1 << 20);
        let subscriber = Subscriber::new(
            &in_t,
            SubscriberOptions {
                domain: Domain::HOST,
                depth: spec.depth as u32,
                pool_size: 1 << 20,
                ..Default::default()
            },
        )?;
        let publisher = Publisher::new(
            &out_t,
            PublisherOptions {
                domain: Domain::HOST,
                pool_size: pool(spec.out_size),
                ..Default::default()
            },
        )?;
        let listener = if spec.wait {
            let l = participant.listener()?;
            subscriber.attach(&l);
            Some(l)
        } else {
            None
        };
        Ok(HazcatEndpoint {
            publisher,
            subscriber,
            listener,
            _topics: (out_t, in_t),
            _participant: participant,
            out_size: spec.out_size,
            naive_poll: spec.naive_poll,
        })
    }
}

impl Endpoint for HazcatEndpoint {
    fn send(&mut self, h: Header) -> Result<()> {
        let mut loan = self.publisher.loan(self.out_size)?;
        let buf = loan
            .as_mut_slice()
            .ok_or("hazcat loan is not host-addressable")?;
        h.write(&mut buf[..HEADER_LEN]);
        self.publisher.publish(loan)?;
        Ok(())
    }

    fn try_recv(&mut self) -> Result<Option<Header>> {
        // `has_data()` is a lock-free look at our queue; `take()` always takes the topic lock.
        if !self.naive_poll && !self.subscriber.has_data() {
            return Ok(None);
        }
        let Some(msg) = self.subscriber.take()? else {
            return Ok(None);
        };
        let bytes = msg.bytes().ok_or("hazcat sample is not host-addressable")?;
        Ok(Some(
            Header::read(bytes).ok_or("message shorter than the header")?,
        ))
    }

    fn recv_timeout(&mut self, timeout: Duration) -> Result<Option<Header>> {
        let Some(listener) = self.listener.as_ref() else {
            // Busy-poll (the default trait behaviour, inlined because we override the method).
            let deadline = std::time::Instant::now() + timeout;
            let mut spins = 0u32;
            loop {
                if let Some(h) = self.try_recv()? {
                    return Ok(Some(h));
                }
                spins = spins.wrapping_add(1);
                if spins.is_multiple_of(1024) && std::time::Instant::now() >= deadline {
                    return Ok(None);
                }
                std::hint::spin_loop();
            }
        };
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let epoch = listener.epoch();
            if let Some(msg) = self.subscriber.take()? {
                let bytes = msg.bytes().ok_or("hazcat sample is not host-addressable")?;
                return Ok(Some(
                    Header::read(bytes).ok_or("message shorter than the header")?,
                ));
            }
            let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) else {
                return Ok(None);
            };
            listener.wait(epoch, Some(left));
        }
    }

    fn peer_present(&self) -> bool {
        self.publisher.subscriber_count() >= 1 && self.subscriber.publisher_count() >= 1
    }
}

/// iceoryx2 endpoint (`ipc::Service`, payload `[u8]`): a publisher on `out_name`, a subscriber on
/// `in_name`. Always busy-polls.
pub struct IceoryxEndpoint {
    // Field order is drop order: ports, then services, then the node.
    publisher: IoxPublisher<ipc::Service, [u8], ()>,
    subscriber: IoxSubscriber<ipc::Service, [u8], ()>,
    out_service: IoxService<ipc::Service, [u8], ()>,
    in_service: IoxService<ipc::Service, [u8], ()>,
    _node: Node<ipc::Service>,
    out_size: usize,
}

impl IceoryxEndpoint {
    /// Creates a node, opens (or creates) both services and the two ports.
    pub fn new(spec: &EndpointSpec) -> Result<IceoryxEndpoint> {
        set_log_level_from_env_or(LogLevel::Error);
        let node = NodeBuilder::new()
            .config(&iceoryx_config(&spec.iox_prefix)?)
            .create::<ipc::Service>()?;
        // Both processes use the same service settings: 1 publisher, 1 subscriber, queue `depth`,
        // no history, one borrowed sample at a time (we release every sample right away).
        let service = |name: &str| -> Result<IoxService<ipc::Service, [u8], ()>> {
            let sn: ServiceName = name.try_into()?;
            Ok(node
                .service_builder(&sn)
                .publish_subscribe::<[u8]>()
                .max_publishers(1)
                .max_subscribers(1)
                .max_nodes(2)
                .history_size(0)
                .subscriber_max_buffer_size(spec.depth)
                .subscriber_max_borrowed_samples(1)
                .open_or_create()?)
        };
        let out_service = service(&spec.out_name)?;
        let in_service = service(&spec.in_name)?;
        let publisher = out_service
            .publisher_builder()
            .initial_max_slice_len(spec.out_size)
            .max_loaned_samples(1)
            .create()?;
        let subscriber = in_service
            .subscriber_builder()
            .buffer_size(spec.depth)
            .create()?;
        Ok(IceoryxEndpoint {
            publisher,
            subscriber,
            out_service,
            in_service,
            _node: node,
            out_size: spec.out_size,
        })
    }
}

impl Endpoint for IceoryxEndpoint {
    fn send(&mut self, h: Header) -> Result<()> {
        let mut sample = self.publisher.loan_slice_uninit(self.out_size)?;
        for (dst, b) in sample.payload_mut()[..HEADER_LEN]
            .iter_mut()
            .zip(h.to_bytes())
        {
            dst.write(b);
        }
        // SAFETY: the payload lies in a shared-memory segment that iceoryx2 obtained from the
        // kernel with mmap (zero-filled at creation, written only by earlier samples), so every
        // byte holds a defined value; `u8` has no invalid bit patterns; and nobody reads past the
        // header. Initialising the whole payload on every message would measure memset, not the
        // transport (hazcat's loans expose the same memory as `&mut [u8]` for the same reason).
        let sample = unsafe { sample.assume_init() };
        sample.send()?;
        Ok(())
    }

    fn try_recv(&mut self) -> Result<Option<Header>> {
        let Some(sample) = self.subscriber.receive()? else {
            return Ok(None);
        };
        Ok(Some(
            Header::read(sample.payload()).ok_or("message shorter than the header")?,
        ))
    }

    fn peer_present(&self) -> bool {
        self.out_service.dynamic_config().number_of_subscribers() >= 1
            && self.in_service.dynamic_config().number_of_publishers() >= 1
    }
}
