"""Fetch and cache real Linux kernel trees and Debian's distribution configs.

The parity tests and benchmarks need genuine kernel sources (Kconfig files,
scripts/kconfig, Makefiles) rather than fixtures.  Debian ships them as
``linux-source-X.Y`` and ``linux-config-X.Y`` packages, so the trees come
from apt: 6.1 and 6.12 from the system's own suites, the newest one from
Debian unstable and 5.10 from bullseye, each through a private apt state kept
inside the cache (the system's apt configuration and lists are never modified).

Layout under the cache root::

    debs/                       downloaded .deb files (reused when hashes match)
    trees/linux-6.12/           extracted source, without Documentation/*/
    trees/linux-6.12.stamp      written last; its presence means "complete"
    configs/linux-6.12/config.amd64_none_amd64
    apt-sid-amd64/              private apt lists/cache/status for unstable
    apt-bullseye-amd64/         the same for bullseye (5.10)
    locks/                      flock files so parallel test workers queue up

Command line: ``python -m devtools.trees [VERSION...] [--configs]``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import logging
import lzma
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_VERSIONS",
    "TreeError",
    "cache_root",
    "ensure_distro_config",
    "ensure_tree",
    "main",
    "tree_info",
]

log = logging.getLogger(__name__)

# The series the project tests against: 5.10 (before Rust), and 6.1 onwards.
DEFAULT_VERSIONS: tuple[str, ...] = ("5.10", "6.1", "6.12", "7.2")
# Series that live in one Debian suite other than the system's own (7.2 only
# in unstable, 5.10 only in bullseye); the others try the system first.
_SUITE_OF: dict[str, str] = {"7.2": "sid", "5.10": "bullseye"}
_VERSION_RE = re.compile(r"^[0-9]+\.[0-9]+$")
_ARCH_RE = re.compile(r"^[a-z0-9]+$")
_STAMP_FORMAT = 1


class TreeError(RuntimeError):
    """A tree or config could not be fetched; the message is one sentence."""


def cache_root() -> Path:
    """``$RUSTCONFIG_CACHE`` if set, else ``<repo root>/.cache``."""
    env = os.environ.get("RUSTCONFIG_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    # trees.py -> devtools -> rustconfig_gui -> repo root
    return Path(__file__).resolve().parents[1] / ".cache"


# --------------------------------------------------------------------------
# small helpers


def _check_version(version: str) -> None:
    # The version ends up in package names and tar patterns; keep it strict.
    if not _VERSION_RE.match(version):
        raise TreeError(f"invalid kernel series {version!r}; expected MAJOR.MINOR such as 6.12.")


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    """Exclusive flock on ``<cache>/locks/<name>.lock`` (blocks until free)."""
    lock_dir = cache_root() / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{name}.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _apt_error(output: str) -> str:
    """The most telling line of an apt failure, for a one-sentence message."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    errors = [ln[2:].strip() for ln in lines if ln.startswith("E:")]
    if errors:
        return errors[0]
    return lines[-1] if lines else "no output"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _host_arch() -> str:
    try:
        out = subprocess.run(
            ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise TreeError(f"cannot determine the host architecture with dpkg ({exc}).") from None
    return out


def _main_suite() -> str:
    """The system's release codename (e.g. bookworm), used to pick its mirror."""
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        text = ""
    m = re.search(r"^VERSION_CODENAME=\"?([A-Za-z0-9._-]+)\"?$", text, re.M)
    if not m:
        raise TreeError("cannot read VERSION_CODENAME from /etc/os-release.")
    return m.group(1)


@dataclass(frozen=True)
class _SourceEntry:
    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str | None = None


def _system_sources() -> list[_SourceEntry]:
    """Binary-package entries of the system's apt sources (deb822 and one-line)."""
    entries: list[_SourceEntry] = []
    etc = Path("/etc/apt")
    for path in sorted((etc / "sources.list.d").glob("*.sources")):
        try:
            text = path.read_text()
        except OSError:
            continue
        for stanza in re.split(r"\n\s*\n", text):
            fields: dict[str, str] = {}
            key = None
            for line in stanza.splitlines():
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                if line[0].isspace() and key:  # continuation line
                    fields[key] += " " + line.strip()
                    continue
                if ":" in line:
                    key, _, value = line.partition(":")
                    key = key.strip().lower()
                    fields[key] = value.strip()
            if "deb" not in fields.get("types", "").split():
                continue
            if fields.get("enabled", "yes").lower() in ("no", "false", "0"):
                continue
            for uri in fields.get("uris", "").split():
                entries.append(
                    _SourceEntry(
                        uri,
                        tuple(fields.get("suites", "").split()),
                        tuple(fields.get("components", "").split()),
                        fields.get("signed-by"),
                    )
                )
    one_line = [etc / "sources.list", *sorted((etc / "sources.list.d").glob("*.list"))]
    for path in one_line:
        try:
            text = path.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if not line.startswith("deb "):
                continue
            options: dict[str, str] = {}
            m = re.match(r"deb\s+\[([^\]]*)\]\s+(.*)", line)
            if m:
                for opt in m.group(1).split():
                    k, _, v = opt.partition("=")
                    options[k] = v
                rest = m.group(2).split()
            else:
                rest = line.split()[1:]
            if len(rest) >= 2:
                entries.append(
                    _SourceEntry(rest[0], (rest[1],), tuple(rest[2:]), options.get("signed-by"))
                )
    return entries


def _main_mirror() -> str:
    """URI of the system entry that serves its main suite; reused for sid."""
    suite = _main_suite()
    for entry in _system_sources():
        if suite in entry.suites:
            return entry.uri
    raise TreeError(f"no apt source of this system serves the {suite} suite, so no Debian mirror is known.")


# --------------------------------------------------------------------------
# apt access


class _Apt:
    """One apt view: the system's own, or a private one kept in the cache.

    ``source`` is "system" (the system's suites) or a Debian suite name such
    as "sid" or "bullseye"; a foreign ``arch``
    also needs a private view because the system has no lists for it.
    """

    def __init__(self, source: str, arch: str) -> None:
        self.source = source
        self.arch = arch
        self.private = source != "system" or arch != _host_arch()
        self.root = cache_root() / f"apt-{source}-{arch}"
        self._updated = False

    @property
    def name(self) -> str:
        if self.source == "system":
            return "the system's apt suites" + ("" if not self.private else f" ({self.arch})")
        return f"Debian {self.source} ({self.arch})"

    def options(self) -> list[str]:
        if not self.private:
            return []
        r = self.root
        opts = [
            f"Dir::Etc::SourceList={r / 'sources.list'}",
            "Dir::Etc::SourceParts=/dev/null",
            f"Dir::State::Lists={r / 'lists'}",
            f"Dir::Cache={r / 'cache'}",
            f"Dir::State::Status={r / 'status'}",
            "Acquire::Check-Valid-Until=false",
            # Translations are not needed to download packages.
            "Acquire::Languages=none",
            f"APT::Architecture={self.arch}",
            f"APT::Architectures={self.arch}",
        ]
        return [x for opt in opts for x in ("-o", opt)]

    def _setup_private(self) -> None:
        r = self.root
        for sub in ("lists/partial", "cache/archives/partial"):
            (r / sub).mkdir(parents=True, exist_ok=True)
        status = r / "status"
        if not status.exists():
            status.write_text("")  # empty dpkg status: nothing counts as installed
        if self.source == "system":
            # One-line format takes a single suite per line.
            expanded = []
            for e in _system_sources():
                for s in e.suites:
                    opts = f"arch={self.arch}" + (f" signed-by={e.signed_by}" if e.signed_by else "")
                    expanded.append(f"deb [{opts}] {e.uri} {s} {' '.join(e.components)}")
            text = "\n".join(expanded) + "\n"
        else:
            # The stored copy of unstable (or of an old release such as
            # bullseye) may be weeks old, so its Release can count as
            # expired; trust it explicitly instead of failing.
            text = f"deb [trusted=yes check-valid-until=no arch={self.arch}] {_main_mirror()} {self.source} main\n"
        src = r / "sources.list"
        if not src.exists() or src.read_text() != text:
            src.write_text(text)
            # A changed source makes the old lists meaningless.
            for old in (r / "lists").glob("*_Packages*"):
                old.unlink()

    def _run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        cmd = ["apt-get", "-q", *self.options(), *args]
        env = dict(os.environ, LC_ALL="C")
        try:
            return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
        except OSError as exc:
            raise TreeError(f"cannot run apt-get ({exc}).") from None

    def update(self) -> None:
        """Refresh the private lists (the system's are the system's business)."""
        if not self.private or self._updated:
            return
        with _locked(f"apt-{self.source}-{self.arch}"):
            self._setup_private()
            t0 = time.monotonic()
            proc = self._run("update")
            if proc.returncode != 0:
                raise TreeError(f"apt-get update for {self.name} failed: {_apt_error(proc.stdout + proc.stderr)}.")
            log.info("apt-get update for %s: %.1f s", self.name, time.monotonic() - t0)
        self._updated = True

    def _has_lists(self) -> bool:
        return any((self.root / "lists").glob("*_Packages*"))

    def locate(self, package: str) -> tuple[str, int, str | None] | None:
        """(file name, size, sha256) of the candidate .deb, or None if unknown."""
        if self.private and not self._has_lists():
            self.update()
        proc = self._run("download", "--print-uris", package)
        if proc.returncode != 0 and self.private and not self._updated:
            # Lists may be stale (package renamed or superseded): refresh once.
            self.update()
            proc = self._run("download", "--print-uris", package)
        if proc.returncode != 0:
            return None
        for line in proc.stdout.splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0].startswith("'"):
                digest = None
                if len(parts) >= 4 and parts[3].upper().startswith("SHA256:"):
                    digest = parts[3].split(":", 1)[1].lower()
                return parts[1], int(parts[2]), digest
        return None

    def download(self, package: str, filename: str, size: int, digest: str | None, dest: Path) -> Path:
        """Download into ``dest`` unless an intact copy is already there."""
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / filename
        if target.is_file() and target.stat().st_size == size:
            if digest is None or _sha256(target) == digest:
                log.info("reusing %s", target)
                return target
        # Download into a private folder and rename, so a half-written file
        # never sits under the final name.
        tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=dest))
        try:
            t0 = time.monotonic()
            log.info("downloading %s (%.0f MB) from %s", package, size / 1e6, self.name)
            proc = self._run("download", package, cwd=tmp)
            if proc.returncode != 0:
                why = _apt_error(proc.stdout + proc.stderr)
                raise TreeError(f"downloading {package} from {self.name} failed: {why}.")
            got = tmp / filename
            if not got.is_file():
                found = sorted(p.name for p in tmp.iterdir())
                raise TreeError(f"apt-get download {package} produced {found or 'nothing'} instead of {filename}.")
            os.replace(got, target)
            log.info("downloaded %s in %.1f s", filename, time.monotonic() - t0)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return target


