"""Editing a configuration: presets, comparing configs, recovery copies, search."""
