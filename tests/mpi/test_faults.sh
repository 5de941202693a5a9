#!/bin/bash
# Resource faults: a read-only store is refused for resume but still read; an axis of 5000
# values runs; a store on a full file system stops the run with exit 1 naming the store and the
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

# an unreadable (truncated) store with its journal: resume rebuilds it from the journal and keeps
# the damaged file aside
"$BIN" run "$SPEC" --store ref2.h5 >/dev/null 2>&1
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