def _fetch_deb(package: str, version: str, arch: str | None = None) -> Path:
    """Locate ``package`` in the suites that should carry ``version`` and download it."""
    arch = arch or _host_arch()
    only = _SUITE_OF.get(version)
    sources = [only] if only else ["system", "sid"]
    tried = []
    for source in sources:
        apt = _Apt(source, arch)
        found = apt.locate(package)
        if found is None:
            tried.append(apt.name)
            continue
        filename, size, digest = found
        try:
            return apt.download(package, filename, size, digest, cache_root() / "debs")
        except TreeError:
            if not apt.private or apt._updated:
                raise
            # Old private lists can name a file the mirror has since dropped.
            apt.update()
            found = apt.locate(package)
            if found is None:
                raise
            return apt.download(package, *found, cache_root() / "debs")
    raise TreeError(f"package {package} is not available from {' or '.join(tried)}.")


# --------------------------------------------------------------------------
# trees


def _tree_paths(version: str) -> tuple[Path, Path]:
    trees = cache_root() / "trees"
    return trees / f"linux-{version}", trees / f"linux-{version}.stamp"


def ensure_tree(version: str) -> Path:
    """Return ``<cache>/trees/linux-<version>``, fetching and extracting it once.

    The tree is Debian's ``linux-source-<version>`` (Debian patches applied)
    without the contents of Documentation's subfolders; the top-level
    Documentation files stay because the top Kconfig sources
    ``Documentation/Kconfig``.
    """
    _check_version(version)
    tree, stamp = _tree_paths(version)
    if stamp.is_file() and tree.is_dir():
        return tree
    with _locked(f"tree-{version}"):
        if stamp.is_file() and tree.is_dir():  # another worker finished it
            return tree
        trees_dir = tree.parent
        trees_dir.mkdir(parents=True, exist_ok=True)
        # Holding the lock, any leftovers for this version are from a crash.
        for stale in trees_dir.glob(f".tmp-linux-{version}-*"):
            shutil.rmtree(stale, ignore_errors=True)
        if tree.exists():  # extracted but never stamped
            shutil.rmtree(tree)

        package = f"linux-source-{version}"
        t0 = time.monotonic()
        deb = _fetch_deb(package, version)
        t_fetch = time.monotonic() - t0

        _check_room(trees_dir, deb)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-linux-{version}-", dir=trees_dir))
        try:
            t1 = time.monotonic()
            top = f"linux-source-{version}"
            _extract_source(deb, top, tmp)
            extracted = tmp / top
            if not (extracted / "Makefile").is_file() or not (extracted / "Kconfig").is_file():
                raise TreeError(f"{deb.name} did not contain a kernel tree under {top}/.")
            _prune_empty_dirs(extracted / "Documentation")
            os.replace(extracted, tree)
            t_extract = time.monotonic() - t1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

        info = {
            "format": _STAMP_FORMAT,
            "package": package,
            "deb": deb.name,
            "fetch_seconds": round(t_fetch, 2),
            "extract_seconds": round(t_extract, 2),
        }
        tmp_stamp = stamp.with_suffix(".stamp.tmp")
        tmp_stamp.write_text(json.dumps(info, indent=1) + "\n")
        os.replace(tmp_stamp, stamp)
        log.info("extracted %s into %s in %.1f s", deb.name, tree, t_extract)
        return tree


