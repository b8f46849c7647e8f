"""Running the host's tools from inside a Flatpak sandbox.

A kernel tree is loaded and probed with the *host's* make, compilers, rustc
and bindgen: the sandbox's runtime has none of them (or other versions).  Inside
Flatpak every such command goes through ``flatpak-spawn --host``; outside it
runs unchanged.  The decision is made at run time, so one wheel serves both.

``flatpak-spawn --host`` does not hand the caller's environment to the host
command: each wanted variable becomes ``--env=NAME=VALUE`` and the working
folder becomes ``--directory=DIR``.  Only variables that differ from the
sandbox's own environment are passed, so the host keeps its own PATH, HOME and
session variables unless the caller set them on purpose (an environment that
make reported from the host, ``LC_ALL=C``, ``srctree``, ...).

``--watch-bus`` ends the host command when flatpak-spawn exits, so killing the
flatpak-spawn process (as ``process.kill_group`` does on timeout or cancel)
does not leave make running on the host.

This needs the permission ``--talk-name=org.freedesktop.Flatpak`` (set in the
Flatpak manifest); without it flatpak-spawn fails, and ``host_access_problem()``
says so in one sentence with the command that grants it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

FLATPAK_INFO = Path("/.flatpak-info")
FLATPAK_SPAWN = "flatpak-spawn"
APP_ID = "io.github.rustconfig_gui.RustconfigGui"

# never sent to the host: they describe the sandbox, not the host
_SANDBOX_ONLY = frozenset({
    "FLATPAK_ID", "FLATPAK_ARCH", "FLATPAK_DEST", "FLATPAK_SANDBOX_DIR", "container",
    "DBUS_SESSION_BUS_ADDRESS", "LD_LIBRARY_PATH", "PYTHONPATH", "PYTHONHOME",
    "GI_TYPELIB_PATH", "GIO_EXTRA_MODULES", "GST_PLUGIN_SYSTEM_PATH", "QT_PLUGIN_PATH",
    "XDG_DATA_DIRS", "XDG_CONFIG_DIRS",
})


def in_flatpak() -> bool:
    """True when this process runs inside a Flatpak sandbox (``/.flatpak-info`` exists there only)."""
    return FLATPAK_INFO.is_file()


def _sandboxed(sandboxed: bool | None) -> bool:
    return in_flatpak() if sandboxed is None else sandboxed


@dataclass(frozen=True)
class HostCommand:
    """Arguments for ``subprocess.Popen(args, shell=shell, env=env, cwd=cwd)``."""

    args: str | list[str]
    shell: bool
    env: dict[str, str] | None
    cwd: str | None
    via_host: bool


def _env_options(env: Mapping[str, str] | None, sandbox_env: Mapping[str, str]) -> list[str]:
    if env is None:
        return []
    opts = []
    for name in sorted(env):
        if name in _SANDBOX_ONLY or sandbox_env.get(name) == env[name]:
            continue
        opts.append(f"--env={name}={env[name]}")
    return opts


def host_argv(argv: Sequence[str], *, env: Mapping[str, str] | None = None,
              cwd: str | os.PathLike[str] | None = None, sandboxed: bool | None = None,
              sandbox_env: Mapping[str, str] | None = None) -> list[str]:
    """``argv`` as it must be run to reach the host's tools.

    Outside Flatpak: ``argv`` unchanged.  Inside: prefixed with
    ``flatpak-spawn --host --watch-bus [--directory=CWD] [--env=NAME=VALUE ...]``.
    ``sandboxed`` overrides the detection (tests); ``sandbox_env`` is the
    sandbox's own environment (default ``os.environ``).
    """
    argv = [str(a) for a in argv]
    if not _sandboxed(sandboxed):
        return argv
    prefix = [FLATPAK_SPAWN, "--host", "--watch-bus"]
    if cwd is not None:
        prefix.append(f"--directory={os.fspath(cwd)}")
    prefix += _env_options(env, os.environ if sandbox_env is None else sandbox_env)
    # flatpak-spawn stops reading its own options at the first non-option (the command)
    return prefix + argv


def host_command(command: str | Sequence[str], *, shell: bool = False, env: Mapping[str, str] | None = None,
                 cwd: str | os.PathLike[str] | None = None, sandboxed: bool | None = None,
                 sandbox_env: Mapping[str, str] | None = None) -> HostCommand:
    """What to hand to ``subprocess.Popen`` for ``command`` (a string when ``shell``).

    Outside Flatpak everything is returned as given.  Inside, a shell command
    becomes ``/bin/sh -c COMMAND`` on the host, and flatpak-spawn itself runs
    with the sandbox's environment (it needs the session bus address).
    """
    if not _sandboxed(sandboxed):
        args: str | list[str] = command if isinstance(command, str) else [str(a) for a in command]
        return HostCommand(args, shell, None if env is None else dict(env),
                           None if cwd is None else os.fspath(cwd), via_host=False)
    if shell:
        if not isinstance(command, str):
            raise TypeError("a shell command must be a string")
        argv: Sequence[str] = ["/bin/sh", "-c", command]
    elif isinstance(command, str):
        argv = [command]
    else:
        argv = command
    full = host_argv(argv, env=env, cwd=cwd, sandboxed=True, sandbox_env=sandbox_env)
    return HostCommand(full, False, None, None, via_host=True)


# sandbox paths the host does not see at the same place: the app (/app, where the
# demo tree is installed), the runtime (/usr), and the sandbox's private temp folders
_SANDBOX_PRIVATE = (Path("/app"), Path("/usr"), Path("/tmp"), Path("/var/tmp"), Path("/run"))


def is_host_visible(path: str | os.PathLike[str], *, sandboxed: bool | None = None) -> bool:
    """Whether a command run on the host finds ``path`` at the same place.

    Always true outside Flatpak.  Inside, home (``--filesystem=home``) is
    shared at the same path; /app, /usr, /tmp and /run are the sandbox's own,
    so a tree or build folder there (the installed demo tree, a temporary O=
    folder) must be copied or created under home first.
    """
    if not _sandboxed(sandboxed):
        return True
    p = Path(os.path.abspath(os.fspath(path)))
    return not any(p == top or top in p.parents for top in _SANDBOX_PRIVATE)


def host_which(name: str, *, sandboxed: bool | None = None) -> str | None:
    """Where ``name`` is on the host's PATH (``shutil.which`` outside Flatpak)."""
    if not _sandboxed(sandboxed):
        return shutil.which(name)
    import subprocess

    try:
        done = subprocess.run(host_argv(["/bin/sh", "-c", 'command -v -- "$1"', "sh", name], sandboxed=True),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = done.stdout.strip()
    return path if done.returncode == 0 and path else None


def host_access_problem(*, sandboxed: bool | None = None) -> str | None:
    """One sentence when the host's tools cannot be reached from here, else None."""
    if not _sandboxed(sandboxed):
        return None
    import subprocess

    override = f"flatpak override --user --talk-name=org.freedesktop.Flatpak {APP_ID}"
    try:
        done = subprocess.run(host_argv(["/bin/true"], sandboxed=True), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        return (f"{FLATPAK_SPAWN} is missing from this Flatpak runtime, so the host's make and compilers "
                "cannot be run.")
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"Running a command on the host failed ({e}); allow it with: {override}"
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        return f"Running a command on the host failed ({detail[0]}); allow it with: {override}"
    return None
