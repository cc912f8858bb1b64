"""Generates the Rust message crates the rclrs check needs and adapts them to rclrs 0.8.

    python scripts/rclrs_bindings.py OUT_DIR PACKAGE...

OUT_DIR/<package>/ gets one standalone crate per ROS interface package (and per interface package
it depends on), written by colcon-cargo-ros2's generator (PyPI `colcon-cargo-ros2`, pinned in
ros/requirements-rclrs.txt) from the .msg/.srv/.idl files of the prefix in AMENT_PREFIX_PATH.

That generator's crates follow an older rclrs (0.7) API. rclrs 0.8 itself refers to a few names
they spell differently, so this script then edits them, additively:

- message and RMW-layer service constants are also associated constants
  (`ParameterType::PARAMETER_STRING`), as well as the module-level `pub const` the generator
  writes;
- message structs also derive `PartialOrd` (rclrs compares `builtin_interfaces` times);
- the RMW-layer service request and response types are also reachable as `<Service>_Request` and
  `<Service>_Response`, the names the idiomatic layer and rclrs use.
"""

import os
import re
import sys

from colcon_cargo_ros2 import cargo_ros2_py

# rclrs 0.8.0 depends on rosidl_runtime_rs 0.7; the generated crates must use the same one.
ROSIDL_RUNTIME_RS = "0.7"

CONST_RE = re.compile(r"^pub const (\w+): ([^=]+?) = ", re.M)
MESSAGE_RE = re.compile(r"^// Message: (\w+)$", re.M)
SERVICE_RE = re.compile(r"^// Service: (\w+)$", re.M)
DERIVE = "#[derive(Debug, Clone, PartialEq)]"
SERVICE_REEXPORT_RE = re.compile(r"^(\s*)pub use (\w+)::(\w+?[^_])(Request|Response);$", re.M)


def dependencies(crate_dir):
    """Names of the sibling crates that the generated Cargo.toml refers to by path."""
    with open(os.path.join(crate_dir, "Cargo.toml"), encoding="utf-8") as f:
        return re.findall(r'^(\w+) = \{ path = "\.\./\w+" \}', f.read(), re.M)


def generate(out_dir, package, done):
    if package in done:
        return
    done.add(package)
    config = cargo_ros2_py.BindgenConfig(
        package_name=package,
        output_dir=out_dir,
        package_path=None,
        verbose=False,
        rosidl_runtime_rs_version=ROSIDL_RUNTIME_RS,
        use_ros_package_version=False,
    )
    cargo_ros2_py.generate_bindings(config)
    for dep in dependencies(os.path.join(out_dir, package)):
        generate(out_dir, dep, done)


def associated_constants(text):
    """Adds `impl <Message> { pub const X: T = X; }` for the module-level constants."""
    consts = CONST_RE.findall(text)
    message = MESSAGE_RE.search(text)
    if not consts or not message:
        return text
    return text + impl_block(message.group(1), consts)


def impl_block(struct, consts):
    body = "".join(f"    pub const {name}: {ty} = {name};\n" for name, ty in consts)
    return f"\n\nimpl {struct} {{\n{body}}}\n"


def service_associated_constants(text):
    """The same for a service's RMW layer: `// Request constants` and `// Response constants`
    sections hold the module-level constants of `<Service>Request` and `<Service>Response`."""
    service = SERVICE_RE.search(text)
    start = text.find("// Request constants")
    middle = text.find("// Response constants")
    if not service or start < 0 or middle < 0:
        return text
    end = text.find("// FFI", middle)
    for part, section in (("Request", text[start:middle]), ("Response", text[middle:end])):
        consts = CONST_RE.findall(section)
        if consts:
            text += impl_block(f"{service.group(1)}{part}", consts)
    return text


def adapt(crate_dir):
    # Each generated build script watches `.bindgen_manifest` (rerun-if-changed), which the
    # generator's CLI does not write: a missing file makes cargo rerun the script and rebuild the
    # crate on every build. An empty one is read as "nothing recorded", so its check is skipped
    # (this script regenerates the crates itself whenever its inputs change).
    open(os.path.join(crate_dir, ".bindgen_manifest"), "w", encoding="utf-8").close()
    src = os.path.join(crate_dir, "src")
    for root, _dirs, files in os.walk(src):
        for name in files:
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            new = text
            if os.path.basename(root) == "msg" and name != "mod.rs":
                new = associated_constants(new)
            if os.path.basename(root) == "srv" and name.endswith("_rmw.rs"):
                new = service_associated_constants(new)
            new = new.replace(DERIVE, "#[derive(Debug, Clone, PartialEq, PartialOrd)]")
            if name == "mod.rs" and os.path.basename(root) == "srv":
                new = SERVICE_REEXPORT_RE.sub(
                    lambda m: f"{m.group(0)}\n{m.group(1)}pub use {m.group(2)}::"
                    f"{m.group(3)}{m.group(4)} as {m.group(3)}_{m.group(4)};",
                    new,
                )
            if new != text:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: rclrs_bindings.py OUT_DIR PACKAGE...")
    out_dir = os.path.abspath(sys.argv[1])
    os.makedirs(out_dir, exist_ok=True)
    done = set()
    for package in sys.argv[2:]:
        generate(out_dir, package, done)
    for package in sorted(done):
        adapt(os.path.join(out_dir, package))
    print(f"rclrs_bindings: {len(done)} crates in {out_dir}: {' '.join(sorted(done))}")


if __name__ == "__main__":
    main()
