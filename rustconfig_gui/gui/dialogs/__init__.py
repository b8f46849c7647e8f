"""The window's dialogs: Make available…, presets, compare configurations."""
