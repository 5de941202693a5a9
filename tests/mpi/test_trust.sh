#!/bin/bash
# Trust: a store holds exactly what its spec and command line say, under combinations of
# features. Each check pins a defect of ufmsweep 0.3.0 that no single-feature test saw:
#  1. overrides reach every rank: 3 ranks with overrides (an option, an axis, a block's axis)
#     give bitwise the store of the same edit written in the file on 1 rank;
#  2. a run whose points failed exits 4 (not 0), says so on its last line, also on --resume;
#  3. --reuse refuses a source whose spec was edited, whose data fail their checksums, or whose
#     points are of another numerics version, naming the file;
#  4. a store or journal deleted or replaced during the run stops it with a non-zero exit and a
#     message saying so, never "done";
#  5. theory and solve --spec --point agree with the store bit for bit whatever
#     OPENBLAS_NUM_THREADS says;
#  8. resume by meaning: defaults written out, an option the solver does not read, the keys of
#     a zip in another order continue the same store; the numerics version is refused on resume.
set -u
BIN=${UFMSWEEP:?}
MPIRUN=${MPIEXEC:-mpirun}
SRC=${UFMSWEEP_SOURCE_DIR:?}
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
. "$SRC/tests/lib.sh"
rm -rf work && mkdir work && cd work || exit 1
export OPENBLAS_NUM_THREADS=1
same_state() { # A B: /status/state equal
  h5diff -q "$1" "$2" /status/state /status/state >/dev/null 2>&1
}

# 1. overrides on 3 ranks (rank 0 only schedules: every point computed by a worker)
cat >o.yaml <<'EOF'
name: overrides
store: o.h5
fixed: {k: 4, rho: 0.5, n_min: 2, d: 5, opt: gd, lr: 0.5, iters: 60, trace_points: 4}
grids:
  - {loss: [ce], R: [1, 4]}
  - {loss: [cdt], R: [1, 4], gamma: [0.5]}
EOF
cat >o-edit.yaml <<'EOF'
name: overrides
store: o.h5
fixed: {k: 4, rho: 0.5, n_min: 2, d: 5, opt: gd, lr: 0.5, iters: 20, trace_points: 4}
grids:
  - {loss: [ce], R: [1, 4], seed: [0, 1, 2]}
  - {loss: [cdt], R: [1, 4], gamma: [0.5, 1]}
EOF
"$MPIRUN" -n 3 "$BIN" run o.yaml iters=20 'grids.0.seed=[0, 1, 2]' 'grids.1.gamma=[0.5, 1]' \
  --store o3.h5 >o3.out 2>&1 || bad "overrides on 3 ranks: $(tail -3 o3.out)"
"$BIN" run o-edit.yaml --store oe.h5 >oe.out 2>&1 || bad "edited file on 1 rank: $(tail -3 oe.out)"
same_data o3.h5 oe.h5 && same_state o3.h5 oe.h5 &&
  ok "overrides on 3 ranks give bitwise the store of the edited file on 1 rank" ||
  bad "overrides on 3 ranks differ from the edited file"
"$MPIRUN" -n 3 "$BIN" run o.yaml 'iters=20' --store o3b.h5 >o3b.out 2>&1
"$BIN" run o.yaml iters=20 --store o1b.h5 >o1b.out 2>&1
same_data o3b.h5 o1b.h5 && ok "an option override: 3 ranks equal 1 rank" || bad "option override: 3 ranks differ"
"$PY" - <<'PY' && ok "the override is what was computed (iters=20 in the trace, not the file's 60)" || bad "override not applied"
import h5py, numpy as np
f = h5py.File("o3b.h5", "r")
assert list(f["coords/trace_iter"][()])[-1] == 20, f["coords/trace_iter"][()]
PY

# 2. failed points: exit 4, on 1 and 3 ranks, and again on --resume of such a store
cat >f.yaml <<'EOF'
store: f.h5
fixed: {k: 4, n_min: 2, d: 5, opt: gd, iters: 50}
grid:
  R: [1, 4]
  lr: [0.5, 1e300]
