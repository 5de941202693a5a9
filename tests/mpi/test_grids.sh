#!/bin/bash
# Sweeps that say what the researcher means: unions of blocks (grids:) with points outside every
# block, zips of lists and of generators, no solve computed twice (CE = CDT(0) = LDT(0); svm and
# reg across seeds) with stores bitwise equal to --no-reuse ones, Hydra-style overrides (fixed
# keys, axes, sections; bad values refused naming the override; recorded in the store), resume
# by meaning (a comment, key order and 1 vs 1.0 changed between a run and its --resume),
# --reuse OLD.h5 computing only the new points, --check's listing and its nearest-key
# suggestions, and ufmstore.py / report.py on a union store.
set -u
BIN=${UFMSWEEP:?}
MPIRUN=${MPIEXEC:-mpirun}
SRC=${UFMSWEEP_SOURCE_DIR:?}
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
. "$SRC/tests/lib.sh"
rm -rf work && mkdir work && cd work || exit 1
export PYTHONPATH=$SRC/analysis
pass=0
fail=0


# 1. a union: CE once, CDT and LDT over gamma, a zip of R and n_min for LA
cat >u.yaml <<'EOF'
name: union test
store: u.h5
layout: grid
fixed: {k: 4, rho: 0.5, n_min: 2, d: 6, opt: gd, lr: 0.5, iters: 200, trace_points: 5}
grids:
  - {loss: [ce], R: [1, 10]}
  - {loss: [cdt, ldt], R: [1, 10], gamma: [-1, -0.5, 0, 0.5, 1]}
  - zip: {R: [16, 4, 1], n_min: [1, 4, 16]}
    loss: [la]
EOF
out=$("$BIN" run u.yaml --check 2>&1)
# R=1: every loss is CE (equal counts); R=10: CE = CDT(0) = LDT(0); the three LA points differ
if [[ "$out" == *"valid: 25 points in the study (of a grid of 320"* ]] &&
   [[ "$out" == *"block 3 (line 8): 3 points: zip(R, n_min) (3) x loss (1); at gamma=0"* ]] &&
   [[ "$out" == *"distinct solves: 13 of 25 points (12 copied"* ]]; then
  ok "--check lists blocks, points and distinct solves"
else
  bad "--check: $out"
fi
"$MPIRUN" -n 2 "$BIN" run u.yaml >u.err 2>&1 || bad "union run: $(tail -3 u.err)"
"$BIN" run u.yaml --store u-nr.h5 --no-reuse >unr.err 2>&1 || bad "--no-reuse run: $(tail -3 unr.err)"
same_data u.h5 u-nr.h5 && ok "a reused store is bitwise equal to a --no-reuse one" || bad "reuse differs"
out=$("$BIN" status u.h5)
[[ "$out" == *"grid     320 points, of which 295 in no block of the spec (not in the study)"* ]] &&
  [[ "$out" == *"reuse    13 computed, 12 copied from an equal point (0 from other stores)"* ]] &&
  ok "status (text) names the points not in the study and the copies" || bad "status text: $out"
