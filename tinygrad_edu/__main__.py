"""`python -m tinygrad_edu ...` runs the `tinygrad-edu` command."""

import sys

from tinygrad_edu.apps.cli import main

sys.exit(main())
