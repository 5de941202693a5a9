#!/bin/bash
# Studies of any shape: the points layout (one dimension over the study's points) and sample:
# blocks (Sobol, Latin hypercube, random), through every command and in combination: a 3-rank
# store bitwise equal to the 1-rank one, every point equal to `solve --spec --point` and to the
# same point of the grid-layout store, --reuse across layouts, shards and merge, a kill -9 and
# --resume, compact, verify finding an edited coordinate, export (CSV rows and netCDF with
# auxiliary coordinates), a store made in the grid layout continued by a spec that would choose
# points, and ufmstore's dense view equal to the grid store.
set -u
BIN=${UFMSWEEP:?}
MPIRUN=${MPIEXEC:-mpirun}
SRC=${UFMSWEEP_SOURCE_DIR:?}
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
. "$SRC/tests/lib.sh"
rm -rf work-layouts && mkdir work-layouts && cd work-layouts || exit 1
export PYTHONPATH=$SRC/analysis

# point_equal A B: every point of points-layout store A equals the point of store B (either
# layout) at the same coordinates, bit for bit, in every dataset of /theory /results /traces and
# in /status/state
point_equal() {
  "$PY" - "$1" "$2" <<'PY'
import sys
import h5py
import numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
def axes(f):
    c = f["status/state"].attrs.get("coordinates")
    if c is not None:
        return (c.decode() if isinstance(c, bytes) else c).split(), True
    return [d[0].name.rsplit("/", 1)[-1] for d in f["status/state"].dims], False
na, pa = axes(a)
nb, pb = axes(b)
assert pa and sorted(na) == sorted(nb), (na, nb)
def key(v):
    if isinstance(v, np.ndarray):  # a label of a points store: characters
        v = b"".join(v.tolist()).rstrip(b"\0")
    return v.decode() if isinstance(v, bytes) else float(v)
ca = {n: [key(v) for v in a["coords/" + n][()]] for n in na}
cb = {n: [key(v) for v in b["coords/" + n][()]] for n in nb}
index_b = {}
if pb:
    for q in range(len(b["status/state"])):
        index_b[tuple(cb[n][q] for n in na)] = (q,)
else:
    lookup = {n: {v: i for i, v in enumerate(cb[n])} for n in nb}
bad = 0
for p in range(len(a["status/state"])):
    coords = tuple(ca[n][p] for n in na)
    idx = index_b.get(coords) if pb else tuple(lookup[n][coords[na.index(n)]] for n in nb)
    if idx is None:
        print(f"point {p} {coords}: not in {sys.argv[2]}"); bad += 1; continue
    if a["status/state"][p] != b["status/state"][idx]:
        print(f"point {p}: state differs"); bad += 1
    for g in ("theory", "results", "traces"):
        if g not in a:
            continue
        for k in a[g]:
            d = a[g][k]
            if k in na or k.endswith("_strlen") or k in ("point", "trace_iter", "trace_point") or \
                    d.ndim == 0 or k not in b[g]:
                continue
            x, y = np.asarray(d[p]), np.asarray(b[g][k][idx])
            if x.tobytes() != y.tobytes():
                print(f"point {p} {coords}: /{g}/{k} {x} != {y}"); bad += 1
print(f"{len(a['status/state'])} points compared, {bad} differences")
sys.exit(1 if bad else 0)
PY
}

# 1. a Sobol design crossed with a loss axis, trained (ufm, traces)
cat >s.yaml <<'EOF2'
name: sampled
store: s.h5
fixed: {k: 4, d: 4, n_min: 1, opt: gd, lr: 0.5, iters: 40, trace_points: 3}
grids:
  - loss: [ce, cdt]
    sample:
      method: sobol
      n: 8
      seed: 5
      ranges:
        R: {int: [1, 8]}
        gamma: [-0.5, 0.5]
  - {loss: [la], R: [2, 4]}