"$BIN" status u.h5 --json >u.json
c="$(jget u.json points) $(jget u.json done) $(jget u.json pending) $(jget u.json not_in_study) $(jget u.json points_computed) $(jget u.json points_reused)"
[ "$c" = "25 25 0 295 13 12" ] && ok "status --json: 25 in the study, 295 not, 13 computed, 12 reused" || bad "status counts: $c"
"$BIN" status u-nr.h5 --json >unr.json
[ "$(jget unr.json points_computed) $(jget unr.json points_reused)" = "25 0" ] && ok "--no-reuse computes every point" || bad "--no-reuse counts"
"$BIN" verify u.h5 >v.out 2>&1 && ok "verify accepts a union store" || bad "verify: $(cat v.out)"
"$BIN" export u.h5 --format csv -o u.csv >/dev/null 2>u-export.err
grep -q "exported 25 points of the study to u.csv (csv; the grid has" u-export.err || bad "export message: $(cat u-export.err)"
rows=$(grep -v '^#' u.csv | tail -n +2 | wc -l)
[ "$rows" -eq 25 ] && ok "export csv: one row per point of the study (25)" || bad "export rows: $rows"
"$PY" - <<'PY' && ok "not-in-study points: state 4, NaN; copies name their source; R sorted" || bad "union store content"
import h5py, numpy as np
f = h5py.File("u.h5", "r")
st = f["status/state"][()]
R = list(f["coords/R"][()]); loss = [x.decode() if isinstance(x, bytes) else x for x in f["coords/loss"][()]]
g = list(f["coords/gamma"][()]); nm = list(f["coords/n_min"][()])
assert R == [1, 4, 10, 16], R          # a union's numeric axis is sorted
assert (st == 4).sum() == 295 and (st == 1).sum() == 25
out = st == 4
for grp in ("results", "theory"):
    for k in ("w_norm_ratio", "dist_gw"):
        assert np.isnan(f[grp][k][()][out]).all(), (grp, k)
# CE at R=10 (gamma held at its default 0, n_min at its fixed 2) is the source of CDT(0) and LDT(0)
dims = f["status/state"].attrs.get("DIMENSION_LIST")
def idx(l, r, ga, n):
    return (loss.index(l), R.index(r), g.index(ga), nm.index(n))
src = f["status/source"][()]; sp = f["status/source_point"][()]
ce = np.ravel_multi_index(idx("ce", 10, 0, 2), st.shape)
for l in ("cdt", "ldt"):
    i = idx(l, 10, 0, 2)
    assert src[i] == 0 and sp[i] == ce, (l, src[i], sp[i], ce)
    assert f["results/w_norm_ratio"][i] == f["results/w_norm_ratio"][idx("ce", 10, 0, 2)]
assert src[idx("cdt", 10, 0.5, 2)] == -1      # CDT(0.5) at R=10 is its own problem
assert np.isnan(f["results/w_norm_ratio"][idx("ce", 10, 0.5, 2)])   # CE only at gamma=0
assert st[idx("la", 16, 0, 1)] == 1 and st[idx("la", 16, 0, 4)] == 4   # the zip, not the product
PY
# solve --spec --point on a union: an axis the point's block does not vary may be left out
out=$("$BIN" solve --spec u.yaml --point 'R=10,loss=ce' --json 2>&1)
[[ "$out" == *'"label": "loss=ce, R=10, gamma=0, n_min=2"'* ]] && ok "solve --point finds a point of a block without gamma" || bad "solve --point: $out"
out=$("$BIN" solve --spec u.yaml --point 'R=10,loss=ce,gamma=0.5' 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"no block of the grids holds these"*"not in the study"* ]] && ok "solve --point refuses values no block holds" || bad "solve --point out: $out"
out=$("$BIN" solve --spec u.yaml --point 'R=10,loss=ce,gamma=0.5,n_min=2' 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"is in no block"*"not in the study"* ]] && ok "solve --point refuses a point of no block" || bad "solve --point out 2: $out"
"$PY" - <<'PY' && ok "ufmstore.py on a union store" || bad "ufmstore.py on a union store"
from ufmstore import open_store
s = open_store("u.h5")
c = s.counts()
assert (c["total"], c["not_in_study"], c["pending"], c["points_reused"]) == (25, 295, 0, 12), c
p = s.progress()
assert p["eta_s"] == 0.0 and p["pending"] == 0, p
PY
"$PY" "$SRC/analysis/report.py" u.h5 rep >rep.out 2>&1 && [ -s rep/index.html ] && ls rep/phase_*.png >/dev/null 2>&1 &&
  grep -q "295 grid points are in no block" rep/index.html && ok "report.py on a union store" || bad "report.py: $(tail -3 rep.out)"

# the union shown in README.md is valid
{ printf 'store: readme.h5\nfixed: {k: 4}\n'
  awk '/^Studies that are not one Cartesian product/{f=1} f&&/^```yaml/{p=1; next} p&&/^```/{exit} p' "$SRC/README.md"; } >readme.yaml