EOF
for n in 1 3; do
  if [ $n -eq 1 ]; then "$BIN" run f.yaml --store f$n.h5 >f$n.out 2>&1; rc=$?
  else "$MPIRUN" -n $n "$BIN" run f.yaml --store f$n.h5 >f$n.out 2>&1; rc=$?; fi
  last=$(grep '^\[ufmsweep\]\|^ufmsweep' f$n.out | tail -1)  # its own last line (mpirun adds its report after it)
  [ $rc -eq 4 ] && [[ "$last" == *"finished with 2 failed points of 4"*"status f$n.h5 --failed"* ]] &&
    ok "$n rank(s): failed points exit 4 and the last line says so" || bad "$n ranks failed points: rc $rc, $last"
done
"$BIN" run f.yaml --store f1.h5 --resume >fr.out 2>&1; rc=$?
[ $rc -eq 4 ] && ok "--resume of a store with failed points exits 4 too" || bad "resume with failed points: rc $rc"
"$BIN" run f.yaml --store f1.h5 'grid.lr=[0.5]' --restart >fo.out 2>&1; rc=$?
[ $rc -eq 0 ] && ok "the same study without the diverging points exits 0" || bad "no failures: rc $rc $(tail -2 fo.out)"
requeues_on() { # SCRIPT: the exit codes under whose test a `scontrol requeue` stands
  awk '/"\$rc" -eq [0-9]/ { match($0, /-eq [0-9]+/); c = substr($0, RSTART + 4, RLENGTH - 4) }
       /^[^#]*scontrol requeue/ { print c }' "$1" | sort -u | tr '\n' ' '
}
[ "$(requeues_on "$SRC/jobs/slurm/sweep.sbatch")" = "3 " ] && [ "$(requeues_on "$SRC/jobs/slurm/array.sbatch")" = "3 " ] &&
  ok "the job scripts requeue on exit 3 only (not on 4)" || bad "requeue rule: $(requeues_on "$SRC/jobs/slurm/sweep.sbatch")"

# 3. --reuse verifies its sources
cat >r20.yaml <<'EOF'
store: r20.h5
fixed: {k: 4, n_min: 2, d: 5, opt: gd, lr: 0.5, iters: 20}
grid:
  R: [1, 4]
  seed: [0, 1]
EOF
sed 's/iters: 20/iters: 50/; s/r20.h5/r50.h5/' r20.yaml >r50.yaml
"$BIN" run r20.yaml >r20.out 2>&1 || bad "r20 run"
cp r20.h5 edited.h5
"$PY" - <<'PY' || bad "editing the spec text"
import h5py, numpy as np
f = h5py.File("edited.h5", "r+")
d = f["provenance/spec"]
t = d[()]
t2 = t.replace(b"iters: 20", b"iters: 50").replace(b"r20.h5", b"r50.h5")
assert len(t2) == len(t) and t2 != t
d[()] = t2
PY
cp r20.h5 before.h5
out=$("$BIN" run r50.yaml --reuse edited.h5 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"edited.h5: /provenance/spec was changed"* ]] && [ ! -e r50.h5 ] &&
  ok "--reuse refuses a store whose spec text was edited, naming it, before any work" ||
  bad "--reuse of an edited store: rc $rc: $out"
# the attacker also fixes spec_sha256: the grid hash still says another study
"$PY" - <<'PY' || bad "editing the hash"
import h5py, hashlib
f = h5py.File("edited.h5", "r+")
f.attrs.modify("spec_sha256", hashlib.sha256(f["provenance/spec"][()]).hexdigest().encode())
PY
out=$("$BIN" run r50.yaml --reuse edited.h5 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"means another study"* ]] && [ ! -e r50.h5 ] &&
  ok "--reuse refuses a store whose spec and spec_sha256 were edited (grid hash)" || bad "edited hash: rc $rc: $out"
# a bit flipped in a data chunk: the checksum fails
cp r20.h5 flipped.h5
"$PY" - <<'PY' || bad "flipping a bit"
import h5py
f = h5py.File("flipped.h5", "r")
ds = f["results/w_norm_ratio"]
info = ds.id.get_chunk_info(0)
f.close()
with open("flipped.h5", "r+b") as g:
    g.seek(info.byte_offset + 3)
    b = g.read(1)
    g.seek(info.byte_offset + 3)
    g.write(bytes([b[0] ^ 0x10]))
