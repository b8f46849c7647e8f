"""Every remedy text of the toolchain checks, as data: one table, one place.

``TEXTS`` maps a key to (title, command) with ``{name}`` fields; remedies.py
fills them in and chooses which apply on this machine.  The distributions'
package names and the versions their releases ship are here too.
"""

from __future__ import annotations

# key -> (title, command).  ``{name}`` fields are filled in by remedy(); a
# command whose first word is in RUNNABLE_PROGRAMS becomes runnable.
TEXTS: dict[str, tuple[str, str | None]] = {
    # rustup itself
    "rustup-install": ("Install rustup, Rust's toolchain installer (into your home, no root needed), "
                       "then open a new shell",
                       "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y"),
    "rustup-install-then": ("…then install the toolchain this tree needs", "rustup toolchain install {toolchain}"),
    "rustup-show": ("With rustup: see the active toolchain and any override", "rustup show"),
    "rustup-default": ("With rustup and no default toolchain: set one", "rustup default {toolchain}"),
    "rustup-toolchain-install": ("With rustup: install the toolchain {toolchain}",
                                 "rustup toolchain install {toolchain}"),
    "rustup-toolchain-install-src": ("With rustup: install the toolchain {toolchain} with its library source",
                                     "rustup toolchain install {toolchain} --component rust-src"),
    "rustup-override": ("With rustup, in the kernel folder: use the current stable rustc",
                        "rustup override set stable"),
    "rustup-override-pinned": ("With rustup, in the kernel folder: use exactly rustc {version}, the version this "
                               "tree lists", "rustup override set {version}"),
    "rustup-override-at": ("With rustup, for the folder make runs rustc in: use the toolchain {toolchain}",
                           "rustup override set {toolchain} --path {path}"),
    "rustup-update": ("With rustup: update the toolchains", "rustup update"),
    "rustup-which": ("Then load the tree with rustup's rustc", "make RUSTC=\"$(rustup which rustc)\" rustavailable"),
    "rust-src": ("With rustup: add the standard library source", "rustup component add rust-src"),
    "rust-src-toolchain": ("With rustup: add the standard library source to the toolchain {toolchain}",
                           "rustup component add rust-src --toolchain {toolchain}"),
    "rust-src-pinned": ("…and add its library source", "rustup component add rust-src"),
    "rust-src-unpack": ("This rustc ({path}) is not managed by rustup: unpack the rust-src of the same version "
                        "into its sysroot", "tar -xf rust-src-{version}.tar.xz -C {sysroot}/lib/rustlib/src/rust"),
    "rustfmt": ("With rustup", "rustup component add rustfmt"),
    # RUSTUP_TOOLCHAIN and overrides
    "rustup-toolchain-env": ("RUSTUP_TOOLCHAIN={toolchain} beats every default and override: install that "
                             "toolchain", "rustup toolchain install {toolchain}"),
    "rustup-toolchain-env-unset": ("…or stop naming it (remove RUSTUP_TOOLCHAIN from the environment)",
                                   "unset RUSTUP_TOOLCHAIN"),
    "rustup-toolchain-env-newer": ("RUSTUP_TOOLCHAIN={toolchain} picks this rustc and beats any override: name a "
                                   "newer toolchain, or unset it", "export RUSTUP_TOOLCHAIN=stable"),
    # bindgen
    "cargo-bindgen": ("Install the current bindgen with cargo",
                      "cargo install --locked bindgen-cli"),
    "cargo-bindgen-version": ("Install bindgen {version} with cargo", "cargo install --locked --version {version} "
                                                                      "bindgen-cli"),
    "cargo-bindgen-crate": ("Install bindgen {version} with cargo", "cargo install --locked --version {version} "
                                                                    "bindgen"),
    "cargo-missing": ("cargo is not installed: install rustup first (it brings cargo)", None),
    "cargo-bin-path": ("cargo installs into {bindir}: put it first on PATH, or name it explicitly",
                       "make BINDGEN={bindir}/bindgen rustavailable"),
    # explicit paths given to make
    "explicit-rustc": ("RUSTC={path} is what make was told to use: point RUSTC= at a rustc that works",
                       "make RUSTC=/path/to/rustc rustavailable"),
    "explicit-rustc-path": ("…or drop RUSTC= and use the rustc on PATH ({found})", "make RUSTC={found} rustavailable"),
    "explicit-bindgen": ("BINDGEN={path} is what make was told to use: point BINDGEN= at a bindgen that works",
                         "make BINDGEN=/path/to/bindgen rustavailable"),
    "explicit-bindgen-path": ("…or drop BINDGEN= and use the bindgen on PATH ({found})",
                              "make BINDGEN={found} rustavailable"),
    "chmod": ("The file is not executable: make it so", "chmod +x {path}"),
    "ldd": ("It or a library it needs is missing: check its shared libraries", "ldd {path}"),
    "see-version": ("See what it says", "{path} --version"),
    "see-header": ("See what it reports", "{path} {header}"),
    # the standard library source
    "rust-lib-src-wrong": ("RUST_LIB_SRC={value} has no core/src/lib.rs: unset it (the kernel then uses rustc's "
                           "sysroot) or point it at a library folder", "unset RUST_LIB_SRC"),
    "rust-lib-src": ("…or point the kernel at a library source folder",
                     "make RUST_LIB_SRC=/path/to/rust/library rustavailable"),
    "krustflags-sysroot": ("KRUSTFLAGS has --sysroot={value}, which has no library source: drop that flag or "
                           "use a sysroot with lib/rustlib/src/rust/library", "unset KRUSTFLAGS"),
    # libclang and clang
    "libclang-path-wrong": ("LIBCLANG_PATH={value} holds no libclang: unset it or point it at a folder with "
                            "libclang.so", "unset LIBCLANG_PATH"),
    "libclang-path": ("Tell bindgen where libclang is", "make LIBCLANG_PATH={path} rustavailable"),
    "libclang-path-major": ("Have bindgen use Clang {major}'s libclang",
                            "make LIBCLANG_PATH=/usr/lib/llvm-{major}/lib LLVM=1 rustavailable"),
    "llvm-suffix": ("…or build with the Clang matching libclang {major}", "make LLVM=-{major} rustavailable"),
    "llvm-drop": ("…or build without LLVM=1 (gcc)", "make rustavailable"),
    "use-gcc": ("Use GCC", "make CC=gcc rustavailable"),
    "use-llvm": ("…or a newer Clang", "make LLVM=1 rustavailable"),
    "llvm-apt": ("Install a newer LLVM from apt.llvm.org (its script asks for root)",
                 "wget https://apt.llvm.org/llvm.sh && sudo bash llvm.sh {major}"),
    # distributions (root: copy only)
    "pkg": ("{distro}: install {what}", "{install} {packages}"),
    "pkg-too-old": ("{distro}'s {what} is {version}; this tree needs ≥ {minimum}, so the package will not do", None),
    "pkg-unknown": ("{distro}: install {what} (check that its version is ≥ {minimum})", "{install} {packages}"),
    # the distributions' own lines, as the kernel's quick-start lists them
    "distro-rust-debian": ("Debian testing or newer / Ubuntu{note}",
                           "sudo apt install rustc rust-src bindgen rustfmt rust-clippy"),
    "distro-rust-fedora": ("Fedora{note}", "sudo dnf install rust rust-src bindgen-cli rustfmt clippy"),
    "distro-rust-arch": ("Arch Linux{note}", "sudo pacman -S rust rust-src rust-bindgen"),
    "distro-bindgen-debian": ("Debian testing or newer / Ubuntu", "sudo apt install bindgen"),
    "distro-bindgen-fedora": ("Fedora", "sudo dnf install bindgen-cli"),
    "distro-bindgen-arch": ("Arch Linux", "sudo pacman -S rust-bindgen"),
    "distro-libclang-debian": ("Debian / Ubuntu: install libclang", "sudo apt install libclang-dev"),
    "distro-libclang-fedora": ("Fedora", "sudo dnf install clang-devel"),
    "distro-libclang-arch": ("Arch Linux", "sudo pacman -S clang"),
    "libclang-major-debian": ("Debian / Ubuntu: install libclang {major} and have bindgen use it",
                              "sudo apt install libclang-{major}-dev"),
    "rust-src-debian": ("Debian / Ubuntu: the distribution's rust-src package", "sudo apt install rust-src"),
    "rustfmt-debian": ("Debian / Ubuntu", "sudo apt install rustfmt"),
    # what make is pointed at
    "rustc-exists": ("…or point make at a rustc that exists", "make RUSTC=/path/to/rustc rustavailable"),
    "bindgen-exists": ("…or point make at a bindgen that exists", "make BINDGEN=/path/to/bindgen rustavailable"),
    "rustc-real": ("Point make at a real rustc", "make RUSTC=/path/to/rustc rustavailable"),
    "bindgen-real": ("Point make at a real bindgen", "make BINDGEN=/path/to/bindgen rustavailable"),
    "rustc-use-rustup": ("…and let make use rustup's rustc instead of {path}", "make RUSTC=rustc rustavailable"),
    "real-tools": ("Point make at real tools", "make RUSTC=/path/to/rustc BINDGEN=/path/to/bindgen rustavailable"),
    "see-prints": ("See what it prints", "{path} --version"),
    "see-tools": ("See what the tools print", "rustc --version; bindgen --version"),
    "rustup-override-exact": ("With rustup, in the kernel folder: use exactly rustc {version}",
                              "rustup override set {version}"),
    "cargo-bindgen-exact": ("Install exactly bindgen {version}", "cargo install --locked --version {version} {crate}"),
    "cargo-bindgen-other": ("Install another bindgen version", "cargo install --locked bindgen-cli"),
    "cargo-bindgen-atleast": ("Install bindgen {version} or newer", "cargo install --locked bindgen-cli"),
    "libclang-older": ("…or have bindgen use an older libclang", "{command}"),
    "cc-known": ("Use a C compiler the kernel knows", "make CC=gcc rustavailable"),
    "cc-clang": ("…or Clang", "make LLVM=1 rustavailable"),
    "open-kernel-tree": ("Open the top folder of a Linux 6.1 or later source tree", None),
    # the fix planner's outside steps
    "plan-probe": ("Run the probe to see its answer", "{command}"),
    "plan-llvm-probe": ("Clang may pass it: load the tree with LLVM=1 and plan again", "{command}"),
    "plan-other-cc": ("Or load the tree with another compiler and plan again", "{command}"),
    "plan-cc": ("Load the tree with another compiler, then plan again", "{command}"),
    "pahole-debian": ("Debian / Ubuntu", "sudo apt install pahole"),
    "pahole-fedora": ("Fedora", "sudo dnf install dwarves"),
    "pahole-arch": ("Arch Linux", "sudo pacman -S pahole"),
    "plan-other-pahole": ("Or point make at another pahole, then plan again", "{command}"),
    "plan-with-it": ("Then load the tree with it", "{command}"),
    "rustup-override-version": ("With rustup, in the kernel folder: use rustc {version}",
                                "rustup override set {version}"),
    "rustup-pick": ("With rustup, in the kernel folder: pick a rustc whose {symbol} is {span}",
                    "rustup toolchain list"),
    "plan-llvm": ("Load the tree with LLVM=1 and plan again", "{command}"),
    "plan-gnu": ("Load the tree without LLVM=1 and plan again", "{command}"),
    "configure-with": ("Configure with it", "{command}"),
    "plan-arch": ("Load the tree with another ARCH and plan again", "{command}"),
    "plan-arch-named": ("Load the tree with ARCH={arch} and plan again", "{command}"),
    "plan-tools": ("Load the tree with other tools and plan again", "{command}"),
    "plan-reload": ("Load it and plan again", "{command}"),
    "see-reports": ("See what it reports", "{command}"),
    # generic
    "check-again": ("Check the toolchain again", "{command}"),
    "kbuild": ("Run the check through the kernel's make", "make rustavailable"),
    "make-rustavailable": ("Or ask the tree's make", "{command}"),
}


