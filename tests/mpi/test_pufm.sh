#!/bin/bash
# Grouped solves (--ranks-per-solve, ScaLAPACK process grids) against the serial solver: every
# metric and scalar within 1e-10 (relative, or 1e-13 absolute for values that converge to 0)
# after a fixed number of steps, on 1x2, 2x1 and 2x2 grids, for sgdm with weight decay,
# normalized GD (the rescaled softmax; 100 steps: by 300 its fixed-length steps amplify rounding
# to 1e-3, serial runs with different summation orders alike), and LDT with a ridge and a block
# size that splits the examples unevenly; bad grouping options exit 1 with a message; a sweep that
# mixes grouped and single-rank points is bitwise identical across runs and equal to the
# all-single sweep within 1e-10.
set -u
BIN=${UFMSWEEP:?}
MPIRUN=${MPIEXEC:-mpirun}
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
. "${UFMSWEEP_SOURCE_DIR:?}/tests/lib.sh"
rm -rf pufmwork && mkdir pufmwork && cd pufmwork || exit 1

run_case() { # NAME RANKS GRID BLOCK ARGS...
  local name=$1 ranks=$2 grid=$3 block=$4
  shift 4
  "$BIN" solve "$@" --json >serial.json 2>serial.err || { bad "$name: serial run"; return; }
  local blk=()
  [ "$block" != 0 ] && blk=(--block "$block")
  if "$MPIRUN" -n "$ranks" "$BIN" solve "$@" --json --ranks-per-solve "$ranks" --grid "$grid" \
      "${blk[@]}" >grouped.json 2>grouped.err && compare_solves serial.json grouped.json; then
    ok "$name"
  else
    bad "$name: $(tail -3 grouped.err)"
  fi
}

A="--k 4 --R 3 --n-min 2 --d 6 --loss cdt --gamma 0.5 --opt sgdm --lr 0.1 --wd 5e-4 --iters 50"
run_case "sgdm+wd cdt, grid 1x2" 2 1x2 4 $A
run_case "sgdm+wd cdt, grid 2x1" 2 2x1 4 $A
run_case "sgdm+wd cdt, grid 2x2" 4 2x2 4 $A
# 1 x G grids use local products + one reduction by default; pdgemm on request
export UFMSWEEP_PDGEMM=1
run_case "sgdm+wd cdt, grid 1x2 through pdgemm" 2 1x2 4 $A
unset UFMSWEEP_PDGEMM
B="--k 4 --R 5 --n-min 3 --d 5 --opt ngd --lr 0.5 --iters 100 --init gauss:0.1"
run_case "ngd ce (rescaled softmax), grid 2x2" 4 2x2 4 $B
C="--k 6 --R 4 --rho 0.5 --n-min 2 --d 10 --loss ldt --gamma 0.5 --lambda 1e-3 --opt gd --lr 0.2 --iters 40"
run_case "gd ldt + ridge, uneven blocks, grid 2x1" 2 2x1 7 $C
run_case "gd ldt + ridge, default block, grid 1x2" 2 1x2 0 $C

