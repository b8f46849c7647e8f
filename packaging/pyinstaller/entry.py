"""Entry point of the PyInstaller folder: one program, two names.

``rustconfig-gui`` opens the window, ``rustconfig`` is the command line; both
executables share the same libraries in the folder.
"""

import os
import sys

if os.path.basename(sys.executable).startswith("rustconfig-gui"):
    from rustconfig_gui.gui.app import main
else:
    from rustconfig_gui.cli import main

sys.exit(main())
