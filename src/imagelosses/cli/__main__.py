"""`python -m imagelosses.cli`: the same as the `imagelosses` command."""

import sys

from imagelosses.cli.main import main

sys.exit(main())