PY
out=$("$BIN" run r20.yaml --store r20b.h5 --reuse flipped.h5 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"flipped.h5: its finished points cannot be read back intact"* ]] && [ ! -e r20b.h5 ] &&
  ok "--reuse refuses a store whose data fail their checksum" || bad "flipped chunk: rc $rc: $out"
# another numerics version (a store of ufmsweep 0.1 says 0; a future one says 2)
cp r20.h5 oldnum.h5
"$PY" -c 'import h5py; f = h5py.File("oldnum.h5", "r+"); f.attrs["numerics_version"] = 0'
out=$("$BIN" run r20.yaml --store r20c.h5 --reuse oldnum.h5 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"oldnum.h5: its points were computed by ufmsweep"*"numerics version 0"* ]] &&
  ok "--reuse refuses points of another numerics version" || bad "numerics reuse: rc $rc: $out"
out=$("$BIN" run r20.yaml --store oldnum.h5 --resume 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"numerics version 0"*"--restart"* ]] && ok "--resume refuses a store of another numerics version" ||
  bad "numerics resume: rc $rc: $out"
"$BIN" merge mixed.h5 oldnum.h5 r20.h5 >mx.out 2>&1; rc=$?
[ $rc -ne 0 ] && [ ! -e mixed.h5 ] && grep -q "numerics version" mx.out && ok "merge refuses stores of two numerics versions" ||
  bad "merge of numerics versions: rc $rc $(cat mx.out)"
"$BIN" run r50.yaml --reuse r20.h5 >good.out 2>&1; rc=$?
"$BIN" run r50.yaml --store r50-fresh.h5 >fresh.out 2>&1
[ $rc -eq 0 ] && same_data r50.h5 r50-fresh.h5 && ok "--reuse of an intact store of other iters copies nothing wrong" ||
  bad "--reuse intact: rc $rc"
cmp -s r20.h5 before.h5 && ok "the sources are untouched" || bad "a source changed"

# 4. the store or the journal deleted or replaced during the run (held at a known state)
cat >d.yaml <<'EOF'
store: d.h5
fixed: {k: 4, n_min: 2, d: 5, opt: gd, lr: 0.5, iters: 30}
grid:
  R: [1, 2, 3, 4, 5, 6]
  seed: [0, 1]
EOF
for victim in store journal replaced; do
  rm -f d.h5 d.h5.journal go go.held
  UFMSWEEP_TEST_HOLD=3:go "$BIN" run d.yaml >d.out 2>&1 &
  pid=$!
  if held_at go $pid; then
    case $victim in
      store) rm d.h5 ;;
      journal) rm d.h5.journal ;;
      replaced) cp d.h5 d.copy && mv d.copy d.h5 ;;
    esac
    touch go
  else
    bad "$victim: the run never reached the hold"; kill $pid
  fi
  wait $pid; rc=$?
  out=$(cat d.out)
  case $victim in
    store) want="the store was deleted or moved away while this run wrote it" ;;
    journal) want="the journal was deleted or moved away while this run wrote it" ;;
    replaced) want="another file replaced the store while this run wrote it" ;;
  esac
  [ $rc -ne 0 ] && [[ "$out" == *"$want"* ]] && [[ "$out" != *"done: d.h5"* ]] &&
    ok "$victim deleted or replaced during the run: exit $rc, says so" || bad "$victim gone: rc $rc: $(tail -4 d.out)"
done
# after the store went: --resume rebuilds it from the journal and completes it
rm -f d.h5 d.h5.journal go go.held d.h5.lock
UFMSWEEP_TEST_HOLD=3:go "$BIN" run d.yaml >d.out 2>&1 &
pid=$!
held_at go $pid && rm d.h5 && touch go
wait $pid
"$BIN" run d.yaml --resume >dr.out 2>&1; rc=$?
"$BIN" run d.yaml --store d-full.h5 >df.out 2>&1
[ $rc -eq 0 ] && same_data d.h5 d-full.h5 && ok "--resume after the store was deleted rebuilds it from the journal, equal to a plain run" ||
  bad "resume after deletion: rc $rc $(tail -3 dr.out)"

