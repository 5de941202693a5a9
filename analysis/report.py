#!/usr/bin/python3
"""report.py STORE OUTDIR [options]: the ufmsweep package's report (ufmsweep-report; python/
ufmsweep/report.py), run from the repository or share/ufmsweep/analysis. --help lists the
options."""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
for _p in (os.path.join(_here, "..", "python"),):
    if os.path.isdir(os.path.join(_p, "ufmsweep")) and _p not in sys.path:
        sys.path.insert(0, _p)

from ufmsweep import report as _impl  # noqa: E402

globals().update({k: v for k, v in vars(_impl).items() if not k.startswith("__")})

if __name__ == "__main__":
    sys.exit(_impl.main(sys.argv))