EOF2
out=$("$BIN" run s.yaml --check 2>&1)
[[ "$out" == *"18 points in the study"* ]] && [[ "$out" == *"layout: points"* ]] &&
  [[ "$out" == *"sample sobol of 8 points (seed 5): R {int: [1, 8]}, gamma [-0.5, 0.5]"* ]] &&
  ok "--check names the layout and the design" || bad "--check: $out"
"$MPIRUN" -n 1 "$BIN" run s.yaml --store s1.h5 >/dev/null 2>&1 || bad "1-rank run"
"$MPIRUN" -n 3 "$BIN" run s.yaml --store s3.h5 >/dev/null 2>&1 || bad "3-rank run"
layout=$(h5dump -a layout s1.h5 2>/dev/null | grep -o '"points"')
[ "$layout" = '"points"' ] && [ "$(h5ls s1.h5/results/w_norm_ratio | grep -o '{18}')" = "{18}" ] &&
  ok "the store is a list of 18 points (layout points)" || bad "layout: $(h5ls -r s1.h5 | head)"
same_data s1.h5 s3.h5 && h5diff -q s1.h5 s3.h5 /status/state /status/state >/dev/null &&
  ok "3 ranks (rank 0 only schedules) give the 1-rank store bitwise" || bad "1 vs 3 ranks"
"$BIN" verify s1.h5 >/dev/null 2>&1 && ok "verify accepts a points-layout store" || bad "verify: $("$BIN" verify s1.h5 2>&1)"
"$BIN" status s1.h5 --json >s1.json
grid=$(h5dump -a grid_sha256 s1.h5 | grep -o '"[0-9a-f]*"' | tr -d '"')
[ "$(jget s1.json layout)" = points ] && [ "$(jget s1.json grid_sha256)" = "$grid" ] &&
  [ "$(jget s1.json numerics_version)" -ge 1 ] && [ "$(jget s1.json points)" = 18 ] &&
  ok "status --json names the layout and the store's identity (grid_sha256 ${grid:0:12}...)" ||
  bad "status --json: $(head -c 400 s1.json)"

# 2. each point equals solve --spec --point, named by its coordinates
"$PY" - <<'PY' >pts.txt
import h5py
f = h5py.File("s1.h5", "r")
names = f["status/state"].attrs["coordinates"]
names = (names.decode() if isinstance(names, bytes) else names).split()
for p in (0, 9, 17):
    parts = []
    for n in names:
        v = f["coords/" + n][p]
        if f["coords/" + n].ndim == 2:  # a label: characters
            v = b"".join(v.tolist()).rstrip(b"\0")
        parts.append(f"{n}={v.decode() if isinstance(v, bytes) else repr(float(v))}")
    print(p, ",".join(parts), repr(float(f["results/w_norm_ratio"][p])), repr(float(f["theory/dist_gw"][p])))
PY
good=0
while read -r p assign w th; do
  "$BIN" solve --spec s.yaml --point "$assign" --json >pt.json 2>pt.err || { echo "  $(cat pt.err)"; continue; }
  got=$("$PY" -c "import json; j=json.load(open('pt.json')); print(repr(float(j['w_norm_ratio'])), repr(float(j['theory']['dist_gw'])))")
  [ "$got" = "$w $th" ] && good=$((good + 1)) || echo "  point $p: solve gives $got, store $w $th"
done <pts.txt
[ $good -eq 3 ] && ok "points equal solve --spec --point bitwise (3 of 3)" || bad "solve --point: $good of 3"

# 3. the same union in both layouts: every point equal; --reuse across layouts copies all
cat >u.yaml <<'EOF2'
name: union
store: u.h5
fixed: {k: 4, d: 4, n_min: 1, opt: gd, lr: 0.5, iters: 40, trace_points: 3}
grids:
  - {loss: [ce], R: [1, 10]}
  - {loss: [cdt, ldt], R: [2, 10], gamma: [-0.5, 0.5]}
  - zip: {R: [16, 4], n_min: [1, 2]}
    loss: [la]
