"""The window's panels: entry info, its Why section, the Rust overview, the Toolchain panel."""
