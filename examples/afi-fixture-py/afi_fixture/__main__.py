"""``python -m afi_fixture fastapi|django [--emit-ir|--emit-manifest]``."""

import sys

from .serve import main

sys.exit(main(sys.argv[1:]))