EOF2
"$MPIRUN" -n 2 "$BIN" run u.yaml --store up.h5 >/dev/null 2>&1 || bad "points-layout union run"
"$MPIRUN" -n 2 "$BIN" run u.yaml layout=grid --store ug.h5 >/dev/null 2>&1 || bad "grid-layout union run"
[ -z "$(h5dump -a layout ug.h5 2>/dev/null | grep points)" ] && [ -n "$(h5dump -a layout up.h5 2>/dev/null | grep points)" ] &&
  ok "a union mostly of holes is a points store by default, layout=grid keeps the grid" || bad "default layouts"
point_equal up.h5 ug.h5 >pe.out && ok "every point of the points store equals the grid store's ($(tail -1 pe.out))" ||
  bad "layouts differ: $(tail -3 pe.out)"
"$MPIRUN" -n 2 "$BIN" run u.yaml --store ur.h5 --reuse ug.h5 >/dev/null 2>ur.err || bad "reuse across layouts: $(cat ur.err)"
"$BIN" status ur.h5 --json >ur.json
[ "$(jget ur.json points_computed)" = 0 ] && [ "$(jget ur.json points_reused)" = 12 ] && point_equal ur.h5 ug.h5 >/dev/null &&
  ok "--reuse of a grid store fills a points store (12 copied, none computed, equal)" || bad "reuse: $(cat ur.json)"

# 4. shards and merge, a kill -9 and --resume, compact: the same store
"$MPIRUN" -n 2 "$BIN" run s.yaml --store sh0.h5 --shard 0/2 >/dev/null 2>&1 &&
  "$MPIRUN" -n 2 "$BIN" run s.yaml --store sh1.h5 --shard 1/2 >/dev/null 2>&1 &&
  "$BIN" merge merged.h5 sh0.h5 sh1.h5 >/dev/null 2>&1 && same_data merged.h5 s1.h5 &&
  ok "two shards merged equal the 1-rank store" || bad "shards and merge"
rm -f go go.held
UFMSWEEP_TEST_HOLD=5:go "$MPIRUN" -n 2 "$BIN" run s.yaml --store k.h5 >k.out 2>&1 &
pid=$!
if held_at go $pid; then
  pkill -9 -f "run s.yaml --store k.h5"
  wait $pid 2>/dev/null
  "$MPIRUN" -n 3 "$BIN" run s.yaml --store k.h5 --resume >kr.out 2>&1 && same_data k.h5 s1.h5 &&
    "$BIN" verify k.h5 >/dev/null 2>&1 && ok "killed (-9) after 5 points and resumed: the 1-rank store" ||
    bad "kill and resume: $(tail -3 kr.out)"
else
  bad "kill: the run was not held"
fi
"$BIN" compact s1.h5 -o c.h5 >/dev/null 2>&1 && same_data c.h5 s1.h5 && "$BIN" verify c.h5 >/dev/null 2>&1 &&
  ok "compact keeps a points store whole" || bad "compact"

# 5. verify finds an edited coordinate (it would relabel a point)
cp s3.h5 e.h5
"$PY" -c "
import h5py
with h5py.File('e.h5', 'r+') as f:
    f['coords/gamma'][3] = f['coords/gamma'][3] + 0.125
"
out=$("$BIN" verify e.h5 2>&1); rc=$?
[ $rc -ne 0 ] && [[ "$out" == *"gamma: value 3 is"* ]] && ok "verify names an edited coordinate of a point" ||
  bad "verify of an edited coordinate: rc=$rc $out"

# 6. export: a CSV row per point, netCDF with auxiliary coordinates that xarray reads
"$BIN" export s1.h5 --format csv -o s.csv >/dev/null 2>&1
rows=$(grep -vc '^#' s.csv)
[ "$rows" -eq 19 ] && ok "CSV: a row per point (18 and the header)" || bad "CSV rows: $rows"
err=$("$BIN" export s1.h5 --format netcdf -o s.nc 2>&1)
if [[ "$err" == *"this build has no netCDF library"* ]]; then
  echo "SKIP netCDF of a points store: this build has no netCDF export"
