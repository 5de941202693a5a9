#!/bin/bash
# reproduce.sh [BUILD_DIR] - run the five specs of docs/REPRODUCTION.md on every local core and
# write each store's report (results/repro-X.h5, results/repro-X-report/index.html), printing
# the wall time of each. About three minutes on 2 cores.
set -euo pipefail
BUILD=${1:-build}
NP=$(nproc)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1 MPLBACKEND=Agg
mkdir -p results
for x in a-ce-convergence b-published c-ldt d-ridge e-symmetry; do
  spec=specs/repro-$x.yaml
  store=results/repro-${x%%-*}.h5
  rm -f "$store" "$store.journal"
  t0=$(date +%s)
  mpirun -n "$NP" "$BUILD/ufmsweep" run "$spec" --progress 30
  echo "== $spec: $(( $(date +%s) - t0 )) s on $NP ranks"
  /usr/bin/python3 analysis/report.py "$store" "${store%.h5}-report"
done
/usr/bin/python3 analysis/reg_phase.py "$BUILD/ufmsweep" results/repro-d-reg-phase.png
/usr/bin/python3 analysis/reproduction_tables.py results
