#!/bin/bash
# Real networks next to the UFM: `ufmsweep measure` on a file holding an exact SELI (and CDT)
# factorization equals `theory` to 1e-9, with the examples in any order; bad files get an error
# naming the dataset and the value; a sweep of `solver: external` (tests/mpi/fake_train.py
# writes the predicted geometry) records measured points, a failing command and one past its
# time limit as failed points with their messages, keeps every command's output; a sweep
# stopped while commands run kills them (no process left), leaves their points pending, and
# --resume completes it equal to an uninterrupted run.
set -u
BIN=${UFMSWEEP:?}
MPIRUN=${MPIEXEC:-mpirun}
SRC=${UFMSWEEP_SOURCE_DIR:?}
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
. "$SRC/tests/lib.sh"
rm -rf work && mkdir work && cd work || exit 1
pass=0
fail=0
FAKE="$SRC/tests/mpi/fake_train.py"


# 1. measure on exact factorizations equals theory
compare_measure() { # NAME THEORY-ARGS... -- MEASURE-ARGS...
  local name=$1; shift
  "$PY" - "$BIN" "$@" <<'PY'
import json, subprocess, sys
bin_ = sys.argv[1]
args = sys.argv[2:]
cut = args.index("--")
targs, margs = args[:cut], args[cut + 1:]
th = json.loads(subprocess.run([bin_, "theory", *targs, "--json"], check=True, capture_output=True, text=True).stdout)
me = json.loads(subprocess.run([bin_, "measure", "net.h5", *margs, "--json"], check=True, capture_output=True, text=True).stdout)
bad = []
for k in ("w_norm_ratio", "h_norm_ratio", "w_cos_majmaj", "w_cos_minmin", "w_cos_majmin",
          "h_cos_majmaj", "h_cos_minmin", "h_cos_majmin", "wh_cos_maj", "wh_cos_min", "margin"):
    a, b = th.get(k), me.get(k)
    if (a is None) != (b is None) or (a is not None and abs(a - b) > 1e-9 * max(1, abs(a))):
        bad.append(f"{k}: theory {a} measure {b}")
    c = me["theory"].get(k)
    if (a is None) != (c is None) or (a is not None and abs(a - c) > 1e-12 * max(1, abs(a))):
        bad.append(f"{k}: the prediction measure reports {c}, theory {a}")
for k in ("dist_gw", "dist_gh", "dist_z", "nc1"):
    if not (me[k] is not None and me[k] <= 1e-9):
        bad.append(f"{k} = {me[k]}")
if me["train_acc"] != 1.0:
    bad.append(f"train_acc {me['train_acc']}")
assert not bad, bad
PY
}
"$PY" "$FAKE" --bin "$BIN" --k 4 --d 3 --R 5 --n-min 2 --loss ce --out net.h5 >/dev/null &&
  compare_measure seli --k 4 --R 5 --n-min 2 -- && ok "measure of an exact SELI factorization equals theory to 1e-9 (counts from the labels)" ||
  bad "measure SELI"
compare_measure seli-step --k 4 --R 5 --n-min 2 -- --profile step --k 4 --rho 0.5 --R 5 --n-min 2 &&
  ok "the same with the STEP profile given (checked against the labels)" || bad "measure SELI with STEP options"
# CDT on STEP with rho = 1/3: no closed form, the certified convex reference (with factors)
"$PY" "$FAKE" --bin "$BIN" --k 6 --d 6 --R 4 --n-min 3 --rho 0.3333333333333333 --loss cdt --gamma 0.5 --out net.h5 >/dev/null &&
  compare_measure cdt --k 6 --R 4 --n-min 3 --rho 0.3333333333333333 --loss cdt --gamma 0.5 -- --loss cdt --gamma 0.5 &&
  ok "measure of an exact CDT factorization equals theory (certified convex reference)" || bad "measure CDT"
out=$("$BIN" measure net.h5 --loss cdt --gamma 0.5 2>&1); rc=$?
[ $rc -eq 0 ] && [[ "$out" == *"a network of k = 6 classes, d = 6, n = 54 examples"* ]] &&
  [[ "$out" == *"the prediction (convex):"* ]] && ok "measure's tables: the network and the prediction" || bad "measure text: $out"
