#!/bin/bash
# Readers while a run writes (HDF5 SWMR): status (--json, --failed, --watch), verify, export,
# ufmstore.py, the README's xarray lines and report.py (also --watch, loaded twice by headless
# Chromium) all work on a store that a 2-rank sweep is writing, with HDF5's file locks and
# without them (HDF5_USE_FILE_LOCKING=FALSE, as on NFS and Lustre); the finished stores equal a
# run that nobody read (h5diff). A reader that stays open never blocks the next run.
set -u
BIN=${UFMSWEEP:?}
MPIRUN=${MPIEXEC:-mpirun}
SRC=${UFMSWEEP_SOURCE_DIR:?}
SPECS=$SRC/tests/specs
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
. "$SRC/tests/lib.sh"
rm -rf work && mkdir work && cd work || exit 1
export PYTHONPATH=$SRC/analysis

json_field() { # FILE KEY: the value of a top-level key of a JSON object
  "$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("null" if v is None else v)' "$1" "$2"
}

# the reference: the same sweep, nobody reading
"$MPIRUN" -n 2 "$BIN" run "$SPECS/live.yaml" --store quiet.h5 >/dev/null 2>quiet.err ||
  bad "reference run: $(tail -3 quiet.err)"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
browser_done() { # N URL: the done count the page shows, as the browser sees it (dom$N.html)
  local browser_n=$1 profile
  profile=$(mktemp -d)
  timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --dump-dom "$2" >dom$browser_n.html 2>chromium$browser_n.err
  rm -rf "$profile"
  grep -o 'id="progress" data-done="[0-9]*' dom$browser_n.html | grep -o '[0-9]*$'
}

for mode in locks nolocks; do
  if [ $mode = nolocks ]; then export HDF5_USE_FILE_LOCKING=FALSE; else unset HDF5_USE_FILE_LOCKING; fi
  store=live-$mode.h5
  # the run is held after 3 committed points while the readers look (pending points, a
  # writer), then after 20, so that a reloaded page must show more: known states, no race
  # with the run's end whatever the machine's load
  rm -f go go.held go2 go.held2
  UFMSWEEP_TEST_HOLD=3,20:go "$MPIRUN" -n 2 "$BIN" run "$SPECS/live.yaml" --store $store >run-$mode.out 2>run-$mode.err &
  runpid=$!
  if ! held_at go $runpid; then
    bad "$mode: the run was never held after 3 points"
    wait $runpid
    continue
  fi

  # status --watch (not a terminal: appended refreshes) ends by itself when the store is complete
  timeout 300 "$BIN" status $store --watch 1 >watch-status.out 2>&1 &
  swatchpid=$!

  # status --json during the run: done > 0, a rate, an ETA, a writer
  if "$BIN" status $store --json >s.json 2>s.err &&
     "$PY" - s.json <<'PY'; then
import json, sys
s = json.load(open(sys.argv[1]))
assert s["done"] > 0 and s["pending"] > 0, s
# a run is writing and has committed points in the window, so there is a rate, and the ETA is
# the pending points at that rate (no timing is judged, only the arithmetic)
assert s["rate"] > 0 and s["eta_s"] is not None, s
assert abs(s["eta_s"] - s["pending"] / s["rate"]) <= 1e-9 * s["eta_s"], s
assert s["writing"] is True and s["live_readable"] is True, s
assert s["last_run"]["exit_reason"] == "running", s
for ax in s["axes"]:
    assert sum(ax["done"]) + sum(ax["pending"]) + sum(ax["failed"]) + sum(ax["not_converged"]) == s["points"]
