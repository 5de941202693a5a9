#!/bin/bash
# prop.sh - the generative differential tester (scripts/prop.py; docs/RELIABILITY.md).
#
#   scripts/prop.sh [--seed S] [--cases N] [--first K] [--case K] [--mpich BUILD2] BUILD_DIR
#
# N random studies from seed S, each run under a random combination of rank counts, MPI
# implementations, overrides, --reuse, shards and merge, kill -9 and SIGTERM with --resume,
# compact and export, checked against a plain 1-rank run of the edited file and against
# `solve --spec --point`. The last line is "N passed, M failed"; exit 1 when M > 0. A failed
# case prints the command that reproduces it (--case K keeps its directory).
# The Python that runs it needs h5py and numpy: UFMSWEEP_PYTHON, else /usr/bin/python3.
set -u
here=$(cd "$(dirname "$0")" && pwd)
exec "${UFMSWEEP_PYTHON:-/usr/bin/python3}" "$here/prop.py" "$@"
