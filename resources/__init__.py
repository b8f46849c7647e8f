"""Data files of rustconfig-gui (installed as the package ``rustconfig_gui.resources``)."""
