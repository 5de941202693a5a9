#!/usr/bin/python3
"""report.py STORE OUTDIR [options]: the ufmsweep package's report (ufmsweep-report; python/
ufmsweep/report.py), run from the repository or share/ufmsweep/analysis. --help lists the
options."""
import sys

import _package  # noqa: F401  (the package, from beside this directory)

from ufmsweep import report as _impl  # noqa: E402

globals().update({k: v for k, v in vars(_impl).items() if not k.startswith("__")})

if __name__ == "__main__":
    sys.exit(_impl.main(sys.argv))
