"""`python -m rehearse COMMAND ...`: dispatches to the command line's subcommands (rehearse/cli.py)."""

import sys

from rehearse.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