# 5. BLAS threads: theory and solve --point equal the store whatever the environment says
a=$(OPENBLAS_NUM_THREADS=1 "$BIN" theory --k 10 --R 1e7 --loss ldt --gamma 1.5 --json)
b=$(OPENBLAS_NUM_THREADS=2 "$BIN" theory --k 10 --R 1e7 --loss ldt --gamma 1.5 --json)
c=$(OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 "$BIN" theory --k 10 --R 10 --loss cdt --rho 0.3 --gamma 1 --json)
d=$("$BIN" theory --k 10 --R 10 --loss cdt --rho 0.3 --gamma 1 --json)
strip() { sed 's/"wall_s": [^,}]*//'; }
[ "$(echo "$a" | strip)" = "$(echo "$b" | strip)" ] && [ "$(echo "$c" | strip)" = "$(echo "$d" | strip)" ] &&
  ok "theory is bitwise the same with 1 and 2 BLAS threads" || bad "theory depends on the BLAS thread count"
cat >t.yaml <<'EOF'
store: t.h5
fixed: {k: 10, loss: ldt, solver: none}
grid:
  R: [10, 1e7]
  gamma: [1, 1.5]
EOF
"$BIN" run t.yaml >t.out 2>&1 || bad "theory sweep"
OPENBLAS_NUM_THREADS=2 "$BIN" solve --spec t.yaml --point 'R=1e7,gamma=1.5' --json >tp.json 2>&1
"$PY" - <<'PY' && ok "solve --spec --point with 2 BLAS threads equals the store's /theory bitwise" || bad "solve --point vs store with 2 threads"
import h5py, json
f = h5py.File("t.h5", "r")
j = json.load(open("tp.json"))
R = list(f["coords/R"][()]); g = list(f["coords/gamma"][()])
i = (R.index(1e7), g.index(1.5))
for k in ("h_cos_minmin", "h_norm_ratio", "w_norm_ratio", "w_cos_majmin"):
    v = f["theory/" + k][i]
    w = j["theory"][k] if isinstance(j.get("theory"), dict) else j[k]
    assert (v != v and w is None) or v == w, (k, v, w)
PY

# 8. resume by meaning
cat >m.yaml <<'EOF'
store: m.h5
fixed: {k: 4, n_min: 2, d: 5, opt: gd, lr: 0.5, iters: 30}
grid:
  zip: {R: [1, 2, 4], gamma: [0, 0.5, 1]}
  loss: [cdt]
  seed: [0, 1]
EOF
cat >m2.yaml <<'EOF'
store: m.h5
fixed: {k: 4, n_min: 2, d: 5, opt: gd, lr: 0.5, iters: 30, momentum: 0.5, bias: off,
        init: torch, solver: ufm, tau: 3, profile: step}
grid:
  zip: {gamma: [0, 0.5, 1], R: [1, 2, 4]}
  loss: [cdt]
  seed: [0, 1]
EOF
rm -f go go.held
UFMSWEEP_TEST_HOLD=4:go "$BIN" run m.yaml >m.out 2>&1 &
pid=$!
if held_at go $pid; then kill -USR1 $pid; touch go; fi
wait $pid; rc1=$?
"$BIN" run m2.yaml --resume >m2.out 2>&1; rc2=$?
"$BIN" run m.yaml --store m-full.h5 >mf.out 2>&1
[ $rc1 -eq 3 ] && [ $rc2 -eq 0 ] && same_data m.h5 m-full.h5 &&
  ok "--resume by meaning: zip keys reordered, defaults written, unread momentum and tau" ||
  bad "resume by meaning: rc $rc1 $rc2 $(tail -2 m2.out)"
out=$("$BIN" run m.yaml --check 2>&1) ; h1=$("$PY" -c 'import h5py; print(h5py.File("m.h5","r").attrs["grid_sha256"].decode())')
sed 's/iters: 30/iters: 31/' m2.yaml >m3.yaml
out=$("$BIN" run m3.yaml --resume 2>&1); rc=$?
[ $rc -ne 0 ] && [[ "$out" == *"another"* || "$out" == *"differ"* ]] && ok "an option the solver reads still refuses the resume" ||
  bad "iters changed was accepted: rc $rc $out"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
