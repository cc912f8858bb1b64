//! Selects the ROS distro ABI (`cfg(ros_distro = "...")`) from `ROS_DISTRO` (default: jazzy).

fn main() {
    println!("cargo:rerun-if-env-changed=ROS_DISTRO");
    let distro = std::env::var("ROS_DISTRO").unwrap_or_else(|_| "jazzy".to_owned());
    let distro = match distro.as_str() {
        "jazzy" | "humble" | "kilted" | "lyrical" => distro,
        other => {
            panic!("unsupported ROS_DISTRO '{other}': expected jazzy, humble, kilted or lyrical")
        }
    };
    println!("cargo:rustc-cfg=ros_distro=\"{distro}\"");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,librmw_hazcat_rs.so");
}