def tree_info(version: str) -> dict[str, object]:
    """The stamp of an extracted tree (package file, timings); {} if absent."""
    _check_version(version)
    _, stamp = _tree_paths(version)
    try:
        info = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _extract_source(deb: Path, top: str, dest: Path) -> None:
    """Stream data.tar -> inner .tar.xz -> files, without temporary tarballs."""
    inner = f"*usr/src/{top}.tar.xz"
    # Threaded xz: Debian's tarball has many blocks, so 2 cores halve the time.
    pipeline = " | ".join(
        [
            shlex.join(["dpkg-deb", "--fsys-tarfile", str(deb)]),
            shlex.join(["tar", "-xOf", "-", "--wildcards", inner]),
            shlex.join(["xz", "-T0", "-dc"]),
            shlex.join(
                [
                    "tar", "-xf", "-", "-C", str(dest), "--no-same-owner",
                    "--anchored", f"--exclude={top}/Documentation/*/*",
                ]
            ),
        ]
    )
    proc = subprocess.run(
        ["bash", "-o", "pipefail", "-c", pipeline], capture_output=True, text=True
    )
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        # tar goes on after the first ENOSPC and ends with unrelated-looking lines
        full = [ln for ln in lines if "No space left on device" in ln]
        tail = full[0] if full else " ".join(lines[-2:]) or f"exit status {proc.returncode}"
        raise TreeError(f"extracting {deb.name} failed: {tail}")


