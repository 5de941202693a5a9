#!/bin/bash
# ufmsweep run under MPI: results independent of the rank count; kill -9 at random moments and
# resume equals an uninterrupted run with every point done exactly once; SIGUSR1 exits 3 and
# resume completes; a changed spec, a second writer and an existing store without --resume are
# refused without touching the store; shards merge into the single-run store; status counts.
set -u
BIN=${UFMSWEEP:?}
MPIRUN=${MPIEXEC:-mpirun}
SPECS=${UFMSWEEP_SOURCE_DIR:?}/tests/specs
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
. "${UFMSWEEP_SOURCE_DIR:?}/tests/lib.sh"
rm -rf work && mkdir work && cd work || exit 1

# 1. rank-count independence (1 rank computes alone; 2 and 4 with rank 0 scheduling)
"$BIN" run "$SPECS/small.yaml" --store r1.h5 2>r1.err
[ $? -eq $EXIT_POINTS_FAILED ] && ok "1 rank (exit 4: its diverging points failed)" || bad "1 rank: $(tail -3 r1.err)"
for n in 2 4; do
  "$MPIRUN" -n $n "$BIN" run "$SPECS/small.yaml" --store r$n.h5 >/dev/null 2>r$n.err
  [ $? -eq $EXIT_POINTS_FAILED ] || bad "$n ranks run"
  same_data r1.h5 r$n.h5 && ok "$n ranks bitwise equal to 1 rank" || bad "$n ranks differ"
done
# the numbers of a store never change unnoticed: tests/data/small-reference.h5 was made from
# tests/specs/small.yaml by the build before the layers were split (2026-12-03); on the same
# BLAS build the results must be identical, elsewhere equal to 1e-10 relative
ref=$UFMSWEEP_SOURCE_DIR/tests/data/small-reference.h5
blas_attr() { "$PY" -c 'import h5py,sys; print(h5py.File(sys.argv[1], "r").attrs["blas_library"])' "$1"; }
if [ "$(blas_attr "$ref")" = "$(blas_attr r1.h5)" ]; then
  same_values "$ref" r1.h5 && ok "results, theory and traces bitwise equal to the reference store" ||
    bad "the store differs from tests/data/small-reference.h5"
else
  close=1
  same_values "$ref" r1.h5 1e-10 || close=0
  [ $close -eq 1 ] && ok "results, theory and traces equal to the reference store to 1e-10 (another BLAS)" ||
    bad "the store differs from tests/data/small-reference.h5 beyond 1e-10"
fi
"$PY" - <<'PY' && ok "small store content" || bad "small store content"
import h5py, numpy as np
f = h5py.File("r4.h5", "r")
st = f["status/state"][()]
assert st.shape == (2, 2, 3, 2, 2), st.shape
lr = list(f["coords/lr"][()])
# every diverging point (lr = 1e300) failed, every other point done
assert (st.take(lr.index(1e300), axis=4) == 2).all(), st
assert (st.take(lr.index(0.2), axis=4) == 1).all(), st
msg = f["status/message"][()]  # characters along message_len (schema 2)
assert b"diverged" in b"".join(msg[0, 0, 0, 0, 1])
# theory: closed form except CDT at rho = 0.25, R = 4: the certified convex solve (source 2)
src = f["theory/theory_source"][()]
loss = [x.decode() for x in f["coords/loss"][()]]
# at R = 1 every Delta is equal: UF-SVM, closed form again
assert (src[1, 1, loss.index("cdt")] == 2).all() and (src[1, 0] == 1).all() and (src[0] == 1).all()
assert np.isfinite(f["theory/w_norm_ratio"][1, 1, loss.index("cdt"), 0, 0])
# GD (ngd, 400 steps) towards the convex reference: distances finite and clearly below the
# distance between two different geometries
d = f["results/dist_gw"][1, 1, loss.index("cdt"), :, 0]
assert np.isfinite(d).all() and (d < 0.5).all(), d
assert (f["status/attempts"][()] == 1).all()
assert f.attrs["schema_version"] == 3 and len(f.attrs["spec_sha256"]) == 64
assert (b"Open MPI" in f.attrs["mpi_library"] or b"MPICH" in f.attrs["mpi_library"]) and f.attrs["hdf5_library"].startswith(b"1.") and f.attrs["mpi_size"] == 4
assert b"OpenBLAS" in f.attrs["blas_library"] and len(f.attrs["hostnames"]) > 0
assert f["traces/dist_gw"].shape == (2, 2, 3, 2, 2, 6)
runs = f["provenance/runs"][()]
assert len(runs) == 1 and runs[0]["exit_reason"] == b"complete" and runs[0]["ranks"] == 4
PY

