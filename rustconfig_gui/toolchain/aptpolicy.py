"""What apt would install: every package the remedies may name, asked in one ``apt-cache policy`` run,
the answer kept on disk keyed by everything it depends on.

``apt-cache policy`` reads the package lists each time it runs (~0.45 s of CPU per run on Debian 12,
where container images turn ``Dir::Cache::pkgcache`` off); a doctor run used to ask twice.  Now one
run asks for all of them, and a stored answer is used only while nothing apt reads has changed:

* apt's whole configuration as ``apt-config dump`` prints it (architectures, pins, default release,
  every ``Dir::`` setting), run with the same environment as ``apt-cache``;
* the identity (realpath, size, mtime_ns) of the files and folders that configuration names: the
  dpkg status file (and dpkg's ``arch`` file and ``updates`` journal beside it), every file in the
  lists folder, ``sources.list`` and ``sources.list.d/*``, ``preferences`` and ``preferences.d/*``,
  ``apt.conf`` and ``apt.conf.d/*``; ``/etc/os-release``;
* the package databases the probe cache watches (:func:`package_database_state`);
* ``apt-cache`` and ``apt-config`` themselves, PATH and the package names.

Not seen, as for the probe cache: a file changed in place with its size and mtime kept.
Without ``apt-config`` (a machine whose apt cannot say where its state lives) nothing is stored:
``apt-cache`` runs every time.  Entries live with the probe results (``rustconfig cache clear``
removes them too).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
from collections.abc import Sequence

from rustconfig_gui.host import process
from rustconfig_gui.kconfig.shell.cache import (
    CachedResult,
    Identity,
    ProbeCache,
    ProbeKey,
    file_identity,
    package_database_state,
)

__all__ = ["candidates", "parse_policy", "state_key"]

FORMAT = 1
_TIMEOUT = 10.0
_CONFIG_RE = re.compile(r'^(\S+) "(.*)";$')
# (where the value is relative to, the setting, a folder whose entries count, not just itself)
_PATHS = (
    (("Dir", "Dir::State"), "Dir::State::status", False),
    (("Dir", "Dir::State"), "Dir::State::lists", True),
    (("Dir", "Dir::Etc"), "Dir::Etc::sourcelist", False),
    (("Dir", "Dir::Etc"), "Dir::Etc::sourceparts", True),
    (("Dir", "Dir::Etc"), "Dir::Etc::preferences", False),
    (("Dir", "Dir::Etc"), "Dir::Etc::preferencesparts", True),
    (("Dir", "Dir::Etc"), "Dir::Etc::main", False),
    (("Dir", "Dir::Etc"), "Dir::Etc::parts", True),
)
# one run at a time in this process (the doctor and the probe's findings may ask at once)
_lock = threading.Lock()


def _env(path: str) -> dict[str, str]:
    return {"PATH": path, "LC_ALL": "C"}


def parse_policy(text: str, packages: Sequence[str]) -> dict[str, str | None]:
    """Each package's candidate version from ``apt-cache policy`` output (None: none, or unknown to apt)."""
    wanted = set(packages)
    got: dict[str, str | None] = dict.fromkeys(packages)
    current: str | None = None
    for line in text.splitlines():
        if line and not line[0].isspace() and line.endswith(":"):
            name = line[:-1]
            base = name.split(":", 1)[0]
            current = name if name in wanted else base if base in wanted else None
            continue
        m = re.match(r"^\s+Candidate:\s*(\S+)", line)
        if m and current is not None and got[current] is None:
            got[current] = None if m.group(1) == "(none)" else m.group(1)
    return got


def _config(apt_config: str, path: str) -> dict[str, str] | None:
    try:
        done = process.run([apt_config, "dump"], env=_env(path), timeout=_TIMEOUT)
    except (OSError, process.Timeout):
        return None
    if done.returncode != 0:
        return None
    values: dict[str, str] = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        m = _CONFIG_RE.match(line)
        if m:
            values.setdefault(m.group(1), m.group(2))
    values["\0dump"] = hashlib.sha256(done.stdout).hexdigest()
    return values


def _named_files(config: dict[str, str]) -> list[Identity]:
    """The identity of every file and folder entry apt's configuration points at."""
    out: list[Identity] = []
    for bases, name, folder in _PATHS:
        value = config.get(name)
        if not value:
            continue
        full = os.path.join(*(config.get(b, "") for b in bases), value)
        out.append((name, *file_identity(full)))
        if name == "Dir::State::status":
            for beside in ("arch", "updates"):
                p = os.path.join(os.path.dirname(full), beside)
                out.append((f"dpkg:{beside}", *file_identity(p)))
        if folder:
            try:
                entries = sorted(os.listdir(full))
            except OSError:
                entries = []
            out += [(f"{name}/{e}", *file_identity(os.path.join(full, e))) for e in entries]
    return out


def state_key(packages: Sequence[str], path: str) -> ProbeKey | None:
    """The cache key of asking apt about ``packages`` now (None: apt cannot say what it reads)."""
    apt_cache = shutil.which("apt-cache", path=path)
    apt_config = shutil.which("apt-config", path=path)
    if apt_cache is None or apt_config is None:
        return None
    config = _config(apt_config, path)
    if config is None:
        return None
    names = sorted(set(packages))
    command = " ".join(["apt-cache", "policy", *names])
    blob = json.dumps([FORMAT, command, path, config["\0dump"]])
    identity: list[Identity] = [("apt-cache", *file_identity(apt_cache)),
                                ("apt-config", *file_identity(apt_config)),
                                ("os-release", *file_identity("/etc/os-release"))]
    identity += _named_files(config)
    identity += package_database_state()
    return ProbeKey(hashlib.sha256(blob.encode()).hexdigest(), command, tuple(identity))


def _run(packages: Sequence[str], path: str) -> process.Finished | None:
    exe = shutil.which("apt-cache", path=path)
    if exe is None:
        return None
    try:
        return process.run([exe, "policy", *packages], env=_env(path), timeout=_TIMEOUT)
    except (OSError, process.Timeout):
        return None


def candidates(packages: Sequence[str], path: str, *, cache: bool = True) -> dict[str, str | None]:
    """The candidate version of each of ``packages`` (Debian's full version, None when apt has none
    or cannot be asked): one ``apt-cache policy`` run, or its stored answer while apt's state is the same."""
    names = sorted(set(packages))
    if shutil.which("apt-cache", path=path) is None:
        return dict.fromkeys(names)
    with _lock:
        store = ProbeCache() if cache else None
        key = state_key(names, path) if store is not None else None
        stored = store.get(key) if store is not None and key is not None else None
        if stored is not None:
            return parse_policy(stored.stdout.decode("utf-8", "replace"), names)
        done = _run(names, path)
        if done is None:
            return dict.fromkeys(names)
        if store is not None and key is not None and done.returncode == 0:
            store.put(key, CachedResult(done.stdout, done.stderr, done.returncode, done.seconds))
        return parse_policy(done.stdout.decode("utf-8", "replace"), names)