# how each family installs, and the names of its packages
FAMILIES: dict[str, dict[str, str]] = {
    "debian": {"install": "sudo apt install", "rustc": "rustc", "rust-src": "rust-src", "bindgen": "bindgen",
               "libclang": "libclang-dev", "llvm": "clang lld llvm"},
    "fedora": {"install": "sudo dnf install", "rustc": "rust", "rust-src": "rust-src", "bindgen": "bindgen-cli",
               "libclang": "clang-devel", "llvm": "clang lld llvm"},
    "arch": {"install": "sudo pacman -S", "rustc": "rust", "rust-src": "rust-src", "bindgen": "rust-bindgen",
             "libclang": "clang", "llvm": "clang lld llvm"},
    "suse": {"install": "sudo zypper install", "rustc": "rust", "rust-src": "rust-src", "bindgen": "rust-bindgen",
             "libclang": "clang-devel", "llvm": "clang lld llvm"},
}
FAMILY_NAMES = {"debian": "Debian / Ubuntu", "fedora": "Fedora", "arch": "Arch Linux", "suse": "openSUSE"}
# the families the generic lines cover, in the order shown
DISTRO_LINES = ("debian", "fedora", "arch")


def family_name(family: str) -> str:
    """How the generic lines begin for ``family`` ('Debian', 'Fedora', …)."""
    return {"debian": "Debian", "fedora": "Fedora", "arch": "Arch Linux", "suse": "openSUSE"}[family]

# What each release's own package installs, for when its package manager cannot be
# asked (measured: Debian 12 here with apt-cache policy; the others from their archives).
KNOWN_PACKAGE_VERSIONS: dict[tuple[str, str], dict[str, str]] = {
    ("debian", "12"): {"rustc": "1.63.0", "rust-src": "1.63.0", "bindgen": "0.60.1", "libclang": "14.0.6",
                       "llvm": "14.0.6"},
    ("debian", "13"): {"rustc": "1.85.0", "rust-src": "1.85.0", "bindgen": "0.71.1", "libclang": "19.1.7",
                       "llvm": "19.1.7"},
    ("ubuntu", "24.04"): {"rustc": "1.75.0", "rust-src": "1.75.0", "bindgen": "0.66.1", "libclang": "18.1.3",
                          "llvm": "18.1.3"},
}
