#!/bin/bash
# Resource faults: a read-only store is refused for resume but still read; an axis of 5000
# values runs; the journal is bounded (checkpointed), and a kill at its checkpoint or after it
# loses nothing; a store on a full file system stops the run with exit 1 naming the store and the
# cause, after every finished point reached the journal; moved to a roomy disk, --resume
# completes it equal to an uninterrupted run. The full-disk part needs root to mount a small
# tmpfs; the script exits 77 (CTest: skipped) where mounting is not allowed.
set -u
BIN=${UFMSWEEP:?}
SPEC=${UFMSWEEP_SOURCE_DIR:?}/tests/specs/small.yaml
. "${UFMSWEEP_SOURCE_DIR:?}/tests/lib.sh"
rm -rf faultwork && mkdir -p faultwork/tiny && cd faultwork || exit 1

# read-only store
"$BIN" run "$SPEC" --store ro.h5 >/dev/null 2>&1
chmod a-w ro.h5
cp ro.h5 ro.copy
err=$("$BIN" run "$SPEC" --store ro.h5 --resume 2>&1)
rc=$?
if [ $rc -eq 1 ] && [[ "$err" == *"read-only"* ]] && cmp -s ro.h5 ro.copy && [ ! -e ro.h5.damaged-* ] &&
   "$BIN" status ro.h5 >/dev/null && "$BIN" verify ro.h5 >/dev/null; then
  ok "read-only store: resume refused, store untouched, status and verify read it"
else
  bad "read-only store: rc=$rc $err"
fi
chmod u+w ro.h5

