"""Running the host's tools: children in their own process group, and the Flatpak host."""
