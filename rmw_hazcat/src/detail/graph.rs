//! Graph queries over hazcat's domain registry (filled in by the graph commit).