else
[ -s s.nc ] || bad "netCDF export: $err"
"$PY" - <<'PY' && ok "netCDF: one dimension point, the axes as coordinates, the store's values" || bad "netCDF of a points store"
import h5py
import numpy as np
import xarray as xr
d = xr.open_dataset("s.nc")
assert d.w_norm_ratio.dims == ("point",), d.w_norm_ratio.dims
assert d.attrs["layout"] == "points" and "point over the study's points" in d.attrs["comment"]
assert {"loss", "R", "gamma"} <= set(d.w_norm_ratio.coords), d.w_norm_ratio.coords
with h5py.File("s1.h5", "r") as f:
    assert np.array_equal(d.w_norm_ratio.values, f["results/w_norm_ratio"][()], equal_nan=True)
    assert np.array_equal(d.R.values, f["coords/R"][()])
la = d.w_norm_ratio.where(d.loss == "la", drop=True)
assert la.sizes["point"] == 2
PY
fi

# 7. a store made in the grid layout is continued in it by a spec that would choose points
"$MPIRUN" -n 2 "$BIN" run u.yaml layout=grid --store adopt.h5 >/dev/null 2>&1
"$MPIRUN" -n 2 "$BIN" run u.yaml --store adopt.h5 --resume >adopt.out 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "holds its points in the grid layout: continuing in it" adopt.out &&
  same_data adopt.h5 ug.h5 && ok "--resume continues a grid store in its layout" || bad "adopt: rc=$rc $(cat adopt.out)"
out=$("$MPIRUN" -n 1 "$BIN" run u.yaml layout=points --store adopt.h5 --resume 2>&1); rc=$?
[ $rc -ne 0 ] && [[ "$out" == *"lays its points out as grid, the spec as points"* ]] &&
  ok "a spec that says points is refused on a grid store, naming both" || bad "layout mismatch: rc=$rc $out"

# 8. ufmstore: the dense view of the points store is the grid store's arrays
"$PY" - <<'PY' && ok "ufmstore: as_grid() of the points store equals the grid store" || bad "ufmstore dense view"
import numpy as np
from ufmstore import open_store
p, g = open_store("up.h5"), open_store("ug.h5")
assert p.layout == "points" and g.layout == "grid"
assert p.counts()["total"] == g.counts()["total"] == 12, (p.counts(), g.counts())
assert [n for n, _ in p.axes] == [n for n, _ in g.axes]
d = p.as_grid()
for name in ("w_norm_ratio", "dist_gw"):
    a = d.results[name].transpose(*g.axis_names)
    b = g.results[name].sel({n: a[n].values for n in g.axis_names})
    assert np.array_equal(a.values, b.values, equal_nan=True), name
assert (d.state.values == 4).sum() == (g.state.values == 4).sum() + (d.state.size - g.state.size)
PY
cat >big.yaml <<'EOF2'
name: sampled design, theory only
store: big.h5
fixed: {k: 4, solver: none}
grid:
  loss: [cdt, ldt]
  sample: {method: lhs, n: 1024, seed: 1, ranges: {gamma: [-1.5, 1.5], R: {log: [1, 1000]}, n_min: {int: [1, 20]}}}
EOF2
"$MPIRUN" -n 2 "$BIN" run big.yaml >/dev/null 2>&1 || bad "theory-only design run"
"$PY" "$SRC/analysis/report.py" big.h5 rep >rep.out 2>&1 && ls rep/points_*.png >/dev/null 2>&1 &&
  ok "report.py draws a sampled design as points ($(ls rep/*.png | wc -l) figures)" || bad "report: $(cat rep.out)"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