out=$("$BIN" run readme.yaml --check 2>&1)
[[ "$out" == *"valid: 25 points in the study"* ]] && ok "README's union of blocks is valid" || bad "README union: $out"

# 2. zips: lists and generators of equal length; errors
cat >z.yaml <<'EOF'
store: z.h5
layout: grid
fixed: {k: 4, d: 6, solver: none}
grid:
  zip: {R: {logspace: [0, 2, 3]}, n_min: {linspace: [4, 2, 3]}}
  loss: [ce, cdt]
EOF
out=$("$BIN" run z.yaml --check 2>&1)
[[ "$out" == *"valid: 6 points in the study (of a grid of 18"* ]] && ok "zip of generators: 3 combinations, not 9" || bad "zip generators: $out"
printf 'store: z.h5\nfixed: {k: 4}\ngrid:\n  zip: {R: [1, 2, 4], n_min: [1, 2]}\n' >zbad.yaml
out=$("$BIN" run zbad.yaml --check 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"zbad.yaml:4: zip: R has 3 values and n_min has 2"* ]] && ok "zip of unequal lengths refused" || bad "zip lengths: $out"
printf 'store: z.h5\nfixed: {k: 4}\ngrid:\n  zip: {R: [1, 1], n_min: [2, 2]}\n' >zdup.yaml
out=$("$BIN" run zdup.yaml --check 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"appears twice"* ]] && ok "a zip combination given twice refused" || bad "zip duplicate: $out"
printf 'store: z.h5\nlayout: grid\nfixed: {k: 4, d: 6, solver: none}\ngrid:\n  zip: [{R: [1, 4], n_min: [4, 1]}, {gamma: [0, 1, 2], tau: [1, 2, 3]}]\n  loss: [la]\n' >z2.yaml
out=$("$BIN" run z2.yaml --check 2>&1)
[[ "$out" == *"valid: 6 points in the study (of a grid of 36"* ]] && [[ "$out" == *"zip(R, n_min) (2) x zip(gamma, tau) (3) x loss (1)"* ]] &&
  ok "two zip groups in one block: 2 x 3 combinations" || bad "two zips: $out"
printf 'store: z.h5\nfixed: {k: 4}\ngrid: {R: [1, 2]}\ngrids:\n  - {R: [1]}\n' >both.yaml
out=$("$BIN" run both.yaml --check 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"both.yaml:4: grids: the spec also has grid (line 3)"* ]] && ok "grid and grids together refused" || bad "grid+grids: $out"
printf 'store: z.h5\nfixed: {k: 4}\ngrids: []\n' >empty.yaml
out=$("$BIN" run empty.yaml --check 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"grids: expected a list of blocks"* ]] && ok "an empty grids list refused" || bad "empty grids: $out"
printf 'store: z.h5\nfixed: {k: 4, tua: 1}\ngrid: {R: [1, 2]}\n' >near.yaml
out=$("$BIN" run near.yaml --check 2>&1)
[[ "$out" == *"fixed: unknown key 'tua' (did you mean 'tau'?)"* ]] && ok "nearest key suggested (fixed)" || bad "suggestion: $out"
printf 'store: z.h5\nfixed: {k: 4}\ngrids:\n  - {R: [1, 2], gama: [0, 1]}\n' >near2.yaml
out=$("$BIN" run near2.yaml --check 2>&1)
[[ "$out" == *"near2.yaml:4: grids[0]: unknown key 'gama' (did you mean 'gamma'?)"* ]] && ok "nearest key suggested (a block)" || bad "suggestion 2: $out"