# bad grouping options: refused before any work, with a message
err=$("$MPIRUN" -n 2 "$BIN" solve $A --ranks-per-solve 4 2>&1 >/dev/null); rc=$?
[ $rc -ne 0 ] && [[ "$err" == *"needs exactly 4 ranks"* ]] && ok "wrong rank count" || bad "wrong rank count: $rc $err"
err=$("$BIN" solve $A --ranks-per-solve 2 --grid 3x1 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && [[ "$err" == *"is not PxQ with P*Q = 2"* ]] && ok "bad grid" || bad "bad grid: $rc $err"
err=$("$MPIRUN" -n 2 "$BIN" solve $A --ranks-per-solve 2 --block 3 2>&1 >/dev/null); rc=$?
[ $rc -ne 0 ] && [[ "$err" == *"block size 3 < k = 4"* ]] && ok "block below k" || bad "block below k: $rc $err"
err=$("$BIN" solve $A --ranks-per-solve 2 --solver svm 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && [[ "$err" == *"ufm only"* ]] && ok "grouped svm refused" || bad "grouped svm: $rc $err"

# a sweep mixing grouped and single-rank points (2 groups of 2 workers; R >= 3 is grouped):
# bitwise identical across runs with the same world size and grouping, equal to the all-single
# run within 1e-10, every point done once, big points on group leaders
cat >mixed.yaml <<'YAML'
name: grouped and single points
ranks_per_solve: 2
group_min_work: 20000
fixed: {k: 4, n_min: 2, d: 6, opt: sgdm, lr: 0.1, wd: 5e-4, iters: 60, trace_points: 4, loss: cdt, gamma: 0.5}
grid:
  R: [1, 3, 9, 20]
  seed: {range: [0, 3]}
YAML
"$MPIRUN" -n 5 "$BIN" run mixed.yaml --store m1.h5 >/dev/null 2>m1.err || bad "mixed sweep 1: $(tail -2 m1.err)"
"$MPIRUN" -n 5 "$BIN" run mixed.yaml --store m2.h5 >/dev/null 2>m2.err || bad "mixed sweep 2: $(tail -2 m2.err)"
"$MPIRUN" -n 3 "$BIN" run mixed.yaml --store single.h5 --ranks-per-solve 1 >/dev/null 2>s.err || bad "single sweep: $(tail -2 s.err)"
same=1
for g in results theory traces; do h5diff -q m1.h5 m2.h5 /$g /$g >/dev/null 2>&1 || same=0; done
[ $same -eq 1 ] && ok "mixed sweep bitwise identical across runs" || bad "mixed sweeps differ"
"$PY" - <<'PY' && ok "mixed sweep = single-rank sweep within 1e-10" || bad "mixed vs single"
import h5py, numpy as np
m, s = h5py.File("m1.h5", "r"), h5py.File("single.h5", "r")
assert (m["status/state"][()] == 1).all() and (m["status/attempts"][()] == 1).all()
ranks = m["status/rank"][()]
R = list(m["coords/R"][()])
assert set(np.unique(ranks[R.index(1.0)])) <= {1, 2, 3, 4}
assert set(np.unique(ranks[1:])) <= {1, 3}, ranks  # grouped points: recorded by group leaders
for grp in ("results", "traces"):
    for name, d in m[grp].items():
        if d.dtype.kind != "f" or name not in s[grp] or d.ndim < 2:
            continue
        a, b = d[()], s[grp][name][()]
        ok = np.isclose(a, b, rtol=1e-10, atol=1e-13) | (np.isnan(a) & np.isnan(b))
        assert ok.all(), (grp, name, np.nanmax(np.abs(a - b)))
PY
# --group-min-work on the command line overrides the spec: nothing is grouped, and the numbers are
# bitwise those of the single-rank sweep (the grouped sweep differs from it in the last bits)
"$MPIRUN" -n 5 "$BIN" run mixed.yaml --store nogroup.h5 --group-min-work 1e30 >/dev/null 2>ng.err || bad "ungrouped sweep: $(tail -2 ng.err)"
same=1
for g in results traces; do h5diff -q nogroup.h5 single.h5 /$g /$g >/dev/null 2>&1 || same=0; done
differ=0
h5diff -q m1.h5 single.h5 /results /results >/dev/null 2>&1 || differ=1
[ $same -eq 1 ] && [ $differ -eq 1 ] && ok "--group-min-work overrides the spec" || bad "--group-min-work: same=$same differ=$differ"
# the same sweep with 2x1 group grids (pdgemm), given on the command line
"$MPIRUN" -n 5 "$BIN" run mixed.yaml --store g21.h5 --grid 2x1 >/dev/null 2>g21.err || bad "2x1 sweep: $(tail -2 g21.err)"
"$PY" - <<'PY' && ok "mixed sweep on 2x1 groups = single-rank sweep within 1e-10" || bad "2x1 groups vs single"
import h5py, numpy as np
m, s = h5py.File("g21.h5", "r"), h5py.File("single.h5", "r")
assert (m["status/state"][()] == 1).all()
for name, d in m["results"].items():
    if d.dtype.kind != "f" or name not in s["results"] or d.ndim < 2:
        continue
    a, b = d[()], s["results"][name][()]
    assert (np.isclose(a, b, rtol=1e-10, atol=1e-13) | (np.isnan(a) & np.isnan(b))).all(), name
PY
err=$("$BIN" run mixed.yaml --store bad.h5 --grid 3x1 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && [[ "$err" == *"process grid 3x1 does not have ranks_per_solve = 2"* ]] && ok "grid/group mismatch" || bad "grid mismatch: $rc $err"
err=$("$MPIRUN" -n 4 "$BIN" run mixed.yaml --store bad.h5 2>&1 >/dev/null); rc=$?
[ $rc -ne 0 ] && [[ "$err" == *"must form whole groups of 2"* ]] && [ ! -e bad.h5 ] && ok "workers not a multiple of G" || bad "groups check: $rc $err"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
