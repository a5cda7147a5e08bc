"""`python -m imagelosses`: the same as the `imagelosses` command (see `imagelosses.cli`)."""

import sys

from imagelosses.cli.main import main

if __name__ == "__main__":  # importing the module (as the docs build does) runs nothing
    sys.exit(main())