# a union of two blocks of 80 000 values each, half of them shared: merged by sorting
printf 'store: big.h5\nfixed: {k: 4, solver: none}\ngrids:\n  - {seed: {range: [0, 80000]}, loss: [ce]}\n  - {seed: {range: [40000, 120000]}, loss: [cdt]}\n' >big.yaml
out=$("$BIN" run big.yaml --check 2>&1)
[[ "$out" == *"valid: 160000 points in the study (of a grid of 240000"* ]] && [[ "$out" == *"seed: 120000 x loss: 2"* ]] &&
  ok "a union of two 80 000-value axes: 120 000 coordinates, 160 000 points" || bad "big union: $(echo "$out" | head -3)"

# 3. certified solvers ignore the seed: one solve per solver and problem
cat >s.yaml <<'EOF'
store: s.h5
fixed: {k: 4, R: 4, n_min: 2, d: 6, lambda: 1e-3, iters: 50, opt: gd, lr: 0.5}
grid:
  solver: [svm, reg, ufm]
  seed: {range: [0, 3]}
EOF
out=$("$BIN" run s.yaml --check 2>&1)
[[ "$out" == *"distinct solves: 5 of 9 points"* ]] && ok "svm and reg solved once over 3 seeds, ufm per seed" || bad "seeds: $out"
"$BIN" run s.yaml >s.err 2>&1 && "$BIN" run s.yaml --store s-nr.h5 --no-reuse >/dev/null 2>&1 &&
  same_data s.h5 s-nr.h5 && ok "svm/reg copies across seeds bitwise equal to computing them" || bad "seed reuse: $(tail -2 s.err)"

# 4. overrides
cat >o.yaml <<'EOF'
name: overrides
store: o.h5
fixed: {k: 4, rho: 0.5, n_min: 2, d: 6, opt: gd, lr: 0.5, iters: 100}
grid:
  R: [1, 4]
  loss: [cdt]
  gamma: [0, 0.5, 1]
EOF
out=$("$BIN" run o.yaml iters=20 gamma='[0.25, 0.75]' fixed.lr=0.2 grid.R='[2, 3, 4]' store=o2.h5 --check 2>&1)
if [[ "$out" == *"valid: 6 points in the study"* ]] && [[ "$out" == *"R: 3 x loss: 1 x gamma: 2"* ]] &&
   [[ "$out" == *"the resulting spec:"*"iters: 20"* ]] && [[ "$out" == *"lr: 0.2"* ]] && [[ "$out" == *"store: o2.h5"* ]]; then
  ok "overrides of a fixed key, an axis, a section and a top-level key; --check prints the result"
else
  bad "overrides --check: $out"
fi
out=$("$BIN" run u.yaml 'grids.1.gamma=[0, 0.5]' --check 2>&1)
[[ "$out" == *"block 2 (line 7): 8 points: loss (2) x R (2) x gamma (2)"* ]] && ok "an override addresses a block by its number" || bad "grids.1 override: $out"
out=$("$BIN" run u.yaml n_min=3 --check 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"override 'n_min=3': n_min is a zipped axis"* ]] && ok "an option that is zipped is addressed by its block's path" || bad "zipped override: $out"
out=$("$BIN" run u.yaml grids.7.R=[1] --check 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"'7' is not a position in a list of 3 (0..2)"* ]] && ok "a block number out of range refused" || bad "grids.7: $out"
out=$("$BIN" run o.yaml gamma=0.5 --check 2>&1)
[[ "$out" == *"valid: 2 points"* ]] && [[ "$out" == *"R: 2 x loss: 1"* ]] && ok "a single value replaces an axis by a fixed value" || bad "axis to fixed: $out"
out=$("$BIN" run o.yaml iters=abc 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"override 'iters=abc': iters: 'abc' is not an integer"* ]] && [ ! -e o.h5 ] && ok "a bad override value refused, naming it" || bad "bad override: $out"
out=$("$BIN" run o.yaml fixed.rho=0.3 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"override 'fixed.rho=0.3': rho"*"is not an integer"* ]] && [ ! -e o.h5 ] && ok "a point made impossible by an override names it" || bad "override point error: $out"
out=$("$BIN" run o.yaml lr_dacay=2 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"unknown key 'lr_dacay' (did you mean 'lr_decay'?)"* ]] && ok "an unknown override key refused with a suggestion" || bad "override unknown: $out"
out=$("$BIN" run o.yaml grid.R='[1, 2' 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"override 'grid.R=[1, 2': the value is not YAML flow syntax"* ]] && ok "a value that is not YAML refused" || bad "override yaml: $out"
# as strict as the file: text after a value, empty keys in a path; a place named in a message
# is the override, never the internal line of its nodes
out=$("$BIN" run o.yaml grid.R='[1, 2]] extra' --check 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"override 'grid.R=[1, 2]] extra': text after the value"* ]] && ok "text after an override's value refused" || bad "trailing text: $out"
for ov in .=5 grid..R=[1] fixed.=2; do
  out=$("$BIN" run o.yaml "$ov" --check 2>&1); rc=$?
  [ $rc -eq 1 ] && [[ "$out" == *"has an empty key"* ]] || bad "empty key in $ov: $out"