# 2. kill -9 at random moments, resume until done
"$BIN" run "$SPECS/slow.yaml" --store ref.h5 >/dev/null 2>&1 || bad "slow reference run"
flag=
for cycle in 1 2 3 4 5; do
  # --no-reuse: every point a solve, so that the kills land while points are computed; each
  # run is held after a random number (2..8) of recorded points and killed there (the worker
  # is then mid-solve), never after a sleep
  rm -f go go.held
  UFMSWEEP_TEST_HOLD=$((2 + RANDOM % 7)):go "$MPIRUN" -n 2 "$BIN" run "$SPECS/slow.yaml" --store killed.h5 $flag --no-reuse --progress 100 >/dev/null 2>&1 &
  pid=$!
  held_at go $pid || bad "kill cycle $cycle: the run was not held"
  kill -9 $pid 2>/dev/null
  pkill -9 -f "run $SPECS/slow.yaml --store killed.h5" 2>/dev/null
  wait $pid 2>/dev/null
  while pgrep -f "run $SPECS/slow.yaml --store killed.h5" >/dev/null; do sleep 0.05; done
  flag=--resume
done
"$MPIRUN" -n 2 "$BIN" run "$SPECS/slow.yaml" --store killed.h5 --resume >/dev/null 2>resume.err
rc=$?
if [ $rc -eq 0 ] && same_data ref.h5 killed.h5 && "$PY" -c '
import h5py, numpy as np
f = h5py.File("killed.h5", "r")
assert (f["status/state"][()] == 1).all()
a = f["status/attempts"][()]
assert (a == 1).all(), np.unique(a, return_counts=True)
r = f["provenance/runs"][()]["exit_reason"]
assert r[-1] == b"complete" and len(r) == 6, r
'; then ok "kill -9 x5 then resume: equal, every point done once"; else bad "kill/resume (rc=$rc): $(tail -3 resume.err)"; fi

# 3. SIGUSR1: stop, exit 3, valid store, resume completes
rm -f go go.held
UFMSWEEP_TEST_HOLD=3:go "$MPIRUN" -n 2 "$BIN" run "$SPECS/slow.yaml" --store sig.h5 --progress 100 >/dev/null 2>sig.err &
pid=$!
held_at go $pid || bad "SIGUSR1: the run was not held"
# the ranks' own exit 3 (stop_sweep: through Open MPI's mpirun, or to MPICH's ranks directly)
stop_sweep $pid "--store sig.h5 --progress 100"
touch go
wait $pid
rc=$?
partial=$("$BIN" status sig.h5 --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["done"], d["pending"], d["last_run"]["exit_reason"])')
if [ $rc -eq 3 ] && [[ "$partial" == *" signal" ]] && [[ "$partial" != *" 0 signal" ]]; then ok "SIGUSR1 exits 3 with a valid partial store ($partial)"; else bad "SIGUSR1: rc=$rc status='$partial'"; fi
"$BIN" run "$SPECS/slow.yaml" --store sig.h5 --resume >/dev/null 2>&1 && same_data ref.h5 sig.h5 && ok "resume after SIGUSR1" || bad "resume after SIGUSR1"

# 4. refusals leave the store byte-identical
cp sig.h5 sig.copy
sed 's/iters: 60000/iters: 59999/' "$SPECS/slow.yaml" >changed.yaml
err=$("$BIN" run changed.yaml --store sig.h5 --resume 2>&1)
[ $? -eq 1 ] && [[ "$err" == *"another grid"* ]] && cmp -s sig.h5 sig.copy && ok "changed spec refused, store untouched" || bad "changed spec: $err"
err=$("$BIN" run "$SPECS/slow.yaml" --store sig.h5 2>&1)
[ $? -eq 1 ] && [[ "$err" == *"already exists: use --resume"* ]] && cmp -s sig.h5 sig.copy && ok "existing store without --resume refused" || bad "existing store: $err"
rm -f go go.held
UFMSWEEP_TEST_HOLD=1:go "$BIN" run "$SPECS/slow.yaml" --store busy.h5 --progress 100 >/dev/null 2>&1 &
pid=$!
held_at go $pid || bad "second writer: the first run was not held"
err=$("$BIN" run "$SPECS/slow.yaml" --store busy.h5 --resume 2>&1)
rc=$?
kill -USR1 $pid
touch go
wait $pid
[ $rc -eq 1 ] && [[ "$err" == *"refusing a second writer"* ]] && ok "second writer refused" || bad "second writer: rc=$rc $err"

