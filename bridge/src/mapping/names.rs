//! Names: ROS type names in rmw_zenoh's DDS spelling, `/` mangling in liveliness tokens, and the
//! key expression of a topic's data.

use std::fmt;

/// Why a type name could not be converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeNameError {
    /// Not `pkg/kind/Type` (ROS spelling).
    NotRos(String),
    /// Not `pkg::kind::dds_::Type_` (DDS spelling).
    NotDds(String),
}

impl fmt::Display for TypeNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotRos(n) => write!(f, "'{n}' is not a ROS type name (pkg/msg/Type)"),
            Self::NotDds(n) => write!(f, "'{n}' is not a DDS type name (pkg::msg::dds_::Type_)"),
        }
    }
}

impl std::error::Error for TypeNameError {}

fn part_ok(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `pkg/msg/Type` -> `pkg::msg::dds_::Type_` (the type as rmw_zenoh writes it in keys).
pub fn ros_to_dds_type(ros: &str) -> Result<String, TypeNameError> {
    let parts: Vec<&str> = ros.split('/').collect();
    match parts.as_slice() {
        [pkg, kind, name] if [pkg, kind, name].iter().all(|p| part_ok(p)) => {
            Ok(format!("{pkg}::{kind}::dds_::{name}_"))
        }
        _ => Err(TypeNameError::NotRos(ros.to_owned())),
    }
}

/// `pkg::msg::dds_::Type_` -> `pkg/msg/Type`.
pub fn dds_to_ros_type(dds: &str) -> Result<String, TypeNameError> {
    let parts: Vec<&str> = dds.split("::").collect();
    match parts.as_slice() {
        [pkg, kind, "dds_", name]
            if part_ok(pkg) && part_ok(kind) && name.len() > 1 && name.ends_with('_') =>
        {
            let name = &name[..name.len() - 1];
            if part_ok(name) {
                return Ok(format!("{pkg}/{kind}/{name}"));
            }
            Err(TypeNameError::NotDds(dds.to_owned()))
        }
        _ => Err(TypeNameError::NotDds(dds.to_owned())),
    }
}

/// Every `/` becomes `%` (names inside liveliness tokens).
pub fn mangle(name: &str) -> String {
    name.replace('/', "%")
}

/// Every `%` becomes `/` (inverse of [`mangle`]).
pub fn demangle(name: &str) -> String {
    name.replace('%', "/")
}

/// `<domain>/<topic without one leading and one trailing '/'>/<dds type>/<type hash>`: the key
/// expression a topic's samples are put on. Inner `/` of the topic name stay.
pub fn data_key(domain: u32, topic: &str, dds_type: &str, type_hash: &str) -> String {
    let t = topic.strip_prefix('/').unwrap_or(topic);
    let t = t.strip_suffix('/').unwrap_or(t);
    format!("{domain}/{t}/{dds_type}/{type_hash}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "RIHS01_df668c740482bbd48fb39d76a70dfd4bd59db1288021743503259e948f6b1a18";

    #[test]
    fn type_names_both_ways() {
        let cases = [
            ("std_msgs/msg/String", "std_msgs::msg::dds_::String_"),
            ("rcl_interfaces/msg/Log", "rcl_interfaces::msg::dds_::Log_"),
            (
                "rcl_interfaces/srv/SetParametersAtomically",
                "rcl_interfaces::srv::dds_::SetParametersAtomically_",
            ),
            (
                "type_description_interfaces/srv/GetTypeDescription",
                "type_description_interfaces::srv::dds_::GetTypeDescription_",
            ),
        ];
        for (ros, dds) in cases {
            assert_eq!(ros_to_dds_type(ros).unwrap(), dds);
            assert_eq!(dds_to_ros_type(dds).unwrap(), ros);
        }
        for bad in ["std_msgs/String", "a/b/c/d", "a//c", "a/b/c d"] {
            assert!(ros_to_dds_type(bad).is_err(), "{bad}");
        }
        for bad in [
            "std_msgs::msg::String_",
            "a::b::dds_::C",
            "a::b::dds_::_",
            "a::b::x::C_",
        ] {
            assert!(dds_to_ros_type(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn mangling_as_in_the_tokens() {
        assert_eq!(mangle("/chatter"), "%chatter");
        assert_eq!(mangle("/talker/get_parameters"), "%talker%get_parameters");
        assert_eq!(mangle("/"), "%");
        assert_eq!(demangle("%talker%get_parameters"), "/talker/get_parameters");
        assert_eq!(demangle("%"), "/");
    }

    #[test]
    fn data_key_of_the_reference_sample() {
        assert_eq!(
            data_key(144, "/chatter", "std_msgs::msg::dds_::String_", HASH),
            format!("144/chatter/std_msgs::msg::dds_::String_/{HASH}")
        );
        // Inner slashes stay; one trailing slash goes.
        assert_eq!(
            data_key(0, "/robot/cmd_vel/", "t", "h"),
            "0/robot/cmd_vel/t/h"
        );
    }
}