done
out=$("$BIN" run o.yaml 'grid.R=&a [1, *a]' --check 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"an alias inside its own anchor?"* ]] && ok "an override whose value refers to itself is refused with a message" || bad "alias cycle: $out"
out=$("$BIN" run o.yaml 'grids=[{R: [1]}, {R: [3]}]' --check 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"grids: the spec also has grid (line "* ]] && [[ "$out" != *"10000000"* ]] || bad "grid and grids: $out"
cat >legacy.yaml <<'EOF'
fixed: {k: 4, n_min: 2}
grid:
  R: [1, 4]
EOF
out=$("$BIN" run legacy.yaml fixed.R=2 --check 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"grid: 'R' is also fixed (override 'fixed.R=2')"* ]] || bad "fixed by an override: $out"
out=$("$BIN" run u.yaml 'grids.2={R: [7]}' --check 2>&1)
[[ "$out" == *"(from an override)"* ]] && [[ "$out" != *"10000000"* ]] && ok "empty keys refused; places in messages name the override" || bad "override block label: $out"
"$BIN" run o.yaml iters=20 >/dev/null 2>&1 || bad "run with an override"
"$PY" - <<'PY' && ok "the store records the spec text and the overrides verbatim" || bad "override provenance"
import h5py
f = h5py.File("o.h5", "r")
t = lambda d: (lambda v: v.decode() if isinstance(v, bytes) else v)(f[d][()])
assert t("provenance/overrides") == "iters=20\n", t("provenance/overrides")
assert "iters: 100" in t("provenance/spec") and "iters: 20" in t("provenance/spec_resolved")
assert f["results/iters_run"][()].max() == 20
PY
"$BIN" verify o.h5 >/dev/null 2>&1 && ok "verify parses the spec with its overrides" || bad "verify with overrides: $("$BIN" verify o.h5 2>&1)"
out=$("$BIN" run o.yaml --resume 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"another meaning"* ]] && ok "--resume without the override refused" || bad "resume without override: $out"
out=$("$BIN" run o.yaml iters=20 --resume 2>&1); rc=$?
[ $rc -eq 0 ] && ok "--resume with the same override" || bad "resume with override: $out"

# 5. resume by meaning: a comment, key order, 1 vs 1.0 and a generator for its list
cat >m.yaml <<'EOF'
store: m.h5
fixed: {k: 8, rho: 0.5, n_min: 10, d: 12, opt: gd, lr: 0.5, iters: 200000, trace_points: 4}
grid:
  R: [2, 4]
  seed: [0, 1, 2]
EOF
"$BIN" run m.yaml --store m-full.h5 >/dev/null 2>&1 || bad "m full run"
# stopped part way (SIGUSR1 once a point is committed: exit 3), or finished already
"$BIN" run m.yaml >m1.err 2>&1 &
pid=$!
for i in $(seq 1 200); do
  "$BIN" status m.h5 --json >m.json 2>/dev/null && [ "$(jget m.json done)" != null ] &&
    [ "$(jget m.json done)" -ge 1 ] && break
  sleep 0.05
