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
    build_typesupport_shim();
}

/// Compiles `cpp/typesupport_shim.cpp` (std::string / std::u16string / std::vector<bool> access
/// for C++ messages, used by `src/typesupport/cpp_shim.rs`); links libstdc++.
fn build_typesupport_shim() {
    println!("cargo:rerun-if-changed=cpp/typesupport_shim.cpp");
    cc::Build::new()
        .cpp(true)
        .file("cpp/typesupport_shim.cpp")
        .flag_if_supported("-std=c++17")
        .warnings(true)
        .compile("hazcat_typesupport_shim");
}