# Debian's linux-source packages unpack to ~11x their size (7.2: 164 MB -> 1.7 GB).
_UNPACKED_PER_PACKED = 12


def _check_room(folder: Path, deb: Path) -> None:
    need = deb.stat().st_size * _UNPACKED_PER_PACKED
    free = shutil.disk_usage(folder).free
    if free < need:
        raise TreeError(
            f"{folder} has {free / 1e9:.1f} GB free; extracting {deb.name} needs about {need / 1e9:.1f} GB."
        )


def _prune_empty_dirs(root: Path) -> None:
    # tar still creates the excluded Documentation subfolders; drop the husks.
    if not root.is_dir():
        return
    # Bottom-up, so a folder whose children were just removed is empty too.
    for dirpath, _dirnames, _filenames in os.walk(root, topdown=False):
        if Path(dirpath) != root:
            with contextlib.suppress(OSError):
                os.rmdir(dirpath)  # fails, as intended, on non-empty folders


# --------------------------------------------------------------------------
# distribution configs


def ensure_distro_config(version: str, arch: str = "amd64") -> Path:
    """Return Debian's generic ``config.<arch>_none_<arch>`` for ``version``, uncompressed.

    ``arch`` is a Debian architecture name (amd64, arm64, ...).
    """
    _check_version(version)
    if not _ARCH_RE.match(arch):
        raise TreeError(f"invalid Debian architecture {arch!r}.")
    name = f"config.{arch}_none_{arch}"
    out = cache_root() / "configs" / f"linux-{version}" / name
    if out.is_file():
        return out
    with _locked(f"config-{version}-{arch}"):
        if out.is_file():
            return out
        package = f"linux-config-{version}"
        deb = _fetch_deb(package, version, arch)
        data = _read_member(deb, f"{name}.xz")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{name}.tmp")
        tmp.write_bytes(lzma.decompress(data))
        os.replace(tmp, out)
        log.info("wrote %s from %s", out, deb.name)
        return out


