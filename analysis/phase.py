#!/usr/bin/python3
"""phase.py STORE --x AXIS --y AXIS --metric NAME [...] -o FILE.png: the ufmsweep package's
phase diagram (ufmsweep-phase; python/ufmsweep/phase.py), run from the repository or
share/ufmsweep/analysis. --help lists the options."""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
for _p in (os.path.join(_here, "..", "python"),):
    if os.path.isdir(os.path.join(_p, "ufmsweep")) and _p not in sys.path:
        sys.path.insert(0, _p)

from ufmsweep import phase as _impl  # noqa: E402

if __name__ == "__main__":
    sys.exit(_impl.main(sys.argv))
