//! Benchmarks of hazcat_core (binaries land in src/bin).

fn main() {}