def _read_member(deb: Path, basename: str) -> bytes:
    """Bytes of the data.tar member whose file name is ``basename``."""
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    available: list[str] = []
    found: bytes | None = None
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for member in tar:
                base = member.name.rsplit("/", 1)[-1]
                if not member.isfile():
                    continue
                if base == basename:
                    fh = tar.extractfile(member)
                    found = fh.read() if fh else b""
                    break
                if base.startswith("config."):
                    available.append(base.removesuffix(".xz"))
    except tarfile.TarError as exc:
        raise TreeError(f"cannot read {deb.name}: {exc}.") from None
    finally:
        proc.stdout.close()
        proc.kill()
        proc.wait()
    if found is None:
        listing = ", ".join(available) if available else "no configs"
        raise TreeError(f"{deb.name} has no {basename.removesuffix('.xz')} (it has {listing}).")
    return found


# --------------------------------------------------------------------------
# command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.trees",
        description="Fetch Debian kernel trees (and distribution configs) into the cache "
        "and print 'version<TAB>path' lines. Without VERSION: all of "
        + ", ".join(DEFAULT_VERSIONS) + " plus their configs.",
    )
    parser.add_argument("versions", nargs="*", metavar="VERSION", help="kernel series such as 6.12")
    parser.add_argument("--configs", action="store_true", help="also fetch the distribution configs")
    parser.add_argument("--arch", default="amd64", help="Debian architecture of the configs (default amd64)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s", stream=sys.stderr
    )
    versions = args.versions or list(DEFAULT_VERSIONS)
    configs = args.configs or not args.versions
    try:
        for version in versions:
            print(f"{version}\t{ensure_tree(version)}", flush=True)
            if configs:
                print(f"{version}\t{ensure_distro_config(version, args.arch)}", flush=True)
    except TreeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
