#!/bin/bash
# compare-mpi.sh BIN_A BIN_B - the same sweep (tests/specs/small.yaml, single-rank points) run by
# two ufmsweep binaries built on different MPI libraries (Open MPI, MPICH) gives bitwise the
# same /results, /theory and /traces. Exit 0 when equal. .ci/run calls it after both builds.
set -u
A=${1:?BIN_A}
B=${2:?BIN_B}
SRC=$(cd "$(dirname "$0")/.." && pwd)
export UFMSWEEP_SOURCE_DIR=$SRC OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
. "$SRC/tests/lib.sh"
work=$(mktemp -d /tmp/ufcmp.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
# small.yaml's diverging points fail: each run exits 4 (EXIT_POINTS_FAILED)
"$A" run "$SRC/tests/specs/small.yaml" --store "$work/a.h5" >/dev/null 2>"$work/a.err"
[ $? -eq $EXIT_POINTS_FAILED ] || bad "run with $A: $(tail -2 "$work/a.err")"
"$B" run "$SRC/tests/specs/small.yaml" --store "$work/b.h5" >/dev/null 2>"$work/b.err"
[ $? -eq $EXIT_POINTS_FAILED ] || bad "run with $B: $(tail -2 "$work/b.err")"
ma=$("$A" --version | sed -n 's/^ *MPI: *//p' | cut -c1-40)
mb=$("$B" --version | sed -n 's/^ *MPI: *//p' | cut -c1-40)
same_values "$work/a.h5" "$work/b.h5" && ok "bitwise equal stores: $ma / $mb" || bad "stores differ: $ma / $mb"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