# an unreadable (truncated) store with its whole journal (--keep-journal): resume rebuilds it
# from the journal and keeps the damaged file aside
"$BIN" run "$SPEC" --store ref2.h5 --keep-journal >/dev/null 2>&1
cp ref2.h5 trunc.h5
cp ref2.h5.journal trunc.h5.journal
truncate -s 4096 trunc.h5
err=$("$BIN" run "$SPEC" --store trunc.h5 --resume 2>&1)
rc=$?
same=1
for g in results theory traces; do h5diff -q ref2.h5 trunc.h5 /$g /$g >/dev/null 2>&1 || same=0; done
if [ $rc -eq $EXIT_POINTS_FAILED ] && [ $same -eq 1 ] && ls trunc.h5.damaged-* >/dev/null 2>&1 && [[ "$err" == *"rebuilt the store from the journal: 48 points"* ]] &&
   ! ls ./*.tmp-?????? >/dev/null 2>&1; then
  ok "truncated store: rebuilt from its journal, the damaged file kept aside"
else
  bad "truncated store: rc=$rc same=$same $err"
fi

# a directory where the store should be: refused as what it is, not as "damaged"
mkdir -p adir.h5
cp ref2.h5.journal adir.h5.journal
err=$("$BIN" run "$SPEC" --store adir.h5 --resume 2>&1)
rc=$?
if [ $rc -eq 1 ] && [[ "$err" != *"damaged"* ]] && [[ "$err" == *"adir.h5"* ]] && [ -d adir.h5 ] &&
   ! ls adir.h5.damaged-* >/dev/null 2>&1; then
  ok "a directory at the store path is refused, not called damaged ($err)"
else
  bad "directory as store: rc=$rc $err"
fi

# thousands of axis values
cat >wide.yaml <<'YAML'
name: wide axis
fixed: {k: 4, solver: none}
grid:
  gamma: {linspace: [-2, 2, 5000]}
YAML
out=$("$BIN" run wide.yaml --store wide.h5 2>&1)
rc=$?
n=$("$BIN" status wide.h5 --json 2>/dev/null | "${UFMSWEEP_PYTHON:-/usr/bin/python3}" -c 'import json,sys; print(json.load(sys.stdin)["done"])' 2>/dev/null)
if [ $rc -eq 0 ] && [ "$n" = 5000 ]; then ok "an axis of 5000 values"; else bad "wide axis: rc=$rc done=$n $out"; fi

# the bounded journal (a write-ahead log's checkpoint): a finished run leaves a few hundred bytes;
# a run held between its store sync and the journal cut, killed there (-9), resumes to the
# uninterrupted store; so does one killed after checkpoints, and one whose store is then
# truncated (the journal rebuilds what it holds, the rest is computed again)
MPIRUN=${MPIEXEC:-mpirun}
cat >many.yaml <<'YAML'
name: many theory points
fixed: {k: 4, solver: none}
grid:
  gamma: {linspace: [-2, 2, 60]}
  R: {linspace: [1, 100, 50]}
YAML
"$BIN" run many.yaml --store many.h5 >/dev/null 2>&1 || bad "3000-point reference run"
"$BIN" run many.yaml --store kept.h5 --keep-journal >/dev/null 2>&1 || bad "--keep-journal run"
js=$(stat -c %s many.h5.journal); jk=$(stat -c %s kept.h5.journal)
[ "$js" -lt 4096 ] && [ "$jk" -gt 1500000 ] && "$BIN" verify many.h5 >/dev/null 2>&1 && "$BIN" verify kept.h5 >/dev/null 2>&1 &&
  ok "a finished run leaves a journal of $js bytes (--keep-journal: $jk), both verified" ||
  bad "journal sizes: $js and $jk bytes; $("$BIN" verify many.h5 2>&1 | tail -2)"
rm -f go go.held
UFMSWEEP_TEST_HOLD=checkpoint:go "$MPIRUN" -n 2 "$BIN" run many.yaml --store mid.h5 >mid.out 2>&1 &
pid=$!
if held_at go $pid; then
  held=$(stat -c %s mid.h5.journal)
  pkill -9 -f "run many.yaml --store mid.h5"
  wait $pid 2>/dev/null
  "$MPIRUN" -n 2 "$BIN" run many.yaml --store mid.h5 --resume >midr.out 2>&1 && same_data mid.h5 many.h5 &&
    "$BIN" verify mid.h5 >/dev/null 2>&1 && [ "$held" -gt 262144 ] &&
    ok "killed mid-checkpoint (store synced, journal of $held bytes not yet cut): resumed to the same store" ||
    bad "kill mid-checkpoint: held=$held $(tail -3 midr.out)"
else
  bad "the run never reached a checkpoint"
fi
rm -f go go.held
UFMSWEEP_TEST_HOLD=2000:go "$MPIRUN" -n 2 "$BIN" run many.yaml --store late.h5 >late.out 2>&1 &
pid=$!
if held_at go $pid; then
  pkill -9 -f "run many.yaml --store late.h5"
  wait $pid 2>/dev/null
  cp late.h5 cut.h5; cp late.h5.journal cut.h5.journal
  jl=$(stat -c %s late.h5.journal)
  "$MPIRUN" -n 2 "$BIN" run many.yaml --store late.h5 --resume >later.out 2>&1 && same_data late.h5 many.h5 &&
    [ "$jl" -lt 600000 ] && ok "killed after 2000 points (journal checkpointed to $jl bytes): resumed to the same store" ||
    bad "kill after checkpoints: journal $jl bytes, $(tail -3 later.out)"
  truncate -s 4096 cut.h5
  "$BIN" run many.yaml --store cut.h5 --resume >cut.out 2>&1 && same_data cut.h5 many.h5 &&
    grep -q "rebuilt the store from the journal" cut.out &&
    ok "a truncated store with a checkpointed journal: rebuilt from it, the rest computed again, the same store" ||
    bad "truncated after checkpoints: $(tail -3 cut.out)"
else
  bad "the run was not held after 2000 points"
fi

if ! mount -t tmpfs -o size=160k tmpfs tiny 2>/dev/null; then
  echo "cannot mount a tmpfs here (not root?): skipped"
  exit 77
fi
trap 'umount "$PWD/tiny" 2>/dev/null' EXIT
"$BIN" run "$SPEC" --store ref.h5 >/dev/null 2>&1
[ $? -eq $EXIT_POINTS_FAILED ] || bad "reference run"
err=$("$BIN" run "$SPEC" --store tiny/full.h5 2>&1 >/dev/null)
rc=$?
if [ $rc -ne 0 ] && [[ "$err" == *"tiny/full.h5:"* || "$err" == *"tiny/full.h5.journal:"* ]] && [[ "$err" == *"disk full"* || "$err" == *"No space"* ]] &&
   [ ! -e tiny/full.h5.lock ]; then
  ok "full disk: exit $rc naming the store and the cause, no lock file left behind"
else
  bad "full disk: rc=$rc: $err"
fi
mkdir -p roomy
cp tiny/full.h5 tiny/full.h5.journal roomy/ 2>/dev/null
"$BIN" run "$SPEC" --store roomy/full.h5 --resume >/dev/null 2>resume.err
rc=$?
same=1
for g in results theory traces; do h5diff -q ref.h5 roomy/full.h5 /$g /$g >/dev/null 2>&1 || same=0; done
if [ $rc -eq $EXIT_POINTS_FAILED ] && [ $same -eq 1 ] && "$BIN" verify roomy/full.h5 >/dev/null; then
  ok "moved to a roomy disk, --resume completes it equal to an uninterrupted run"
else
  bad "resume after full disk: rc=$rc $(tail -3 resume.err)"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