PY
    ok "$mode: status --json during the run: done $(json_field s.json done), rate $(json_field s.json rate), eta_s $(json_field s.json eta_s)"
  else
    bad "$mode: status --json during the run: $(cat s.json s.err)"
  fi
  "$BIN" status $store >s.txt 2>&1 && grep -q "points/s over the last" s.txt && grep -q "ETA" s.txt &&
    ok "$mode: status (text) shows the rate and the ETA" || bad "$mode: status text: $(cat s.txt)"

  # verify on what is committed, and export, while the run writes
  "$BIN" verify $store >v.out 2>&1 && ok "$mode: verify passes on the committed points during the run" ||
    bad "$mode: verify during the run: $(tail -5 v.out)"
  "$BIN" export $store --format csv -o live-$mode.csv >e.out 2>&1 && [ -s live-$mode.csv ] &&
    ok "$mode: export during the run" || bad "$mode: export during the run: $(tail -3 e.out)"

  # ufmstore.py and the README's xarray lines: every committed point, results where done
  if "$PY" - $store <<'PY' >py.out 2>&1; then
import sys
import numpy as np
from ufmstore import open_store
s = open_store(sys.argv[1])
c = s.counts()
assert c["done"] > 0 and c["pending"] > 0, c
done = (s.state == 1).values
r = s.results["w_norm_ratio"].values
assert np.isfinite(r[done]).all() and np.isnan(r[~done]).all()
p = s.progress()
assert p["writing"] and p["rate"] > 0 and p["eta_s"] is not None, p
# the README's lines
import h5netcdf, xarray as xr
f = h5netcdf.File(sys.argv[1], "r", swmr=True, locking=False, decode_vlen_strings=True)
res = xr.open_dataset(xr.backends.H5NetCDFStore(f, group="results"))
st = xr.open_dataset(xr.backends.H5NetCDFStore(f, group="status"))
n = int((st["state"] == 1).sum())
assert n >= c["done"], (n, c)
assert np.isfinite(res["w_norm_ratio"].values).sum() >= c["done"]
print(c["done"], n)
PY
    ok "$mode: ufmstore.py and xarray read the store during the run (done, state==1: $(tail -1 py.out))"
  else
    bad "$mode: Python readers during the run: $(tail -5 py.out)"
  fi

  # report.py once, then --watch, loaded twice by a browser while points arrive
  "$PY" "$SRC/analysis/report.py" $store rep-$mode >r.out 2>&1 && grep -q 'id="progress"' rep-$mode/index.html &&
    ok "$mode: report.py on the store being written" || bad "$mode: report.py during the run: $(tail -5 r.out)"
  if [ $mode = locks ]; then
    "$PY" "$SRC/analysis/report.py" $store watch --watch 1 >watch.out 2>&1 &
    watchpid=$!
    if [ -z "$CHROMIUM" ]; then
      echo "SKIP browser: no chromium (apt-get install chromium)"
    else
      for i in $(seq 1 100); do [ -s watch/index.html ] && break; sleep 0.2; done
      d1=$(browser_done 1 "file://$PWD/watch/index.html")
      # release the run to its second hold (20 points), then load the page again (as its
      # reload does) until it shows them: it must, the run waits there
      touch go
      for i in $(seq 1 6000); do [ -e go.held2 ] && break; kill -0 $runpid 2>/dev/null || break; sleep 0.05; done
      [ -e go.held2 ] || bad "browser: the run was not held after 20 points"
      d2=$d1
      for i in $(seq 1 60); do
        d2=$(browser_done 2 "file://$PWD/watch/index.html")
        [ -n "$d1" ] && [ -n "$d2" ] && [ "$d2" -gt "$d1" ] && break
      done
      if [ -n "$d1" ] && [ -n "$d2" ] && [ "$d2" -gt "$d1" ] &&
         grep -q 'http-equiv="refresh"' watch/index.html; then
        ok "browser: the live page reloads itself and its done count grew from $d1 to $d2"
      else
        bad "browser: done count '$d1' then '$d2' ($(tail -3 watch.out); $(head -c 300 dom1.html); $(grep -v dbus chromium1.err | tail -3))"
      fi
    fi
  fi
  touch go go2 # release the run (from whichever hold it is at) to its end
  wait $swatchpid
  rc=$?
  n=$(grep -c '^points' watch-status.out)
  [ $rc -eq 0 ] && [ "$n" -ge 2 ] && grep -q "48 done, 0 failed, 0 not converged, 0 pending" watch-status.out &&
    ok "$mode: status --watch refreshed $n times and ended when the store was complete" ||
    bad "$mode: status --watch rc=$rc refreshes=$n: $(tail -3 watch-status.out)"
  if [ $mode = locks ] && [ -n "${watchpid:-}" ]; then
    for i in $(seq 1 150); do kill -0 $watchpid 2>/dev/null || break; sleep 0.2; done
    wait $watchpid && ! grep -q 'http-equiv="refresh"' watch/index.html &&
      grep -q 'data-done="48"' watch/index.html && ! ls watch/.*tmp-* >/dev/null 2>&1 &&
      ok "report.py --watch wrote the final page (no reload) and ended, no temporary file left" ||
      bad "report.py --watch at the end: $(tail -3 watch.out)"
  fi
  wait $runpid
  rc=$?
  [ $rc -eq 0 ] && ok "$mode: the run finished normally with readers around" ||
    bad "$mode: the run exited $rc: $(tail -3 run-$mode.err)"
  same_data quiet.h5 $store && ok "$mode: the store read during the run equals the one nobody read" ||
    bad "$mode: the store read during the run differs"
  "$BIN" verify $store >/dev/null 2>&1 && ok "$mode: verify passes on the finished store" ||
    bad "$mode: verify of the finished store"