out=$("$BIN" measure net.h5 --loss cdt --gamma 0.5 --d 8 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"--d 8, but W in net.h5 is 6 x 6 (d = 6)"* ]] && ok "measure refuses a --d that is not W's" || bad "measure --d: $out"
out=$("$BIN" measure net.h5 --loss cdt --gamma 0.5 --k 6 --R 10 --n-min 3 --rho 0.3333333333333333 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"labels: class 0 has 12 examples, the point's profile 30"* ]] && ok "a profile that disagrees with the labels is refused" || bad "profile mismatch: $out"

# 2. bad files, each named with its dataset and value
"$PY" - <<'PY'
import h5py, numpy as np
src = h5py.File("net.h5", "r")
W, H, y = src["W"][()], src["H"][()], src["labels"][()]
def write(name, **d):
    with h5py.File(name, "w") as f:
        for k, v in d.items():
            f[k] = v
write("noW.h5", H=H, labels=y)
write("shape.h5", W=W, H=H[:, :-1], labels=y)
write("nlab.h5", W=W, H=H, labels=y[:-1])
yy = y.copy(); yy[7] = 9
write("range.h5", W=W, H=H, labels=yy)
HH = H.copy(); HH[3, 2] = np.nan
write("nan.h5", W=W, H=HH, labels=y)
write("float.h5", W=W, H=H, labels=y.astype(float))
yy = y.copy(); yy[yy == 2] = 1
write("empty.h5", W=W, H=H, labels=yy)
write("bias.h5", W=W, H=H, labels=y, b=np.zeros(3))
open("text.h5", "w").write("not hdf5\n")
write("intW.h5", W=W.astype(np.int32), H=H, labels=y)
yy = y.astype(np.uint64); yy[5] = 2**63 + 5
write("u64.h5", W=W, H=H, labels=yy)
with h5py.File("loop.h5", "w") as f:  # a link to itself
    f["W"] = h5py.SoftLink("/W")
    f["H"], f["labels"] = H, y
with h5py.File("huge.h5", "w") as f:  # 2 KB that declare 1.6 GB: never allocated
    f["W"] = W
    f.create_dataset("H", shape=(50000000, W.shape[1]), dtype="f8")
    f.create_dataset("labels", shape=(50000000,), dtype="i8")
PY
check_bad() { # FILE EXPECTED...
  local f=$1; shift
  out=$("$BIN" measure "$f" --loss cdt --gamma 0.5 2>&1); rc=$?
  local e
  for e in "$@"; do [[ "$out" == *"$e"* ]] || { bad "bad file $f: $out"; return; }; done
  [ $rc -eq 1 ] && ok "bad file $f: $*" || bad "bad file $f: exit $rc"
}
check_bad noW.h5 "noW.h5: no dataset 'W'"
check_bad shape.h5 "H is 54 x 5 but W is 6 x 6"
check_bad nlab.h5 "labels has 53 entries but H has 54 rows"
check_bad range.h5 "labels[7] = 9 is not a class of W (0..5)"
check_bad nan.h5 "H[3, 2] = nan (not finite)"
check_bad float.h5 "labels must be a 1-D integer dataset"
check_bad empty.h5 "class 2 has no example in labels"
check_bad bias.h5 "b must be a 1-D float dataset of k = 6 values"
check_bad text.h5 "text.h5: not an HDF5 file"
check_bad intW.h5 "W must be a 2-D float dataset (it is a 2-D dataset of integers)"
check_bad huge.h5 "huge.h5: H declares 300000000 values" "not written, or truncated"
check_bad u64.h5 "labels[5] = 9223372036854775813 is not a class of W (0..5)"
check_bad loop.h5 "loop.h5: no dataset 'W'"
[[ "$out" != *"HDF5-DIAG"* ]] && ok "no HDF5 error stack before measure's message" || bad "HDF5 stack: $out"
check_bad missing.h5 "missing.h5: no such file"

# 3. a sweep of an external command: measured points, a failure, a time limit
cat >ext.yaml <<EOF
name: external test
store: ext.h5
fixed:
  k: 4
  d: 4
  n_min: 2
  solver: external
  external_timeout: 3
  command: $PY $FAKE --bin '$BIN' --k {k} --d {d} --R {R} --n-min {n_min} --loss {loss} --gamma {gamma} --seed {seed} --out {out}
