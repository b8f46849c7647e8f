import sys

from rustconfig_gui.cli import main

sys.exit(main())
