#!/bin/bash
# Data safety: nothing a user runs destroys or silently drops data, and no input crashes or
# hangs. One case per defect found by hostile use (docs/RELIABILITY.md lists them):
# --restart on files that are not this spec's store, temporary names that were user files,
# journal corruption in the middle and a readable store left open, oversized datasets in
# export, a reader holding the store, a full disk at creation, journal records outside the grid,
# integer overflow in options, CSV quoting, compact's verification, long error messages, the
# provenance row of a killed run and signals to mpirun.
set -u
BIN=${UFMSWEEP:?}
MPIRUN=${MPIEXEC:-mpirun}
SPECS=${UFMSWEEP_SOURCE_DIR:?}/tests/specs
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
. "${UFMSWEEP_SOURCE_DIR:?}/tests/lib.sh"
no_temp_left() { ! ls "$1"/*.tmp-?????? >/dev/null 2>&1; }
rm -rf safety && mkdir safety && cd safety || exit 1
"$BIN" run "$SPECS/small.yaml" --store ref.h5 --keep-journal >/dev/null 2>&1 # a whole journal: sections 3 and 4 rebuild from it
[ $? -eq $EXIT_POINTS_FAILED ] || bad "reference run"

# 1. --restart refuses what is not this spec's store
"$PY" -c 'import h5py; h5py.File("foreign.h5", "w")["data"] = [1.0, 2.0, 3.0]'
cp foreign.h5 foreign.copy
err=$("$BIN" run "$SPECS/small.yaml" --store foreign.h5 --restart 2>&1)
rc=$?
[ $rc -eq 1 ] && cmp -s foreign.h5 foreign.copy && [[ "$err" == *"not a ufmsweep store"* ]] &&
  ok "--restart leaves a foreign HDF5 file alone" || bad "--restart foreign HDF5: rc=$rc $err"

cp ref.h5 newer.h5
"$PY" -c 'import h5py; h5py.File("newer.h5", "a").attrs["schema_version"] = 99'
cp newer.h5 newer.copy
err=$("$BIN" run "$SPECS/small.yaml" --store newer.h5 --restart 2>&1)
rc=$?
[ $rc -eq 1 ] && cmp -s newer.h5 newer.copy && [[ "$err" == *"newer"* ]] &&
  ok "--restart leaves a store of a newer schema alone" || bad "--restart newer: rc=$rc $err"

# another grid at the spec's own store path: replaced only when named with --store
sed 's/^store: small.h5/store: og.h5/' "$SPECS/small.yaml" >a.yaml
sed 's/^store: small.h5/store: og.h5/; s/^  R: \[1, 4\]/  R: [1, 5]/' "$SPECS/small.yaml" >b.yaml
"$BIN" run a.yaml >/dev/null 2>&1
cp og.h5 og.copy
err=$("$BIN" run b.yaml --restart 2>&1)
rc=$?
if [ $rc -eq 1 ] && cmp -s og.h5 og.copy && [[ "$err" == *"another grid"*"--store og.h5 --restart"* ]]; then
  ok "--restart refuses a store of another grid found at the spec's store path"
else
  bad "--restart another grid: rc=$rc $err"
fi
"$BIN" run b.yaml --store og.h5 --restart >/dev/null 2>&1
rc=$?
r5=$("$PY" -c 'import h5py; print(list(h5py.File("og.h5", "r")["coords/R"][()]))' 2>&1)
[ $rc -eq $EXIT_POINTS_FAILED ] && [ "$r5" = "[1.0, 5.0]" ] && ok "--store PATH --restart replaces it when named" ||
  bad "--store --restart: rc=$rc R=$r5"

# 2. temporary files never take a user's name
cp ref.h5 r.tmp
"$BIN" export r.tmp --format csv -o r >/dev/null 2>&1
rc=$?
[ $rc -eq 0 ] && cmp -s r.tmp ref.h5 && [ -s r ] && no_temp_left . &&
  ok "export r.tmp -o r keeps its input" || bad "export r.tmp -o r: rc=$rc"
cp ref.h5 keep.tmp
"$BIN" compact keep.tmp -o keep >/dev/null 2>&1
rc=$?
[ $rc -eq 0 ] && cmp -s keep.tmp ref.h5 && same_data ref.h5 keep && no_temp_left . &&
  ok "compact keep.tmp -o keep keeps its input" || bad "compact keep.tmp -o keep: rc=$rc"
"$BIN" run "$SPECS/small.yaml" --shard 0/2 --store s0.h5 >/dev/null 2>&1
"$BIN" run "$SPECS/small.yaml" --shard 1/2 --store s1.h5 >/dev/null 2>&1
cp s0.h5 all.tmp
"$BIN" merge all all.tmp s1.h5 >/dev/null 2>&1
rc=$?
[ $rc -eq 0 ] && cmp -s all.tmp s0.h5 && same_data ref.h5 all &&
  ok "merge all all.tmp s1 keeps all.tmp's points" || bad "merge all all.tmp s1: rc=$rc"
echo "precious" >x.h5.tmp
"$BIN" run "$SPECS/small.yaml" --store x.h5 >/dev/null 2>&1
rc=$?
[ $rc -eq $EXIT_POINTS_FAILED ] && [ "$(cat x.h5.tmp)" = precious ] && no_temp_left . &&
  ok "run --store x.h5 leaves an unrelated x.h5.tmp alone" || bad "run x.h5 vs x.h5.tmp: rc=$rc"
err=$("$BIN" export ref.h5 --format csv -o ref.h5 2>&1)
rc=$?
[ $rc -eq 1 ] && cmp -s ref.h5 keep.tmp && [[ "$err" == *"is the input"* ]] &&
  ok "export to its own input is refused" || bad "export -o input: rc=$rc $err"
mkdir -p outdir
err=$("$BIN" export ref.h5 --format csv -o outdir 2>&1)
rc=$?
[ $rc -eq 1 ] && [[ "$err" == *"is a directory"* ]] && [ -z "$(ls -A outdir)" ] &&
  ok "export to a directory is refused" || bad "export -o directory: rc=$rc $err"
err=$("$BIN" compact ref.h5 -o nodir/out.h5 2>&1)
rc=$?
[ $rc -eq 1 ] && [[ "$err" == *"directory nodir does not exist"* ]] && [ ! -e nodir ] &&
  ok "an output in a missing directory is refused before any work" || bad "missing output dir: rc=$rc $err"
err=$("$BIN" merge s1.h5 s0.h5 s1.h5 2>&1)
rc=$?
[ $rc -eq 1 ] && [[ "$err" == *"is the input"* ]] && ok "merge into one of its shards is refused" ||
  bad "merge into a shard: rc=$rc $err"

# 3. the journal: a flipped bit costs one record, a readable store left open keeps its points
cp ref.h5.journal flip.h5.journal
"$PY" - <<'PY'
import struct
b = bytearray(open("flip.h5.journal", "rb").read())
pos, i = 152, 0
while pos < len(b):
    typ, ln, crc = struct.unpack_from("<III", b, pos)
    if typ == 1:
        i += 1
        if i == 3:
            b[pos + 12 + 40] ^= 0x10   # one bit of the third point record's payload
            break
    pos += 12 + ln
open("flip.h5.journal", "wb").write(b)
PY
cp flip.h5.journal flip.journal.copy
err=$("$BIN" run "$SPECS/small.yaml" --store flip.h5 --resume --keep-journal 2>&1)
rc=$?
prefix_kept=$(cmp -s -n "$(stat -c %s flip.journal.copy)" flip.h5.journal flip.journal.copy && echo 1)
if [ $rc -eq $EXIT_POINTS_FAILED ] && [[ "$err" == *"rebuilt the store from the journal: 47 points"* ]] &&
   [[ "$err" == *"corrupt bytes skipped in 1 region"* ]] && [ "$prefix_kept" = 1 ] &&
   same_data ref.h5 flip.h5; then
  ok "a flipped bit in an early journal record skips that record only, nothing is cut"
else
  bad "journal bit flip: rc=$rc prefix_kept=$prefix_kept $err"
fi
cp ref.h5 open.h5
"$PY" -c 'import h5py; h5py.File("open.h5", "a").attrs["open_for_writing"] = 1'
head -c 2000 ref.h5.journal >open.h5.journal   # the header and a few records survive
err=$("$BIN" run "$SPECS/small.yaml" --store open.h5 --resume 2>&1)
rc=$?
computed=$("$PY" -c 'import h5py; print(h5py.File("open.h5", "r")["provenance/runs"][-1]["points_done"])' 2>&1)
if [ $rc -eq $EXIT_POINTS_FAILED ] && [[ "$err" == *"kept the 48 finished points"* ]] && [ "$computed" = 0 ] &&
   same_data ref.h5 open.h5; then
  ok "a readable store left open keeps its 48 points although the journal holds a few"
else
  bad "store left open, short journal: rc=$rc computed=$computed $err"
fi

# journal records whose CRC holds but that name no point of the grid
cp ref.h5 oor.h5
cp ref.h5.journal oor.h5.journal
"$PY" - <<'PY'
import struct, zlib
b = bytearray(open("oor.h5.journal", "rb").read())
pos = 152
while True:
    typ, ln, crc = struct.unpack_from("<III", b, pos)
    if typ == 1:
        rec = bytearray(b[pos + 12:pos + 12 + ln])
        break
    pos += 12 + ln
with open("oor.h5.journal", "ab") as f:
    for p in (48, -5, 1 << 40):
        struct.pack_into("<q", rec, 0, p)
        f.write(struct.pack("<III", 1, ln, zlib.crc32(rec)) + rec)
PY
"$PY" -c 'import h5py; f = h5py.File("oor.h5", "a"); s = f["status/state"]; a = s[()]; a.flat[0] = 0; s[...] = a'
err=$("$BIN" run "$SPECS/small.yaml" --store oor.h5 --resume --keep-journal 2>&1)
rc=$?
[ $rc -eq $EXIT_POINTS_FAILED ] && [[ "$err" == *"3 intact records that name no finished point"* ]] && same_data ref.h5 oor.h5 &&
  ok "journal records naming points outside the grid are skipped and reported" || bad "out-of-range records: rc=$rc $err"
rm -f oor.h5
err=$("$BIN" run "$SPECS/small.yaml" --store oor.h5 --resume --keep-journal 2>&1)
rc=$?
[ $rc -eq $EXIT_POINTS_FAILED ] && same_data ref.h5 oor.h5 && ok "the same journal rebuilds the store" || bad "out-of-range rebuild: rc=$rc $err"

# 4. export never reads a dataset into a buffer of another size
cp ref.h5 big.h5
"$PY" -c '
import h5py, numpy as np
f = h5py.File("big.h5", "a")
del f["results/dist_z"]
f["results/dist_z"] = np.zeros(200000)'
err=$("$BIN" export big.h5 --format netcdf -o big.nc 2>&1)
rc=$?
if [[ "$err" == *"this build has no netCDF library"* ]]; then
  echo "SKIP oversized dataset: this build has no netCDF export"
else
  [ $rc -eq 1 ] && [ ! -e big.nc ] && [[ "$err" == *"/results/dist_z: holds 200000 values"* ]] && no_temp_left . &&
    ok "export refuses a dataset larger than the spec says" || bad "oversized dataset: rc=$rc $err"
fi

# 5. a reader holding the store: resume refuses with "locked", moves nothing
cp ref.h5 busy.h5
cp ref.h5.journal busy.h5.journal
cp busy.h5 busy.copy
"$PY" -c '
import h5py, time, os
f = h5py.File("busy.h5", "r")
open("reader.ready", "w").close()
time.sleep(30)' &
reader=$!
for _ in $(seq 100); do [ -e reader.ready ] && break; sleep 0.1; done
err=$("$BIN" run "$SPECS/small.yaml" --store busy.h5 --resume 2>&1)
rc=$?
kill $reader 2>/dev/null
wait $reader 2>/dev/null
if [ $rc -eq 1 ] && [[ "$err" == *"locked by another process"* ]] && cmp -s busy.h5 busy.copy &&
   ! ls busy.h5.damaged-* >/dev/null 2>&1; then
  ok "a store held by a reader is refused as locked, not moved aside as damaged"
else
  bad "reader holds the store: rc=$rc $err"
fi

# 6. integers from the command line and the spec are checked for overflow
err=$("$BIN" run "$SPECS/small.yaml" --check --ranks-per-solve 2 --grid 65536x65536 2>&1)
rc1=$?
err2=$("$BIN" run "$SPECS/small.yaml" --store sh.h5 --shard 0/99999999999 2>&1)
rc2=$?
sed 's/^fixed:/process_grid: 65536x65536\nranks_per_solve: 2\nfixed:/' "$SPECS/small.yaml" >pg.yaml
err3=$("$BIN" run pg.yaml --check 2>&1)
rc3=$?
if [ $rc1 -eq 1 ] && [[ "$err" == *"--grid"* ]] && [ $rc2 -eq 1 ] && [[ "$err2" == *"--shard"* ]] &&
   [ ! -e sh.h5 ] && [ $rc3 -eq 1 ] && [[ "$err3" == *"process_grid"* ]]; then
  ok "--grid, --shard and process_grid overflows are refused"
else
  bad "integer overflow: $rc1 $err | $rc2 $err2 | $rc3 $err3"
fi

# 7. CSV: a name with a newline stays inside its comment line (RFC 4180 fields, '#' lines)
printf 'name: "two\\nlines, \\"quoted\\""\nfixed: {k: 4, solver: none}\ngrid:\n  gamma: [0, 1, 2]\n' >nl.yaml
"$BIN" run nl.yaml --store nl.h5 >/dev/null 2>&1 && "$BIN" export nl.h5 --format csv -o nl.csv >/dev/null 2>&1
"$PY" - <<'PY' && ok "CSV export of a multi-line name parses as 3 rows" || bad "CSV with a newline in the name"
import csv
lines = open("nl.csv").read().split("\n")
body = [l for l in lines if l and not l.startswith("#")]
rows = list(csv.reader(body))
assert len(rows) == 4, rows[:2]                 # header + 3 points
assert all(len(r) == len(rows[0]) for r in rows)
assert any(l.startswith("# name: two\\nlines") for l in lines), lines[:4]
PY

# 8. compact: a copy that does not verify never becomes OUT
cp s0.h5 inconsistent.h5
"$PY" -c '
import h5py
f = h5py.File("inconsistent.h5", "a")
s = f["status/state"]; a = s[()]; a.flat[1] = 1; s[...] = a   # point 1 (shard 1) done without data'
err=$("$BIN" compact inconsistent.h5 -o compacted.h5 2>&1)
rc=$?
[ $rc -eq 1 ] && [ ! -e compacted.h5 ] && no_temp_left . && ok "compact leaves no OUT when the copy does not verify" ||
  bad "compact verify failure: rc=$rc $(ls compacted.h5* 2>&1)"

# 9. messages keep long paths whole
long=$(printf 'd%.0s' $(seq 300))/$(printf 'e%.0s' $(seq 300))
mkdir -p "$long"
err=$("$BIN" export "$long/missing.h5" --format csv -o out.csv 2>&1)
[[ "$err" == *"$long/missing.h5"* ]] && ok "an error names a 600-character path in full" || bad "long path cut: ${#err} chars"

# 10. a killed run's provenance row counts the points it saved
"$MPIRUN" -n 2 "$BIN" run "$SPECS/slow.yaml" --store killed.h5 >/dev/null 2>&1 &
job=$!
for _ in $(seq 300); do   # until the journal holds a few points (about 3 KB each)
  [ "$(stat -c %s killed.h5.journal 2>/dev/null || echo 0)" -gt 15000 ] && break
  sleep 0.05
done
pkill -9 -f "store killed.h5" 2>/dev/null
kill -9 $job 2>/dev/null
wait $job 2>/dev/null
"$MPIRUN" -n 2 "$BIN" run "$SPECS/slow.yaml" --store killed.h5 --resume >/dev/null 2>&1
rc=$?
rows=$("$PY" -c '
import h5py
r = h5py.File("killed.h5", "r")["provenance/runs"][()]
print(len(r), r[0]["exit_reason"].decode(), int(r[0]["points_done"]) > 0, int(r["points_done"].sum()))' 2>&1)
[ $rc -eq 0 ] && [[ "$rows" == "2 killed True "* ]] && ok "a killed run's row says killed with the points it saved ($rows)" ||
  bad "killed run's row: rc=$rc $rows"

# 11. signals: a long solve gives up at once and stays pending; a worker's signal stops the
# sweep with exit 3 (ranks that got none finish their point); jobs/ufmsweep-mpirun turns
# Ctrl-C, SIGTERM and SIGHUP into a clean stop
cat >long.yaml <<'YAML'
name: points far longer than the test
fixed: {k: 4, n_min: 2, d: 5, opt: ngd, lr: 0.1, iters: 200000000, trace_points: 4}
grid:
  R: [1, 2]
YAML
pending_of() { "$BIN" status "$1" --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["done"], d["pending"])'; }
# each run is held once its solves are handed out (its signal handlers installed), then
# released and signalled: the solve is in progress, or about to start and gives up at its first
# iteration; either way the point stays pending (no sleep decides it)
# SIGHUP (a closed terminal, a dropped ssh session) is a stop like SIGTERM
for sig in TERM HUP; do
  rm -f go go.held
  UFMSWEEP_TEST_HOLD=started:go "$BIN" run long.yaml --store long1$sig.h5 >/dev/null 2>&1 &
  job=$!
  held_at go $job || bad "long solve: the run was not held"
  touch go
  kill -$sig $job
  wait $job
  rc=$?
  st=$(pending_of long1$sig.h5)
  [ $rc -eq 3 ] && [ "$st" = "0 2" ] && [ ! -e long1$sig.h5.lock ] &&
    ok "SIG$sig interrupts a long UFM solve: exit 3, the point stays pending, no lock left" ||
    bad "long solve and SIG$sig: rc=$rc done/pending=$st"
done
rm -f go go.held
UFMSWEEP_TEST_HOLD=started:go "$MPIRUN" -n 3 "$BIN" run long.yaml --store long3.h5 >/dev/null 2>&1 &
job=$!
held_at go $job || bad "long solve on 3 ranks: the run was not held"
# the ranks whose MPI rank is not 0 (Open MPI and MPICH name it differently; MPICH's ranks are
# children of its proxy, not of the launcher)
ranks=$(for p in $(pgrep -f "run long.yaml --store long3.h5" | grep -vx "$job"); do
  env_of=$( { tr '\0' '\n' </proc/$p/environ; } 2>/dev/null)
  grep -qE '^(OMPI_COMM_WORLD_RANK|PMI_RANK)=' <<<"$env_of" || continue # the launcher itself
  grep -qxE '(OMPI_COMM_WORLD_RANK|PMI_RANK)=0' <<<"$env_of" || echo $p
done)
[ -n "$ranks" ] && kill -TERM $ranks
touch go
wait $job
rc=$?
st=$(pending_of long3.h5)
[ $rc -eq 3 ] && [ "$st" = "0 2" ] && ok "SIGTERM to the worker ranks alone stops the sweep: exit 3" ||
  bad "SIGTERM to the workers: rc=$rc ranks=$ranks done/pending=$st"
for sig in INT TERM HUP; do
  set -m # as from a terminal: the wrapper does not inherit an ignored SIGINT
  rm -f go go.held
  UFMSWEEP_TEST_HOLD=started:go MPIRUN="$MPIRUN" "$UFMSWEEP_SOURCE_DIR/jobs/ufmsweep-mpirun" -n 3 "$BIN" run long.yaml --store wrap$sig.h5 >/dev/null 2>wrap.err &
  job=$!
  set +m
  held_at go $job || bad "wrapper SIG$sig: the run was not held"
  kill -$sig $job
  kill -$sig $job 2>/dev/null # a second signal must not end it before the save
  touch go
  wait $job
  rc=$?
  st=$(pending_of wrap$sig.h5)
  [ $rc -eq 3 ] && [ "$st" = "0 2" ] && [ ! -e wrap$sig.h5.lock ] &&
    ok "two SIG$sig to jobs/ufmsweep-mpirun: exit 3 after the save" || bad "wrapper SIG$sig: rc=$rc $st $(cat wrap.err)"
done

# 12. verify covers what labels the results: coordinates and provenance rows
cp ref.h5 coord.h5
"$PY" -c 'import h5py; f = h5py.File("coord.h5", "a"); f["theory/R"][1] = 5.0'
err=$("$BIN" verify coord.h5 2>&1)
rc=$?
[ $rc -eq 1 ] && [[ "$err" == *"/R: value 1 is 5 where the spec says 4"* ]] &&
  ok "verify finds a rewritten coordinate" || bad "verify rewritten coordinate: rc=$rc $err"
for ds in theory/R provenance/runs; do
  cp ref.h5 flipped.h5
  "$PY" - "$ds" <<'PY'
import sys, h5py
with h5py.File("flipped.h5", "r") as f:
    info = f[sys.argv[1]].id.get_chunk_info(0)
b = bytearray(open("flipped.h5", "rb").read())
b[info.byte_offset + 1] ^= 0x08
open("flipped.h5", "wb").write(b)
PY
  err=$("$BIN" verify flipped.h5 2>&1)
  rc=$?
  [ $rc -eq 1 ] && [[ "$err" == *"cannot be read"* ]] && ok "verify finds a flipped bit in /$ds" ||
    bad "verify flipped bit in /$ds: rc=$rc $err"
done

# 13. a full disk while the store is created: exit 1 naming the cause, no crash, nothing left
mkdir -p tiny
if mount -t tmpfs -o size=16k tmpfs tiny 2>/dev/null; then
  err=$("$BIN" run "$SPECS/small.yaml" --store tiny/full.h5 2>&1)
  rc=$?
  left=$(ls -A tiny)
  umount tiny
  [ $rc -eq 1 ] && [[ "$err" == *"No space left on device"* ]] && [ -z "$left" ] &&
    ok "full disk at store creation: exit 1, no crash, no file left" || bad "full disk at creation: rc=$rc left=$left $err"
else
  echo "SKIP full disk at store creation (cannot mount a tmpfs here)"
fi

# 14. a FIFO where a store or a network file is expected is refused at once (HDF5's open of a
# FIFO blocks until someone writes to it); the ceiling only turns a hang into a failure
mkfifo pipe.h5
fifo_ok=1
for cmd in "status pipe.h5" "verify pipe.h5" "export pipe.h5 --format csv -o pipe.csv" \
           "measure pipe.h5" "run $SPECS/small.yaml --store fifo-reuse.h5 --reuse pipe.h5"; do
  err=$(timeout 60 "$BIN" $cmd 2>&1)
  rc=$?
  [ $rc -eq 1 ] && [[ "$err" == *"pipe.h5: not a regular file (a FIFO)"* ]] ||
    { fifo_ok=0; echo "  a FIFO given to $cmd: rc=$rc $err"; }
done
[ $fifo_ok -eq 1 ] && [ ! -e fifo-reuse.h5 ] && [ ! -e pipe.csv ] && ok "a FIFO as a store or a network file is refused at once, naming it" ||
  bad "FIFO: files were created"

# 15. a stop signal to export, compact or merge removes the command's own temporary output
# (each is held just before its commit, then signalled)
"$BIN" run "$SPECS/small.yaml" --store sh0.h5 --shard 0/2 >/dev/null 2>&1
guard_ok=1
for cmd in "export ref.h5 --format csv -o g.csv" "compact ref.h5 -o g.h5" "merge gm.h5 sh0.h5"; do
  for sig in TERM INT HUP; do
    rm -f go go.held
    UFMSWEEP_TEST_HOLD=output:go "$BIN" $cmd >/dev/null 2>&1 &
    job=$!
    held_at go $job || { guard_ok=0; echo "  $cmd was not held"; }
    kill -$sig $job
    wait $job
    rc=$?
    if [ $rc -ne $((128 + $(kill -l $sig))) ] || ! no_temp_left . || [ -e g.csv ] || [ -e g.h5 ] || [ -e gm.h5 ]; then
      guard_ok=0
      echo "  SIG$sig to $cmd: rc=$rc $(ls ./*.tmp-* 2>/dev/null)"
    fi
  done
done
[ $guard_ok -eq 1 ] && ok "SIGTERM, SIGINT or SIGHUP to export, compact or merge leaves no temporary file" ||
  bad "a signalled export, compact or merge left its temporary file"

# 16. compact refuses a store a run is writing (a copy in flight would hold part of a batch)
rm -f go go.held
UFMSWEEP_TEST_HOLD=4:go "$BIN" run "$SPECS/small.yaml" --store inflight.h5 >/dev/null 2>&1 &
job=$!
held_at go $job || bad "compact of a live store: the run was not held"
err=$("$BIN" compact inflight.h5 -o inflight-c.h5 2>&1); rc=$?
touch go
wait $job
[ $rc -eq 1 ] && [[ "$err" == *"a writer has it open"* ]] && [ ! -e inflight-c.h5 ] && no_temp_left . &&
  "$BIN" compact inflight.h5 -o inflight-c.h5 >/dev/null 2>&1 &&
  ok "compact refuses a store a run writes, and compacts it once the run has ended" ||
  bad "compact of a live store: rc=$rc $err"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