grids:
  - {R: [1, 5], loss: [ce, ldt], gamma: [0.5], seed: [0]}
  - {R: [5], loss: [ce], gamma: [0.5], seed: [1, 2, 4]}
EOF
"$MPIRUN" -n 3 "$BIN" run ext.yaml >ext.out 2>&1
rc=$?  # three commands fail: exit 4, said on the last line
[ $rc -eq $EXIT_POINTS_FAILED ] && grep -q "finished with 3 failed points of 7" ext.out || bad "external sweep: rc $rc $(tail -3 ext.out)"
"$BIN" status ext.h5 --json --failed >ext.json
c="$(jget ext.json done) $(jget ext.json failed)"
[ "$c" = "4 3" ] && ok "external sweep: 4 points measured, 3 failed" || bad "external counts: $c"
"$PY" - <<'PY' && ok "measured points equal the prediction; failures carry the command's message" || bad "external store content"
import h5py, json, numpy as np
f = h5py.File("ext.h5", "r")
st = f["status/state"][()]
done = st == 1
for k in ("w_norm_ratio", "h_norm_ratio", "w_cos_majmin"):
    r, t = f["results/" + k][()][done], f["theory/" + k][()][done]
    assert np.allclose(r, t, rtol=1e-9, atol=1e-12), (k, r, t)
assert (f["results/dist_gw"][()][done] < 1e-9).all()
msg = {int(x["params"]["seed"]): x["message"] for x in json.load(open("ext.json"))["failed_points"]}
assert "exit 1: fake_train.py: CUDA out of memory (pretend)" in msg[1], msg
assert "\x1b" not in msg[1] and "\x07" not in msg[1] and "?[2J" in msg[1], msg  # escapes neutralized
assert "timed out after 3 s" in msg[2], msg
assert "labels[" in msg[4] and "is not a class of W" in msg[4], msg
PY
"$BIN" status ext.h5 --failed >ext-failed.txt 2>&1
"$BIN" export ext.h5 --format csv -o ext.csv >/dev/null 2>&1
grep -q "CUDA out of memory" ext-failed.txt && grep -q "CUDA out of memory" ext.csv &&
  ! grep -q $'\x1b' ext-failed.txt ext.csv && ! grep -q $'\x07' ext-failed.txt ext.csv &&
  ok "a command's terminal escapes never reach status --failed or the CSV" ||
  bad "escapes: $(cat -v ext-failed.txt | grep CUDA)"
