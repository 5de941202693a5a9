#!/bin/bash
# A sweep of the reference solvers (svm, svm-example, svm-gd): stored outcomes, objectives and
# distances, and theory_source 2 (certified convex solve) where no closed form exists.
set -u
BIN=${UFMSWEEP:?}
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
rm -rf refsweep && mkdir refsweep && cd refsweep || exit 1
cat >ref.yaml <<'YAML'
name: reference solvers
fixed: {k: 4, n_min: 2, R: 3, d: 4, loss: cdt, gamma: 1}
grid:
  rho: [0.5, 0.25]
  solver: [svm, svm-example, svm-gd]
YAML
if ! "$BIN" run ref.yaml --store ref.h5 >run.log 2>&1; then
  echo "FAIL run: $(cat run.log)"; exit 1
fi
"$PY" - <<'PY'
import h5py, numpy as np
f = h5py.File("ref.h5", "r")
solvers = [s.decode() for s in f["coords/solver"][()]]
assert solvers == ["svm", "svm-example", "svm-gd"], solvers
st = f["status/state"][()]
assert (st == 1).all(), st
src = f["theory/theory_source"][()]
assert (src[0] == 1).all() and (src[1] == 2).all(), src     # rho 0.5 closed form, 0.25 convex
obj = f["results/objective"][()]
assert np.allclose(obj[:, 1], obj[:, 0], rtol=1e-9), obj    # example level = class level
assert np.allclose(obj[:, 2], obj[:, 0], rtol=1e-6), obj    # SVM-GD = convex optimum
for m in ("dist_gw", "dist_gh", "dist_z"):
    d = f["results/" + m][()]
    if m == "dist_z":   # the CDT closed form (rho 0.5) fixes the Grams only, not W^T Hbar
        assert np.isnan(d[0]).all() and np.isfinite(d[1]).all(), d
        d = d[1:]
    assert (d[:, :2] < 1e-8).all() and (d[:, 2] < 1e-4).all(), (m, d)
assert (f["results/iters_run"][()] > 0).all()
assert (f["status/outcome"][()] == 1).all()
assert np.isnan(f["results/train_loss"][()]).all()
print("PASS reference sweep")
PY
[ $? -eq 0 ] || exit 1
# verify accepts reference-solver points (no training loss, but an objective)
"$BIN" verify ref.h5 >verify.out 2>&1 || { echo "FAIL verify: $(cat verify.out)"; exit 1; }
echo "PASS verify"

