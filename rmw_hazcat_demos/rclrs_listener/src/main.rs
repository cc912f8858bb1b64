//! rclrs listener: a Rust ROS 2 node on rmw_hazcat_rs, unmodified (RMW_IMPLEMENTATION selects it).
use rclrs::{Context, RclrsError};

fn main() -> Result<(), RclrsError> {
    let context = Context::new(std::env::args())?;
    let node = rclrs::create_node(&context, "rclrs_listener")?;
    let _sub = node.create_subscription::<std_msgs::msg::String, _>(
        "chatter",
        rclrs::QOS_PROFILE_DEFAULT,
        |msg: std_msgs::msg::String| println!("rclrs heard: {}", msg.data),
    )?;
    rclrs::spin(node)
}
