#!/bin/bash
# The Python package (python/, pyproject.toml): installs offline into a fresh virtual environment
# (--system-site-packages, Debian's setuptools, no network); a notebook-style script imports it
# from there and reads a store while a run writes it (held at a known state); compare() finds no
# difference between stores of one spec made at 1 and 2 ranks or in the two layouts, and finds
# the points an override changed; the ufmsweep-report entry point writes a report.
set -u
BIN=${UFMSWEEP:?}
MPIRUN=${MPIEXEC:-mpirun}
SRC=${UFMSWEEP_SOURCE_DIR:?}
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
. "$SRC/tests/lib.sh"
rm -rf work-package && mkdir work-package && cd work-package || exit 1
unset PYTHONPATH

# 1. offline install into a fresh environment (from a copy: the build leaves files beside it)
cp -r "$SRC/python" pkg-src
if "$PY" -m venv --system-site-packages env >venv.out 2>&1 &&
   env/bin/pip install --no-build-isolation --no-index ./pkg-src >pip.out 2>&1; then
  here=$PWD
  where=$(cd / && "$here/env/bin/python" -c 'import ufmsweep; print(ufmsweep.__file__)')
  [[ "$where" == "$here/env/"* ]] && [ -x env/bin/ufmsweep-report ] && [ -x env/bin/ufmsweep-phase ] &&
    ok "pip installs the package offline into a fresh environment ($where)" || bad "installed where: $where"
else
  bad "offline install: $(tail -3 venv.out pip.out)"
fi

# 2. a notebook reads the store while a run writes it
cat >nb.yaml <<'SPEC'
name: package test
store: nb.h5
fixed: {k: 4, n_min: 2, d: 4, opt: gd, lr: 0.5, iters: 200, trace_points: 3}
grid:
  R: [1, 2, 4, 8]
  loss: [ce, cdt]
  gamma: [0, 0.5]
SPEC
rm -f go go.held
UFMSWEEP_TEST_HOLD=5:go "$MPIRUN" -n 2 "$BIN" run nb.yaml --no-reuse >run.out 2>&1 &
pid=$!
if held_at go $pid; then
  (cd / && "$OLDPWD/env/bin/python" - "$OLDPWD/nb.h5") >live.out 2>&1 <<'PY'
import sys
import ufmsweep
s = ufmsweep.open_store(sys.argv[1])
p = s.progress()
done = int((s.state.values == 1).sum())
assert p["writing"] and p["done"] >= 5 and p["pending"] > 0, p
assert s.results["w_norm_ratio"].notnull().sum() == done, "results only where done"
print("during the run:", p["done"], "done,", p["pending"], "pending")
PY
  rc=$?
  touch go
  wait $pid
  [ $rc -eq 0 ] && ok "a script reads the store during the run with the installed package ($(tail -1 live.out))" ||
    bad "live read: $(tail -5 live.out)"
else
  bad "the run was not held: $(tail -3 run.out)"
  touch go
  wait $pid
fi

# 3. compare: the same spec at 1 rank and in the other layout; an override that changes points
"$BIN" run nb.yaml --store one.h5 --no-reuse >/dev/null 2>&1
"$BIN" run nb.yaml --store pts.h5 --no-reuse layout=points >/dev/null 2>&1
"$BIN" run nb.yaml --store iters.h5 --no-reuse 'grid.R=[1, 2]' iters=150 >/dev/null 2>&1
env/bin/python - >cmp.out 2>&1 <<'PY'
import ufmsweep
for other in ("one.h5", "pts.h5"):
    c = ufmsweep.compare("nb.h5", other)
    assert c["points"] == 16 and not c["only_a"] and not c["only_b"], (other, c["points"])
    bad = {k: v for k, v in c["fields"].items() if v["differ"]}
    assert not bad, (other, bad)
c = ufmsweep.compare("nb.h5", "iters.h5")
assert c["points"] == 8 and len(c["only_a"]) == 8 and not c["only_b"], c
r = c["fields"]["results/w_norm_ratio"]
assert r["differ"] > 0 and r["max_abs"] > 0 and r["worst"]["R"] in (1.0, 2.0), r
assert c["fields"]["theory/w_norm_ratio"]["differ"] == 0
print("iters 200 vs 150:", r["differ"], "of", r["points"], "points differ, max", r["max_abs"])
PY
[ $? -eq 0 ] && ok "compare: 1 vs 2 ranks and grid vs points layout equal; $(tail -1 cmp.out)" || bad "compare: $(tail -5 cmp.out)"

# 4. the report command
env/bin/ufmsweep-report nb.h5 rep >rep.out 2>&1 && [ -s rep/index.html ] && ls rep/*.png >/dev/null 2>&1 &&
  ok "ufmsweep-report writes the report ($(ls rep/*.png | wc -l) figures)" || bad "report: $(tail -3 rep.out)"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
