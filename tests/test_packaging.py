"""Packaging and desktop integration, checked with the real tools.

- the wheel, built from a clean copy of the sources and installed into a fresh
  venv, runs ``rustconfig`` and the window with resources from site-packages;
- the desktop entry and AppStream metainfo pass desktop-file-validate and
  appstreamcli; the icons are in the hicolor layout;
- the Flatpak manifest parses with flatpak-builder; host commands go through a
  real (stand-in) flatpak-spawn when sandboxed;
- the PKGBUILD is shellcheck-clean; the man pages come from the parsers;
- the PyInstaller folder builds and runs (slow: a venv and a bundle).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path
from xml.etree import ElementTree

import pytest
from fakes import fake_toolchain, write_script

from rustconfig_gui import __version__
from rustconfig_gui.host import hostexec, process

REPO = Path(__file__).resolve().parent.parent
PACKAGING = REPO / "packaging"
APP_ID = "io.github.rustconfig_gui.RustconfigGui"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
MANIFEST = PACKAGING / "flatpak" / f"{APP_ID}.yml"
PKGBUILD = PACKAGING / "arch" / "PKGBUILD"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)

# copied for a build: everything a release tarball has, nothing a build or a cache left behind
_NOT_SOURCES = {".git", ".cache", ".venv", "build", "dist", "__pycache__", ".pytest_cache", ".mypy_cache",
                ".ruff_cache", ".hypothesis", ".import_linter_cache", ".benchmarks", "bench"}


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed; scripts/system-deps.sh tests installs it")
    return path


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without anything that could point Python or make elsewhere."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "MAKEFLAGS", "MAKELEVEL", "MFLAGS",
                        "O", "KBUILD_OUTPUT", "RUST_LIB_SRC", "VIRTUAL_ENV")}
    env.update(extra)
    return env


def run(argv: list, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:
    # timeout: only so a hang fails the test instead of blocking the run
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=env or clean_env(), capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout)


def copy_sources(dest: Path) -> Path:
    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n in _NOT_SOURCES or n.endswith(".egg-info")}

    shutil.copytree(REPO, dest, ignore=ignore, symlinks=True)
    return dest


# -- the wheel in a fresh venv -------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built by pip (build isolation: setuptools >= 77 as pyproject asks) from a clean copy.

    A copy, because setuptools reuses ./build/lib of the folder it builds in,
    and a stale file there would end up in the wheel.
    """
    top = tmp_path_factory.mktemp("wheel")
    src = copy_sources(top / "src")
    # -v: setuptools' own warnings (about the packages configuration) are in the log
    done = run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", top / "out", src], cwd=top)
    assert done.returncode == 0, done.stderr
    (top / "build.log").write_text(done.stdout + done.stderr)
    (whl,) = (top / "out").glob("rustconfig_gui-*.whl")
    return whl


# a Python warning class in setuptools' output: "_Warning: Package 'x' is absent from the `packages`
# configuration", SetuptoolsDeprecationWarning, … (pip's "warning: byte-compiling is disabled" is no such class)
_BUILD_WARNING = re.compile(r"\w*Warning\b|[Pp]ackage would be ignored|absent from the .packages. configuration")


def test_wheel_builds_without_setuptools_warnings(wheel: Path):
    log = (wheel.parent.parent / "build.log").read_text()
    assert "Successfully built rustconfig-gui" in log or "Created wheel for rustconfig-gui" in log, log[-2000:]
    warnings = [line.strip() for line in log.splitlines() if _BUILD_WARNING.search(line)]
    assert warnings == []


