#!/bin/bash
# valgrind.sh [BUILD_DIR] - memcheck over the unit tests (with leak checking) and a 2-rank sweep
# (Open MPI's and our PMIx suppressions; leak checking off: MPI keeps global allocations until
# exit). Exit 0 when valgrind reports nothing. `make valgrind` runs it.
set -u
BUILD=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
VG=(valgrind -q --error-exitcode=9)
fail=0
for t in unit_profile_loss unit_geom unit_metrics unit_ufm; do
  if "${VG[@]}" --leak-check=full "$BUILD/tests/$t" >/dev/null; then echo "PASS valgrind $t"; else echo "FAIL valgrind $t"; fail=$((fail + 1)); fi
done
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# small.yaml's diverging points fail: the sweep exits 4; valgrind's own errors exit 9
mpirun -n 2 "${VG[@]}" --suppressions=/usr/share/openmpi/openmpi-valgrind.supp \
     --suppressions="$SRC/tests/valgrind/pmix.supp" "$BUILD/ufmsweep" run "$SRC/tests/specs/small.yaml" \
     --store "$W/vg.h5" >/dev/null 2>"$W/err"
if [ $? -eq 4 ]; then
  echo "PASS valgrind 2-rank sweep"
else
  echo "FAIL valgrind 2-rank sweep"; grep "==" "$W/err" | head -30; fail=$((fail + 1))
fi
echo "$((5 - fail)) passed, $fail failed"
[ $fail -eq 0 ]
