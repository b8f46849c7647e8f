"""The Rust toolchain: the tree's own ``make rustavailable`` and what its answer means."""
