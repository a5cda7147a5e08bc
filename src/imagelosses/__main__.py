"""`python -m imagelosses`: the same as the `imagelosses` command (see `imagelosses.cli`)."""

import sys

from imagelosses.cli.main import main

sys.exit(main())