def test_wheel_holds_the_product_only(wheel: Path):
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"rustconfig_gui", f"rustconfig_gui-{__version__}.dist-info"}
    # development code (trees, the C reference, parity, benches) and the tests stay in the checkout
    assert not [n for n in names if re.search(r"(^|/)(devtools|tests|bench|conftest|test_[^/]*\.py$)", n)]
    top_level = zipfile.ZipFile(wheel).read(f"rustconfig_gui-{__version__}.dist-info/top_level.txt").decode()
    assert top_level.split() == ["rustconfig_gui"]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> dict[str, Path]:
    """A fresh venv with our wheel installed; PySide6 and kconfiglib from the running interpreter.

    Not ``--system-site-packages``: that exposes the *base* interpreter's
    packages, and when the tests run from a venv (CI's .venv) PySide6 is in
    that venv, not in the base.  The running interpreter's site-packages go on
    the new venv's path through a .pth file, *after* its own site-packages, so
    our package comes from the wheel.  Only folders are added: the .pth files
    inside them (an editable install's import hook) are not run.
    """
    root = tmp_path_factory.mktemp("venv") / "env"
    done = run([sys.executable, "-m", "venv", "--without-pip", root], cwd=root.parent)
    assert done.returncode == 0, done.stderr
    py = root / "bin" / "python"
    purelib = Path(run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                       cwd=root).stdout.strip())
    ours = []
    for p in [*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]:
        if Path(p).is_dir() and p not in ours:
            ours.append(p)
    (purelib / "zz-test-host-packages.pth").write_text("".join(f"{p}\n" for p in ours))
    # --ignore-installed: the running interpreter may hold an (editable) rustconfig-gui of its own
    done = run([sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-deps", "--no-index",
                "--ignore-installed", wheel], cwd=root.parent)
    assert done.returncode == 0, done.stderr
    return {"root": root, "python": py, "bin": root / "bin", "site": purelib}


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder outside the checkout."""
    path = tmp_path_factory.mktemp("outside")
    assert REPO not in path.parents
    return path


def installed_demo(venv: dict[str, Path]) -> Path:
    return venv["site"] / "rustconfig_gui" / "resources" / "demo-tree"


def test_wheel_holds_the_sources_and_every_resource(wheel: Path):
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    code = {n for n in names if n.startswith("rustconfig_gui/") and not n.startswith("rustconfig_gui/resources/")}
    expected_code = {p.relative_to(REPO).as_posix() for p in (REPO / "rustconfig_gui").rglob("*.py")}
    assert code == expected_code
    resources = {n[len("rustconfig_gui/resources/"):] for n in names if n.startswith("rustconfig_gui/resources/")}
    expected = {p.relative_to(REPO / "resources").as_posix() for p in (REPO / "resources").rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
    assert resources == expected
    assert {"demo-tree/Kconfig", "demo-tree/scripts/rust_is_available.sh", "icons/rustconfig-gui.svg",
            "icons/rust-option.svg"} <= resources
    entry_points = zipfile.ZipFile(wheel).read(
        f"rustconfig_gui-{__version__}.dist-info/entry_points.txt").decode()
    assert "rustconfig = rustconfig_gui.cli:main" in entry_points
    assert "rustconfig-gui = rustconfig_gui.gui.app:main" in entry_points


def test_installed_package_uses_site_packages_not_the_checkout(venv, outside: Path):
    code = ("import json, rustconfig_gui, rustconfig_gui.resources as r; from rustconfig_gui import assets; "
            "print(json.dumps({'module': rustconfig_gui.__file__, 'resources_pkg': r.__file__, "
            "'root': str(assets.resources_root()), 'demo': str(assets.demo_tree())}))")
    done = run([venv["python"], "-c", code], cwd=outside)
    assert done.returncode == 0, done.stderr
    info = {k: Path(v) for k, v in json.loads(done.stdout).items()}
    site_dir = venv["site"]
    for key, path in info.items():
        assert site_dir in path.parents, f"{key} {path} is not inside {site_dir}"
        assert REPO not in path.parents, f"{key} {path} comes from the checkout"
    assert info["root"] == site_dir / "rustconfig_gui" / "resources"
    assert (info["demo"] / "Kconfig").is_file()
    assert (info["root"] / "icons" / "rustconfig-gui.svg").is_file()


def test_installed_demo_scripts_stay_executable(venv):
    scripts = installed_demo(venv) / "scripts"
    for name in ("rust_is_available.sh", "cc-version.sh", "rustc-version.sh"):
        assert os.access(scripts / name, os.X_OK), f"{name} lost its executable bit in the wheel"


@pytest.mark.parametrize("command", ["rustconfig", "rustconfig-gui"])
def test_installed_commands_version_and_help(venv, outside: Path, command: str):
    exe = venv["bin"] / command
    assert exe.is_file()
    done = run([exe, "--version"], cwd=outside)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{command} {__version__}"
    done = run([exe, "--help"], cwd=outside)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {command} ")
    if command == "rustconfig":
        for sub in ("info", "defconfig", "olddefconfig", "savedefconfig", "why", "rust-status", "probe"):
            assert sub in done.stdout


def test_installed_rustconfig_info_on_the_installed_demo_tree(venv, outside: Path):
    demo = installed_demo(venv)
    done = run([venv["bin"] / "rustconfig", "info", demo, "--json"], cwd=outside)
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    assert info["source"] == str(demo)
    assert info["version"] == "6.99.0-demo"
    assert info["symbols"] > 40 and info["macro_calls"] > 0
    assert info["defconfig"] == "x86_64_defconfig"


def test_installed_probe_runs_the_installed_demo_scripts(venv, outside: Path, tmp_path: Path):
    """make rustavailable of the demo tree inside site-packages, with a toolchain that passes."""
    tc = fake_toolchain(tmp_path / "tc")
    argv = [venv["bin"] / "rustconfig", "probe", installed_demo(venv), "-O", tmp_path / "out"]
    for name, value in tc.make_vars:
        argv += ["--make-var", f"{name}={value}"]
    done = run(argv, cwd=outside)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Rust is available." in done.stdout
    tc_old = fake_toolchain(tmp_path / "old", rustc_version="1.63.0")
    argv = [venv["bin"] / "rustconfig", "probe", installed_demo(venv), "-O", tmp_path / "out2"]
    for name, value in tc_old.make_vars:
        argv += ["--make-var", f"{name}={value}"]
    done = run(argv, cwd=outside)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Rust is not available." in done.stdout


GUI_CHECK = textwrap.dedent("""
    import json, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import rustconfig_gui
    from rustconfig_gui import assets
    from rustconfig_gui.gui import app as gui_app
    from rustconfig_gui.gui.mainwindow import MainWindow

    qapp = QApplication(sys.argv[:1])

    def check():
        wins = [w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow)]
        # main() opened the demo tree before the event loop started: wait for the loader
        if not wins or wins[0].loader.busy:
            QTimer.singleShot(50, check)
            return
        w = wins[0]
        w.grab().save(sys.argv[1])
        print(json.dumps({
            "module": rustconfig_gui.__file__,
            "resources": str(assets.resources_root()),
            "loaded": w.lt is not None,
            "source": str(w.lt.tree.source) if w.lt is not None else None,
            "symbols": len(w.lt.kconf.unique_defined_syms) if w.lt is not None else 0,
            "icon": not w.windowIcon().pixmap(32, 32).isNull(),
            "desktop_file": qapp.desktopFileName(),
        }))
        w.modified = False
        w.close()
        qapp.quit()

    QTimer.singleShot(0, check)
    sys.exit(gui_app.main([]))
