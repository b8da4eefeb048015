"""`python -m tinygrad_edu.apps.bench`: the same as `tinygrad-edu bench`."""

import sys

from tinygrad_edu.apps.bench import main

sys.exit(main())
