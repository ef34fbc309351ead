"""``python -m hwcodesign`` runs the command line."""

import sys

from hwcodesign.cli import main

sys.exit(main())