""")


def test_installed_gui_opens_the_demo_tree_offscreen(venv, outside: Path, tmp_path: Path):
    """The installed rustconfig-gui's main(), offscreen, with settings and data in a temporary home."""
    shot = tmp_path / "window.png"
    env = clean_env(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
                    XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    done = run([venv["python"], "-c", GUI_CHECK, shot], cwd=outside, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    info = json.loads(done.stdout.strip().splitlines()[-1])
    assert info["loaded"], done.stderr
    site_dir = venv["site"]
    assert site_dir in Path(info["module"]).parents
    assert Path(info["resources"]) == site_dir / "rustconfig_gui" / "resources"
    assert Path(info["source"]) == installed_demo(venv)
    assert info["symbols"] > 40
    assert info["icon"], "the window icon did not load from the installed resources"
    assert info["desktop_file"] == APP_ID
    from PySide6.QtGui import QImage

    img = QImage(str(shot))
    assert not img.isNull() and img.width() >= 800 and img.height() >= 600


# -- desktop entry, AppStream metainfo, icons ----------------------------------------


def desktop_entry() -> dict[str, str]:
    entry: dict[str, str] = {}
    group = None
    for line in DESKTOP.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            group = line.strip("[]")
        elif "=" in line and group == "Desktop Entry":
            k, v = line.split("=", 1)
            entry[k] = v
    return entry


def test_desktop_file_validates():
    done = run([need("desktop-file-validate"), DESKTOP], cwd=PACKAGING)
    assert done.returncode == 0, done.stdout + done.stderr
    # hints are advice; errors and warnings are not allowed
    assert not re.search(r"\b(error|warning):", done.stdout + done.stderr), done.stdout + done.stderr


def test_desktop_entry_matches_the_app():
    entry = desktop_entry()
    assert entry["Icon"] == APP_ID
    assert entry["Exec"].split()[0] == "rustconfig-gui"
    assert "Development" in entry["Categories"].split(";")
    app_src = (REPO / "rustconfig_gui" / "gui" / "app.py").read_text()
    assert f'setDesktopFileName("{APP_ID}")' in app_src
    assert hostexec.APP_ID == APP_ID


# AppStream 0.16 (Debian bookworm) predates the <developer> tag of AppStream 1.0 and reports it as
# unknown; the ID's capitals are the project's chosen reverse-DNS ID (a pedantic note only)
_ALLOWED_APPSTREAM = {("I", "unknown-tag", "developer"), ("P", "cid-contains-uppercase-letter", "")}


def appstream_issues(output: str) -> set[tuple[str, str, str]]:
    issues = set()
    for m in re.finditer(r"^\s*([EWIP]): [^:\s]+:[^:\s]*: (\S+)(?: (.*))?$", output, re.MULTILINE):
        issues.add((m.group(1), m.group(2), (m.group(3) or "").strip()))
    return issues


def test_metainfo_validates():
    done = run([need("appstreamcli"), "validate", "--no-net", "--pedantic", METAINFO], cwd=PACKAGING)
    assert done.returncode == 0, done.stdout + done.stderr
    assert appstream_issues(done.stdout) <= _ALLOWED_APPSTREAM, done.stdout


def test_installed_tree_validates(tmp_path: Path):
    """desktop entry + metainfo + icons laid out as a package installs them, checked together."""
    usr = tmp_path / "usr"
    (usr / "share" / "applications").mkdir(parents=True)
    (usr / "share" / "metainfo").mkdir(parents=True)
    shutil.copy(DESKTOP, usr / "share" / "applications")
    shutil.copy(METAINFO, usr / "share" / "metainfo")
    shutil.copytree(PACKAGING / "icons" / "hicolor", usr / "share" / "icons" / "hicolor")
    done = run([need("appstreamcli"), "validate-tree", "--no-net", "--pedantic", tmp_path], cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert appstream_issues(done.stdout) <= _ALLOWED_APPSTREAM, done.stdout


def test_metainfo_content():
    root = ElementTree.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == f"{APP_ID}.desktop"
    assert {c.text for c in root.iter("category")} == {"Development", "System"}
    assert root.find("content_rating").get("type") == "oars-1.1"
    releases = [r.get("version") for r in root.iter("release")]
    assert releases and releases[0] == __version__, "the newest <release> must be this version"
    assert {b.text for b in root.iter("binary")} == {"rustconfig", "rustconfig-gui"}


def test_metainfo_screenshots_exist_with_their_sizes():
    from PySide6.QtGui import QImage

    root = ElementTree.parse(METAINFO).getroot()
    images = list(root.iter("image"))
    assert len(images) >= 2
    assert sum(1 for s in root.iter("screenshot") if s.get("type") == "default") == 1
    for image in images:
        name = image.text.rsplit("/docs/screenshots/", 1)[1]
        path = REPO / "docs" / "screenshots" / name
        img = QImage(str(path))
        assert not img.isNull(), f"{path} is missing"
        assert (img.width(), img.height()) == (int(image.get("width")), int(image.get("height")))


def test_readme_screenshots_exist():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shots = re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", readme)
    assert len(shots) >= 2
    for rel in shots:
        assert (REPO / rel).is_file(), rel


def test_readme_is_short_and_every_link_of_the_docs_resolves():
    readme = REPO / "README.md"
    # for users: what it is, set-up, install, the window, the CLI, the walkthrough; internals in docs/
    assert readme.stat().st_size < 15_000
    assert "sh scripts/test.sh" in readme.read_text(encoding="utf-8")  # .ci/run runs "the README's test command"
    for page in [readme, *sorted((REPO / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # a web address
            assert (page.parent / target).exists(), f"{page.relative_to(REPO)} links to missing {target}"


def test_icons_in_hicolor_layout():
    from PySide6.QtGui import QImage

    hicolor = PACKAGING / "icons" / "hicolor"
    svg = hicolor / "scalable" / "apps" / f"{APP_ID}.svg"
    assert svg.read_bytes() == (REPO / "resources" / "icons" / "rustconfig-gui.svg").read_bytes()
    for size in ICON_SIZES:
        png = hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        img = QImage(str(png))
        assert (img.width(), img.height()) == (size, size), png
        # drawn, not empty: the corner is transparent, the middle is not
        assert img.pixelColor(size // 2, size // 2).alpha() == 255
        assert img.pixelColor(0, 0).alpha() == 0
    done = run([sys.executable, PACKAGING / "render-icons.py", "--check"], cwd=REPO,
               env=clean_env(QT_QPA_PLATFORM="offscreen"))
    assert done.returncode == 0, done.stderr


# -- Flatpak ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The manifest as flatpak-builder itself reads it (its YAML parser and property checks)."""
    # flatpak-builder leaves its .flatpak-builder state folder in the working folder
    done = run([need("flatpak-builder"), "--show-manifest", MANIFEST], cwd=tmp_path_factory.mktemp("flatpak"))
    assert done.returncode == 0, done.stderr
    # an unknown or misspelt property is only a warning to flatpak-builder; here it fails
    assert "WARNING" not in done.stderr and "Unknown property" not in done.stderr, done.stderr
    return json.loads(done.stdout)


def test_flatpak_manifest_uses_the_pyside_base_app(manifest: dict):
    assert manifest["id"] == APP_ID
    assert manifest["base"] == "io.qt.PySide.BaseApp"
    assert manifest["runtime"] == "org.kde.Platform" and manifest["sdk"] == "org.kde.Sdk"
    assert manifest["base-version"] == manifest["runtime-version"]
    assert manifest["command"] == "rustconfig-gui"
    assert "/app/cleanup-BaseApp.sh" in manifest["cleanup-commands"]
    args = manifest["finish-args"]
    assert "--talk-name=org.freedesktop.Flatpak" in args, "host make/rustc need flatpak-spawn --host"
    assert "--filesystem=home" in args
    names = [m["name"] for m in manifest["modules"]]
    assert names[0] == "make" and names[-1] == "rustconfig-gui"


def test_flatpak_sources_are_pinned_and_local_files_exist(manifest: dict):
    pin = re.search(r'"kconfiglib==([^"]+)"', (REPO / "pyproject.toml").read_text()).group(1)
    for module in manifest["modules"]:
        for src in module.get("sources", []):
            if "url" in src:
                assert re.fullmatch(r"[0-9a-f]{64}", src.get("sha256", "")), src
            if src["type"] == "dir":
                assert (MANIFEST.parent / src["path"]).resolve() == REPO
        if module["name"] == "python3-kconfiglib":
            assert any(f"kconfiglib-{pin}-" in s["url"] for s in module["sources"])
            assert any(f"kconfiglib=={pin}" in c for c in module["build-commands"])
    app = manifest["modules"][-1]
    used = set()
    for cmd in app["build-commands"]:
        for token in cmd.split():
            if token.startswith("packaging/"):
                used.add(token.replace("${FLATPAK_ID}", APP_ID))
    assert used
    for rel in used:
        assert (REPO / rel).exists(), f"the manifest installs {rel}, which does not exist"


# -- host commands from inside the sandbox ------------------------------------------------

# flatpak-spawn --host as the sandbox sees it: its own options, then the command run
# with --env= variables set and in --directory=
FAKE_SPAWN = """#!/bin/sh
dir=
while [ $# -gt 0 ]; do
    case "$1" in
    --host|--watch-bus) ;;
    --directory=*) dir=${1#--directory=} ;;
    --env=*) export "${1#--env=}" ;;
    -*) echo "fake flatpak-spawn: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
    shift
done
[ "$#" -gt 0 ] || { echo "fake flatpak-spawn: no command" >&2; exit 2; }
printf '%s\\n' "$*" >> "$SPAWN_LOG"
[ -z "$dir" ] || cd "$dir" || exit 1
exec "$@"
"""


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real flatpak-spawn stand-in first on PATH; returns the log of what it ran."""
    bindir = tmp_path / "spawn-bin"
    bindir.mkdir()
    write_script(bindir / "flatpak-spawn", FAKE_SPAWN)
    log = tmp_path / "spawn.log"
    log.write_text("")
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("SPAWN_LOG", str(log))
    return log


def test_outside_flatpak_commands_are_unchanged(tmp_path: Path):
    hc = hostexec.host_command(["make", "-C", "x"], env={"A": "1"}, cwd=tmp_path, sandboxed=False)
    assert hc == hostexec.HostCommand(["make", "-C", "x"], False, {"A": "1"}, str(tmp_path), via_host=False)
    hc = hostexec.host_command("echo $A", shell=True, sandboxed=False)
    assert hc.args == "echo $A" and hc.shell and not hc.via_host
    assert hostexec.host_argv(["rustc", "--version"], sandboxed=False) == ["rustc", "--version"]
    assert hostexec.host_which("sh", sandboxed=False) == shutil.which("sh")
    assert hostexec.host_access_problem(sandboxed=False) is None


def test_in_flatpak_follows_the_info_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(hostexec, "FLATPAK_INFO", tmp_path / ".flatpak-info")
    assert not hostexec.in_flatpak()
    (tmp_path / ".flatpak-info").write_text("[Application]\nname=io.github.rustconfig_gui.RustconfigGui\n")
    assert hostexec.in_flatpak()
    assert hostexec.host_argv(["true"])[:2] == ["flatpak-spawn", "--host"]


def test_sandboxed_argv_passes_only_what_the_caller_changed(tmp_path: Path):
    sandbox_env = {"PATH": "/app/bin:/usr/bin", "HOME": "/home/u", "LANG": "C.UTF-8", "FLATPAK_ID": APP_ID}
    env = {**sandbox_env, "LC_ALL": "C", "srctree": "/src", "FLATPAK_ID": "other", "LD_LIBRARY_PATH": "/app/lib"}
    argv = hostexec.host_argv(["make", "-s", "kernelversion"], env=env, cwd=tmp_path, sandboxed=True,
                              sandbox_env=sandbox_env)
    assert argv == ["flatpak-spawn", "--host", "--watch-bus", f"--directory={tmp_path}",
                    "--env=LC_ALL=C", "--env=srctree=/src", "make", "-s", "kernelversion"]


def test_sandboxed_shell_command_runs_through_flatpak_spawn(sandbox: Path, tmp_path: Path):
    env = {**os.environ, "RUSTCONFIG_HOST_TEST": "from the caller"}
    hc = hostexec.host_command('echo "$RUSTCONFIG_HOST_TEST"; pwd', shell=True, env=env, cwd=tmp_path,
                               sandboxed=True)
    assert hc.via_host and not hc.shell and hc.env is None and hc.cwd is None
    done = process.run(hc.args, shell=hc.shell, env=hc.env, cwd=hc.cwd, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines() == ["from the caller", str(tmp_path)]
    assert sandbox.read_text().startswith("/bin/sh -c ")


def test_sandboxed_make_of_the_demo_tree(sandbox: Path, tmp_path: Path):
    """The tree's make run the way process.run would run it when sandboxed."""
    from rustconfig_gui.kconfig.tree import make_environment

    demo = REPO / "resources" / "demo-tree"
    hc = hostexec.host_command(["make", "-s", "-C", str(demo), f"O={tmp_path / 'o'}", "kernelversion"],
                               env=make_environment(clean_env()), sandboxed=True)
    done = process.run(hc.args, shell=hc.shell, env=hc.env, cwd=hc.cwd, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().strip() == "6.99.0-demo"
    assert sandbox.read_text().startswith("make -s -C ")


def test_host_visible_paths(tmp_path: Path):
    assert hostexec.is_host_visible("/app/lib/python3.12/site-packages/x", sandboxed=False)
    assert not hostexec.is_host_visible("/app/lib/python3.12/site-packages/rustconfig_gui/resources/demo-tree",
                                        sandboxed=True)
    assert not hostexec.is_host_visible("/tmp/rustconfig-env-1", sandboxed=True)
    assert not hostexec.is_host_visible("/usr/src/linux", sandboxed=True)
    assert hostexec.is_host_visible("/home/dev/src/linux", sandboxed=True)
    assert hostexec.is_host_visible("/apple/linux", sandboxed=True)


def test_sandboxed_which_and_access(sandbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    assert hostexec.host_which("sh", sandboxed=True) == shutil.which("sh")
    assert hostexec.host_which("no-such-tool-here", sandboxed=True) is None
    assert hostexec.host_access_problem(sandboxed=True) is None
    # flatpak-spawn without the talk-name permission fails like this
    denied = tmp_path / "denied-bin"
    denied.mkdir()
    write_script(denied / "flatpak-spawn", "#!/bin/sh\necho 'Portal call failed: "
                 "org.freedesktop.DBus.Error.ServiceUnknown' >&2\nexit 1\n")
    monkeypatch.setenv("PATH", f"{denied}{os.pathsep}{os.environ['PATH']}")
    problem = hostexec.host_access_problem(sandboxed=True)
    assert problem is not None
    assert "ServiceUnknown" in problem and f"--talk-name=org.freedesktop.Flatpak {APP_ID}" in problem


# -- Arch PKGBUILD --------------------------------------------------------------------


def test_pkgbuild_is_shellcheck_clean():
    done = run([need("shellcheck"), PKGBUILD], cwd=PKGBUILD.parent)
    assert done.returncode == 0, done.stdout + done.stderr


def test_pkgbuild_metadata():
    script = ('source ./PKGBUILD; printf "%s\\n" "$pkgver"; printf "depends %s\\n" "${depends[@]}"; '
              'printf "makedepends %s\\n" "${makedepends[@]}"; '
              'for f in build check package; do declare -F "$f"; done')
    done = run(["bash", "-euc", script], cwd=PKGBUILD.parent)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == __version__
    depends = {line.split(" ", 1)[1] for line in lines if line.startswith("depends ")}
    makedepends = {line.split(" ", 1)[1] for line in lines if line.startswith("makedepends ")}
    assert {"pyside6", "python-kconfiglib", "make"} <= depends
    assert {"python-build", "python-installer"} <= makedepends
    assert lines[-3:] == ["build", "check", "package"]
    text = PKGBUILD.read_text()
    for rel in re.findall(r"packaging/[\w./${}-]+", text):
        rel = rel.replace("$id", APP_ID).rstrip("/")
        assert (REPO / rel).exists(), f"the PKGBUILD uses {rel}, which does not exist"


# -- man pages ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manpages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("man")
    done = run([sys.executable, PACKAGING / "make-manpages.py", "--out", out], cwd=out)
    assert done.returncode == 0, done.stderr
    return out


def test_manpages_are_generated_and_clean(manpages: Path):
    for name in ("rustconfig.1", "rustconfig-gui.1"):
        page = manpages / name
        assert page.is_file()
        done = run(["groff", "-man", "-Tutf8", "-ww", "-z", page], cwd=manpages)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        done = run(["man", "-l", page], cwd=manpages, env=clean_env(MANWIDTH="100", MANPAGER="cat", PAGER="cat"))
        assert done.returncode == 0, done.stderr
        assert "NAME" in done.stdout and "SYNOPSIS" in done.stdout
    done = run([sys.executable, PACKAGING / "make-manpages.py", "--out", manpages, "--check"], cwd=manpages)
    assert done.returncode == 0, done.stderr


def test_manpages_follow_the_parsers(manpages: Path):
    import argparse

    from rustconfig_gui.cli import build_parser as cli_parser
    from rustconfig_gui.gui.app import build_parser as gui_parser

    def esc(s: str) -> str:
        return s.replace("-", "\\-")

    def options(p: argparse.ArgumentParser) -> set[str]:
        return {o for a in p._actions for o in a.option_strings}

    cli_page = (manpages / "rustconfig.1").read_text()
    parser = cli_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for name, subparser in sub.choices.items():
        assert f".SS {esc(name)}\n" in cli_page, name
        for opt in options(subparser):
            assert f"\\fB{esc(opt)}\\fR" in cli_page, (name, opt)
    gui_page = (manpages / "rustconfig-gui.1").read_text()
    for opt in options(gui_parser()):
        assert f"\\fB{esc(opt)}\\fR" in gui_page, opt
    assert f'"rustconfig {__version__}"' in cli_page


# -- PyInstaller folder -------------------------------------------------------------------


@pytest.mark.slow
def test_pyinstaller_folder_builds_and_runs(tmp_path: Path):
    """packaging/build-pyinstaller.sh: its own venv, the bundle, and its smoke test."""
    dist, work = tmp_path / "dist", tmp_path / "work"
    done = run(["sh", PACKAGING / "build-pyinstaller.sh", dist, work], cwd=tmp_path, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"rustconfig {__version__}" in done.stdout
    assert f"rustconfig-gui {__version__}" in done.stdout
    assert "6.99.0-demo Kernel Configuration" in done.stdout
    bundle = dist / "rustconfig-gui"
    assert os.access(bundle / "rustconfig", os.X_OK) and os.access(bundle / "rustconfig-gui", os.X_OK)
    (demo,) = bundle.rglob("rustconfig_gui/resources/demo-tree")
    assert os.access(demo / "scripts" / "rust_is_available.sh", os.X_OK)
    # the bundle is self-contained: it runs with an empty environment but PATH (for make)
    done = run([bundle / "rustconfig", "info", demo, "--json"], cwd=tmp_path,
               env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["source"] == str(demo)