done
unset HDF5_USE_FILE_LOCKING

# a reader that stays open between runs never blocks the next run (SWMR readers take no lock)
cp quiet.h5 held.h5 && cp quiet.h5.journal held.h5.journal
"$PY" -c "
import sys, time
from ufmstore import open_group
import h5netcdf
from ufmstore import _h5_open
f = _h5_open('held.h5', h5netcdf)
print('open', flush=True)
import os
while not os.path.exists('held.release'):   # open until the run below has ended
    time.sleep(0.05)
" >held.out 2>&1 &
heldpid=$!
for i in $(seq 1 50); do grep -q open held.out && break; sleep 0.2; done
"$BIN" run "$SPECS/live.yaml" --store held.h5 --resume >held-run.out 2>&1 &&
  ok "a reader holding the store open does not block run --resume" ||
  bad "run --resume with a reader open: $(tail -3 held-run.out)"
touch held.release
wait $heldpid

# status --failed lists every failed point with its parameters and message
"$BIN" run "$SPECS/small.yaml" --store small.h5 >/dev/null 2>&1
"$BIN" status small.h5 --failed >f.txt 2>&1
"$BIN" status small.h5 --failed --json >f.json 2>&1
if "$PY" - f.json f.txt <<'PY'; then
import json, sys
s = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
fp = s["failed_points"]
assert len(fp) == s["failed"] + s["not_converged"] == s["failed_points_total"] > 0, s
for e in fp:
    assert e["state"] in ("failed", "not_converged") and e["message"], e
    assert set(e["params"]) == {"rho", "R", "loss", "gamma", "lr"}, e
    # the diverging points are those with lr = 1e300 (tests/specs/small.yaml)
    assert e["params"]["lr"] == 1e300, e
    assert f"#{e['point']} " in text
assert "failed or not converged:" in text and "lr=1e300" in text
PY
  ok "status --failed lists the $(json_field f.json failed) failed points with parameters and messages"
else
  bad "status --failed: $(head -5 f.txt)"
fi

# the options' values are checked before the store is read
for args in "--window 0" "--window x" "--watch 0.01"; do
  err=$("$BIN" status small.h5 $args 2>&1 >/dev/null)
  rc=$?
  [ $rc -eq 1 ] && [[ "$err" == *"${args%% *} "*"give seconds"* ]] && ok "status $args refused: $err" ||
    bad "status $args: rc=$rc $err"
done
# --window is taken, and a store that no run writes has no rate and no ETA, whatever the window
"$BIN" status small.h5 --json --window 1 >w.json 2>&1
[ "$(json_field w.json rate)" = 0.0 ] && [ "$(json_field w.json eta_s)" = null ] &&
  ok "status --window 1 on a finished store: no rate, no ETA" || bad "status --window 1: $(cat w.json)"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