done
kill -USR1 $pid 2>/dev/null
wait $pid; rc1=$?
cat >m.yaml <<'EOF'
# the same sweep, written differently
fixed: {lr: 0.5, iters: 200000, d: 12, n_min: 10.0, rho: 0.50, k: 8, opt: gd, trace_points: 4}   # reordered
store: m.h5
grid:
  R: [2.0, 4e0]
  seed: {range: [0, 3]}
EOF
out=$("$BIN" run m.yaml --resume 2>&1); rc=$?
[ $rc -eq 0 ] && { [ $rc1 -eq 3 ] || [ $rc1 -eq 0 ]; } && same_data m.h5 m-full.h5 &&
  ok "--resume after a comment, key order and spellings changed (first run exit $rc1)" || bad "resume by meaning: $rc1 $rc $out"
sed -i 's/lr: 0.5/lr: 0.25/' m.yaml
out=$("$BIN" run m.yaml --resume 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"another meaning"* ]] && ok "--resume with another meaning refused" || bad "resume other meaning: $out"

# 6. --reuse: a store grows by a seed and an R value, computing only the new points
cat >g1.yaml <<'EOF'
store: g1.h5
fixed: {k: 4, rho: 0.5, n_min: 2, d: 6, opt: gd, lr: 0.5, iters: 100, trace_points: 4}
grid:
  R: [1, 4]
  loss: [ce, ldt]
  gamma: [0.5]
  seed: [0, 1]
EOF
sed -e 's/g1.h5/g2.h5/' -e 's/R: \[1, 4\]/R: [1, 4, 8]/' -e 's/seed: \[0, 1\]/seed: [0, 1, 2]/' g1.yaml >g2.yaml
"$BIN" run g1.yaml >/dev/null 2>&1 || bad "g1 run"
out=$("$BIN" run g2.yaml --reuse g1.h5 --check 2>&1)
[[ "$out" == *"--reuse g1.h5: 8 of this run's points copied from it"* ]] && [[ "$out" == *"left: 10 points found in no --reuse store"* ]] &&
  ok "--check counts the points --reuse copies and those left" || bad "reuse check: $out"
"$BIN" run g2.yaml --reuse g1.h5 >g2.err 2>&1 || bad "g2 run: $(tail -2 g2.err)"
"$BIN" run g2.yaml --store g2-nr.h5 --no-reuse >/dev/null 2>&1 || bad "g2 --no-reuse"
same_data g2.h5 g2-nr.h5 && ok "a store grown with --reuse is bitwise equal to computing it all" || bad "reuse store differs"
"$BIN" status g2.h5 --json >g2.json
# 18 points; 8 from g1; of the other 10, LDT at R = 1 (seed 2) is CE there (equal counts)
c="$(jget g2.json points) $(jget g2.json points_reused_from_stores) $(jget g2.json points_computed) $(jget g2.json points_reused)"
[ "$c" = "18 8 9 9" ] && ok "--reuse copies the 8 old points and computes only new ones" || bad "reuse counts: $c"
"$PY" - <<'PY' && ok "provenance names the store each reused point came from" || bad "reuse provenance"
import h5py, json, os
f = h5py.File("g2.h5", "r")
src = f["status/source"][()]
lines = f["provenance"].attrs["reuse_sources"]
lines = (lines.decode() if isinstance(lines, bytes) else lines).splitlines()
assert len(lines) == 1 and json.loads(lines[0])["path"] == os.path.abspath("g1.h5"), lines
assert (src == 1).sum() == 8
PY
out=$("$BIN" run g2.yaml --store g3.h5 --reuse nothere.h5 2>&1); rc=$?
[ $rc -eq 1 ] && [ ! -e g3.h5 ] && [[ "$out" == *"nothere.h5"* ]] && ok "--reuse of a missing store refused before any work" || bad "reuse missing: $out"
out=$("$BIN" run g2.yaml --reuse g2.h5 --resume 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"this run's own store"* ]] && ok "--reuse of the run's own store refused" || bad "reuse self: $out"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
