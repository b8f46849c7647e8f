"""Explaining a loaded tree: why an entry is hidden or has its value, plans that fix it, Rust classification."""
