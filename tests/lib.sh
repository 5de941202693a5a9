# tests/lib.sh - helpers shared by the test scripts (source it): PASS/FAIL lines and counters,
# and a comparison of stores' reproducible data. A script ends with
#   echo "$pass passed, $fail failed"; [ $fail -eq 0 ]
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
same_data() { # A B: /results /theory /traces equal (h5diff compares values exactly); a group
  # that neither store has (no /traces without trace_points) is equal
  local g ha hb
  for g in results theory traces; do
    h5ls "$1/$g" >/dev/null 2>&1; ha=$?
    h5ls "$2/$g" >/dev/null 2>&1; hb=$?
    [ $ha -ne 0 ] && [ $hb -ne 0 ] && continue
    h5diff -q "$1" "$2" "/$g" "/$g" >/dev/null 2>&1 || { echo "  $1 and $2 differ in /$g"; return 1; }
  done
}
same_values() { # A B [RTOL]: every dataset of /results /theory /traces holds the same values (bit
  # for bit, or to RTOL relative and absolute), whatever the attributes (stores of different
  # ufmsweep versions)
  "${UFMSWEEP_PYTHON:-/usr/bin/python3}" - "$@" <<'PY'
import sys
import h5py
import numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
rtol = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
bad = []
for g in ("results", "theory", "traces"):
    if (g in a) != (g in b):
        bad.append(f"/{g} in one store only")
        continue
    if g not in a:
        continue
    names = sorted(k for k in a[g] if isinstance(a[g][k], h5py.Dataset))
    if names != sorted(k for k in b[g] if isinstance(b[g][k], h5py.Dataset)):
        bad.append(f"/{g}: different datasets")
        continue
    for k in names:
        x, y = a[g][k][()], b[g][k][()]
        if x.shape != y.shape or x.dtype.kind != y.dtype.kind:
            bad.append(f"/{g}/{k}: shape or type")
        elif x.dtype.kind == "f":
            same = np.isnan(x) == np.isnan(y)
            if rtol == 0.0:
                same &= (x == y) | np.isnan(x)
            else:
                # relative, and as much absolute: the distances to the prediction are zero up
                # to rounding, and another BLAS kernel (another CPU) rounds differently
                same &= np.isclose(x, y, rtol=rtol, atol=rtol) | np.isnan(x)
            if not same.all():
                bad.append(f"/{g}/{k}: {int((~same).sum())} values differ")
        elif not np.array_equal(x, y):
            bad.append(f"/{g}/{k}: values differ")
if bad:
    print("  " + "; ".join(bad[:5]))
sys.exit(1 if bad else 0)
PY
}
compare_solves() { # SERIAL.json GROUPED.json: `solve --json` of a serial and a grouped solve agree:
  # every metric and scalar within 1e-10 relative (1e-13 absolute for values that go to 0)
  "${UFMSWEEP_PYTHON:-/usr/bin/python3}" - "$1" "$2" <<'PY'
import json, math, sys
s, p = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert s["iters"] == p["iters"] and s["outcome"] == p["outcome"], (s["iters"], p["iters"])
for k in ("solver", "problem", "theory_source", "theory_method", "reason", "seed"):
    assert s[k] == p[k], (k, s[k], p.get(k))  # one JSON layout for serial and grouped solves
worst, key, n = 0.0, None, 0
for k, v in s.items():
    if k in ("wall_s", "lr_final") or not isinstance(v, float):
        continue
    w = p[k]
    assert w is not None, k
    n += 1
    # relative 1e-10, or absolute 1e-13 for values that converge to 0 (nc1 of collapsed
    # embeddings is 1e-20 or so: only its size is meaningful)
    r = abs(v - w) / (abs(v) + 1e-3)
    if abs(v - w) > 1e-10 * abs(v) + 1e-13:
        print("  %s: serial %.17g grouped %.17g" % (k, v, w))
        worst, key = max(worst, 1.0), k
    elif r > worst:
        worst, key = r, k
assert n >= 20, n
print("  %d values, worst difference %.1e (%s)" % (n, worst, key))
assert worst < 1e-10, (key, worst)
PY
}
# tests/specs/small.yaml has diverging points (lr 1e300): a run of it that ends with every other
# point done exits 4 (points failed), which is what its tests expect
EXIT_POINTS_FAILED=4
# held_at GO PID: wait until a run started with UFMSWEEP_TEST_HOLD=N:GO is held (GO.held exists:
# N points recorded and committed); 1 if the process PID ended first. The run waits there until
# GO exists (touch it), so a test acts at a known state instead of after a sleep. The poll has a
# ceiling far beyond any expected time (a hang becomes a failure, nothing waits on it).
held_at() {
  local i=0
  while [ ! -e "$1.held" ]; do
    kill -0 "$2" 2>/dev/null || [ -e "$1.held" ] || return 1
    i=$((i + 1)); [ $i -gt 6000 ] && return 1
    sleep 0.05
  done
}
jget() { # FILE KEY: a top-level value of a JSON object ("null" when absent or null)
  "${UFMSWEEP_PYTHON:-/usr/bin/python3}" -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("null" if v is None else v)' "$1" "$2"
}
stop_sweep() { # PID PATTERN: SIGUSR1 to a sweep started as "$MPIRUN ... &" (PID): to mpirun
  # under Open MPI (it forwards the signal and returns the ranks' exit code), to the ranks
  # themselves (PMI_RANK in their environment, command line matching PATTERN) under MPICH,
  # whose mpiexec forwards it too but then returns 0 (SLURM and srun signal the ranks alike)
  local p
  if "${MPIRUN:-mpirun}" --version 2>&1 | grep -qiE "Open MPI|OpenRTE|open-mpi"; then
    kill -USR1 "$1" 2>/dev/null
  else
    for p in $(pgrep -f -- "$2"); do
      { tr '\0' '\n' </proc/$p/environ; } 2>/dev/null | grep -q '^PMI_RANK=' && kill -USR1 "$p"
    done
  fi
}
