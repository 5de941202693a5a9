#!/usr/bin/python3
"""phase.py STORE --x AXIS --y AXIS --metric NAME [...] -o FILE.png: the ufmsweep package's
phase diagram (ufmsweep-phase; python/ufmsweep/phase.py), run from the repository or
share/ufmsweep/analysis. --help lists the options."""
import sys

import _package  # noqa: F401  (the package, from beside this directory)

from ufmsweep import phase as _impl  # noqa: E402

if __name__ == "__main__":
    sys.exit(_impl.main(sys.argv))