n_logs=$(ls ext.h5.external/points/*/command.err 2>/dev/null | wc -l)
grep -q "UFMSWEEP_POINT=0 UFMSWEEP_SEED=0 UFMSWEEP_OUT=.*/p0-.*/network.h5 UFMSWEEP_RANK=[12]" ext.h5.external/points/p0-*/command.out &&
  ok "the command's environment names its point, seed, file and rank" || bad "environment: $(cat ext.h5.external/points/p0-*/command.out)"
grep -q "CUDA out of memory" ext.h5.external/points/p*/command.err && [ "$n_logs" -eq 7 ] &&
  ok "every command's stdout and stderr kept in ext.h5.external/points/ ($n_logs)" || bad "logs: $n_logs"
# a killed process group may take a moment to be reaped: wait for that, not for a fixed time
for i in $(seq 1 200); do pgrep -f "$FAKE" >/dev/null || break; sleep 0.05; done
pgrep -f "$FAKE" >/dev/null && bad "a command outlived its time limit: $(pgrep -af "$FAKE")" || ok "the command past its time limit was killed"
"$BIN" verify ext.h5 >/dev/null 2>&1 && ok "verify accepts the external store" || bad "verify: $("$BIN" verify ext.h5 2>&1)"

# 4. stopped while commands run, then resumed
sed -e 's/ext.h5/slow.h5/' -e '/^grids:/,$d' ext.yaml >slow.yaml
printf 'grid:\n  R: [1, 2, 3, 4, 5]\n  loss: [ce]\n  seed: [3]\n' >>slow.yaml
"$BIN" run slow.yaml --store slow-full.h5 >/dev/null 2>&1 || bad "slow reference run"
rm -f go go.held
UFMSWEEP_TEST_HOLD=1:go "$MPIRUN" -n 2 "$BIN" run slow.yaml >slow.out 2>&1 &
pid=$!
held_at go $pid || bad "stop: the run was not held after its first point"
stop_sweep $pid "run slow.yaml"
touch go
wait $pid; rc=$?
for i in $(seq 1 200); do pgrep -f "$FAKE" >/dev/null || break; sleep 0.05; done
left=$(pgrep -f "$FAKE" | wc -l)
"$BIN" status slow.h5 --json >slow.json
p=$(jget slow.json pending)
[ $rc -eq 3 ] && [ "$left" -eq 0 ] && [ "$p" -ge 1 ] && ok "a stop kills the running command (exit 3, $p pending, no process left)" ||
  bad "stop: rc=$rc left=$left pending=$p $(tail -2 slow.out)"
"$MPIRUN" -n 2 "$BIN" run slow.yaml --resume >resume.out 2>&1 && same_data slow.h5 slow-full.h5 &&
  ok "--resume completes the external sweep equal to an uninterrupted run" || bad "resume: $(tail -3 resume.out)"

# 5. what the command line refuses before any work
out=$("$BIN" run ext.yaml fixed.command="python3 x.py --out out.h5" --store c.h5 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"no {out}"* ]] && [ ! -e c.h5 ] && ok "a command without {out} refused" || bad "no out: $out"
out=$("$BIN" run ext.yaml fixed.command="python3 x.py {lossy} {out}" --store c.h5 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"unknown placeholder {lossy}"* ]] && ok "an unknown placeholder refused" || bad "placeholder: $out"
out=$("$BIN" run ext.yaml fixed.external_timeout=0 --store c.h5 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"external-timeout"* ]] && ok "a zero time limit refused" || bad "timeout 0: $out"

# 6. what a command leaves: a daemon it started outside its process group (setsid, SIGTERM
# ignored) does not outlive the point; logs above 8 MiB keep their head and tail; a planted
# symbolic link as STORE.external is refused before anything is written
cat >leave.sh <<'SH'
#!/bin/sh
setsid sh -c 'trap "" TERM; exec sleep 987654' </dev/null >/dev/null 2>&1 &
head -c 20000000 /dev/zero | tr '\0' a
echo
echo the end
touch "$1"
SH
cat >leave.yaml <<YAML
name: a command that leaves a daemon and prints a lot
fixed: {k: 4, d: 4, n_min: 2, solver: external, command: "sh $PWD/leave.sh {out}"}
grid:
  R: [1]
YAML
"$BIN" run leave.yaml --store leave.h5 >leave.out 2>&1
log=$(ls leave.h5.external/points/*/command.out 2>/dev/null | head -1)
size=$(stat -c %s "$log" 2>/dev/null || echo 0)
if pgrep -f "sleep 987654" >/dev/null; then
  pkill -9 -f "sleep 987654"
  bad "a daemon started by the command outlived the run"
elif [ "$size" -gt 0 ] && [ "$size" -lt 3000000 ] && tail -c 20 "$log" | grep -q "the end" &&
     grep -q "bytes of this log left out here" "$log"; then
  ok "no process of a command outlives its point; a 20 MB log keeps its head and tail ($size bytes)"
else
  bad "command leftovers: log $log of $size bytes $(tail -2 leave.out)"
fi
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then # a directory of another user
  mkdir -p theirs.h5.external && chown nobody theirs.h5.external
  out=$("$BIN" run ext.yaml --store theirs.h5 2>&1); rc=$?
  [ $rc -eq 1 ] && [[ "$out" == *"theirs.h5.external: not a directory of this user (owned by another user)"* ]] &&
    [ ! -e theirs.h5 ] || bad "another user's STORE.external: rc=$rc $out"
fi
mkdir -p elsewhere && ln -sfn "$PWD/elsewhere" planted.h5.external
out=$("$BIN" run ext.yaml --store planted.h5 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"planted.h5.external: not a directory of this user (a symbolic link)"* ]] &&
  [ ! -e planted.h5 ] && [ -z "$(ls -A elsewhere)" ] &&
  ok "a symbolic link planted as STORE.external is refused before anything is written" ||
  bad "planted link: rc=$rc $(ls -A elsewhere) $out"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
