"""rustconfig-gui: a desktop companion to the Linux kernel's menuconfig for everything Rust."""

__version__ = "0.1.0"
