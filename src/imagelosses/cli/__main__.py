"""`python -m imagelosses.cli`: the same as the `imagelosses` command."""

import sys

from imagelosses.cli.main import main

if __name__ == "__main__":  # importing the module (as the docs build does) runs nothing
    sys.exit(main())