# --restart: deletes this store and journal and starts over; refuses to delete a non-store file
cp r4.h5 restart.h5
cp r4.h5.journal restart.h5.journal
"$BIN" run "$SPECS/small.yaml" --store restart.h5 --restart >/dev/null 2>&1
rc=$?
runs=$("$PY" -c 'import h5py; r = h5py.File("restart.h5", "r")["provenance/runs"][()]; print(len(r), r[0]["ranks"])' 2>/dev/null)
[ $rc -eq $EXIT_POINTS_FAILED ] && [ "$runs" = "1 1" ] && same_data r1.h5 restart.h5 && ok "--restart starts the 4-rank store over (one run row, 1 rank)" || bad "--restart: rc=$rc runs=$runs"
echo "not a store" >notastore.h5
err=$("$BIN" run "$SPECS/small.yaml" --store notastore.h5 --restart 2>&1)
[ $? -eq 1 ] && [[ "$err" == *"not a ufmsweep store"*"leaves this file alone"* ]] && grep -q "not a store" notastore.h5 && ok "--restart refuses a non-store file" || bad "--restart non-store: $err"

# 5. shards and merge
for i in 0 1 2; do
  "$BIN" run "$SPECS/small.yaml" --store shard$i.h5 --shard $i/3 >/dev/null 2>&1
  [ $? -eq $EXIT_POINTS_FAILED ] || bad "shard $i"
done
"$BIN" merge merged.h5 shard0.h5 shard1.h5 shard2.h5 2>merge.err && same_data r1.h5 merged.h5 && ok "3 shards merge to the single-run store" || bad "merge: $(cat merge.err)"
! grep -q "not among the inputs" merge.err || bad "a complete merge names missing shards: $(cat merge.err)"
"$BIN" merge partial.h5 shard0.h5 shard2.h5 2>partial.err
[ $? -eq 0 ] && grep -q "1 of the 3 shards are not among the inputs (1/3)" partial.err &&
  ok "a partial merge is allowed and names the missing shard" || bad "partial merge: $(cat partial.err)"
"$BIN" run "$SPECS/small.yaml" --store half0.h5 --shard 0/2 >/dev/null 2>&1
err=$("$BIN" merge mixed.h5 shard1.h5 half0.h5 2>&1)
[ $? -eq 1 ] && [ ! -e mixed.h5 ] && [[ "$err" == *"the inputs come from different --shard splits"* ]] &&
  ok "merge refuses shards of different --shard splits" || bad "mixed splits: $err"
err=$("$BIN" merge merged2.h5 shard0.h5 sig.h5 2>&1)
[ $? -eq 1 ] && [ ! -e merged2.h5 ] && [[ "$err" == *"another meaning"* ]] && ok "merge refuses a shard of another spec" || bad "merge refusal: $err"

# 6. status
st=$("$BIN" status r1.h5 --json)
"$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["points"] == 48 and d["done"] == 24 and d["failed"] == 24 and d["pending"] == 0, d
assert d["axes"][0]["axis"] == "rho" and d["axes"][0]["total"] == [24, 24]
oc = d["outcomes"]  # finished points by the outcome of their solve
assert oc["max_iter"] == 24 and oc["diverged"] == 24 and oc["converged_gradient"] == 0, oc
' "$st" && ok "status --json counts, by state and by outcome" || bad "status: $st"
"$BIN" status r1.h5 | grep -q "^outcomes 24 max_iter, 24 diverged$" || bad "status text outcomes: $("$BIN" status r1.h5)"
# provenance names the source commit the binary was built from: the one --version names, a
# commit of this checkout (HEAD itself when built at HEAD), or "unknown" outside a checkout
got=$("$PY" -c 'import h5py,sys; a = h5py.File(sys.argv[1], "r").attrs["source_commit"]
print(a.decode() if isinstance(a, bytes) else a)' r1.h5)
if git -C "$UFMSWEEP_SOURCE_DIR" rev-parse HEAD >/dev/null 2>&1; then
  git -C "$UFMSWEEP_SOURCE_DIR" merge-base --is-ancestor "${got%+modified}" HEAD 2>/dev/null; in_repo=$?
else
  [ "$got" = unknown ]; in_repo=$?
fi
[ $in_repo -eq 0 ] && "$BIN" --version | grep -q "source: $got" &&
  ok "the store and --version name the source commit ($got)" || bad "source commit: '$got'"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
