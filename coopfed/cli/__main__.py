import sys

from coopfed.cli import main

sys.exit(main())
