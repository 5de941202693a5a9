#!/bin/bash
# Resource faults: a store on a full file system stops the run with exit 1 naming the store and
# the cause, after every finished point reached the journal; moved to a roomy disk, --resume
# completes it equal to an uninterrupted run. Needs root to mount a small tmpfs; exits 77
# (CTest: skipped) where mounting is not allowed.
set -u
BIN=${UFMSWEEP:?}
SPEC=${UFMSWEEP_SOURCE_DIR:?}/tests/specs/small.yaml
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
rm -rf faultwork && mkdir -p faultwork/tiny && cd faultwork || exit 1
if ! mount -t tmpfs -o size=300k tmpfs tiny 2>/dev/null; then
  echo "cannot mount a tmpfs here (not root?): skipped"
  exit 77
fi
trap 'umount "$PWD/tiny" 2>/dev/null' EXIT
"$BIN" run "$SPEC" --store ref.h5 >/dev/null 2>&1 || bad "reference run"
err=$("$BIN" run "$SPEC" --store tiny/full.h5 2>&1 >/dev/null)
rc=$?
if [ $rc -ne 0 ] && [[ "$err" == *"tiny/full.h5:"* ]] && [[ "$err" == *"disk full"* || "$err" == *"No space"* ]]; then
  ok "full disk: exit $rc naming the store and the cause"
else
  bad "full disk: rc=$rc: $err"
fi
mkdir -p roomy
cp tiny/full.h5 tiny/full.h5.journal roomy/ 2>/dev/null
"$BIN" run "$SPEC" --store roomy/full.h5 --resume >/dev/null 2>resume.err
rc=$?
same=1
for g in results theory traces; do h5diff -q ref.h5 roomy/full.h5 /$g /$g >/dev/null 2>&1 || same=0; done
if [ $rc -eq 0 ] && [ $same -eq 1 ] && "$BIN" verify roomy/full.h5 >/dev/null; then
  ok "moved to a roomy disk, --resume completes it equal to an uninterrupted run"
else
  bad "resume after full disk: rc=$rc $(tail -3 resume.err)"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
