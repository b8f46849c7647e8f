"""The Qt-free core: tree discovery, Kconfig loading and evaluation, config files.

Nothing under this package may import Qt (checked by an import-linter
contract and by tests/test_architecture.py).
"""

from .errors import ConfigFileError, KconfigSyntaxError, LoadCancelled, RustconfigError, TreeError
from .loader import LoadedTree, load_tree
from .tree import KernelTree

__all__ = [
    "ConfigFileError",
    "KconfigSyntaxError",
    "KernelTree",
    "LoadCancelled",
    "LoadedTree",
    "RustconfigError",
    "TreeError",
    "load_tree",
]
