#!/bin/bash
# Sweeps across several SLURM nodes: a private cluster of three slurmd "nodes" (n1..n3) on this
# machine (tests/slurm/multinode_cluster.sh). jobs/slurm/sweep.sbatch with -N 3 gives the same
# store as one process; a grouped (ScaLAPACK) solve across two nodes equals the serial solve; a
# node lost mid-sweep (its slurmd and the job's processes on it killed) ends the job, and the
# requeued job resumes on the remaining nodes with every finished point kept and none computed
# twice. Needs root, slurm-wlm and munge (label slurm).
set -u
BIN=${UFMSWEEP:?}
SRC=${UFMSWEEP_SOURCE_DIR:?}
HERE=$SRC/tests/slurm
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
. "$SRC/tests/lib.sh"
WORK=$(pwd)/mnwork
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
RUNDIR=$(mktemp -d /tmp/um.XXXXXX) || exit 1 # short: the munge socket lives there
cleanup() { "$HERE/multinode_cluster.sh" stop "$RUNDIR"; rm -rf "$RUNDIR"; }
trap cleanup EXIT
"$HERE/multinode_cluster.sh" start "$RUNDIR" 3 >cluster.out 2>&1 ||
  { echo "FAIL cluster start: $(tail -3 cluster.out)"; echo "0 passed, 1 failed"; exit 1; }
export SLURM_CONF=$RUNDIR/slurm.conf
unset SLURM_JOB_ID SLURM_JOBID
job_field() { scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
wait_state() { # JOBID REGEX TIMEOUT_S
  local t=0
  while [ $t -lt "$3" ]; do
    [[ "$(job_field "$1" JobState)" =~ $2 ]] && return 0
    sleep 1
    t=$((t + 1))
  done
  echo "  job $1 state '$(job_field "$1" JobState)' after $3 s (wanted $2)"
  return 1
}
done_points() { "$BIN" status "$1" --json 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["done"])' 2>/dev/null || echo 0; }

"$BIN" run "$SRC/tests/specs/small.yaml" --store ref_small.h5 >/dev/null 2>&1
[ $? -eq $EXIT_POINTS_FAILED ] || bad "reference small"

# 1. one sweep across three nodes, one rank on each
jid=$(sbatch --parsable -N 3 --ntasks=3 --ntasks-per-node=1 --time=5 --chdir="$WORK" --output="$WORK/mn1.out" \
  --export=ALL,SPEC="$SRC/tests/specs/small.yaml",STORE="$WORK/mn1.h5",UFMSWEEP="$BIN",PROGRESS=5 \
  "$SRC/jobs/slurm/sweep.sbatch")
# small.yaml's diverging points fail: the job ends FAILED with exit code 4 (not requeued)
if wait_state "$jid" '^FAILED$' 180 && [ "$(job_field "$jid" ExitCode)" = "4:0" ] &&
   [ "$(job_field "$jid" NodeList)" = "n[1-3]" ] &&
   same_data ref_small.h5 mn1.h5 &&
   "$PY" -c 'import h5py,sys; sys.exit(0 if h5py.File("mn1.h5","r").attrs["mpi_size"] == 3 else 1)'; then
  ok "sweep.sbatch -N 3 (nodes $(job_field "$jid" NodeList), 3 ranks) equals the one-process store"
else
  bad "3-node sweep: state $(job_field "$jid" JobState) nodes $(job_field "$jid" NodeList): $(tail -5 mn1.out)"
fi

# 2. a grouped solve on a 1x2 process grid whose two ranks are on two nodes
A="--k 4 --R 3 --n-min 2 --d 6 --loss cdt --gamma 0.5 --opt sgdm --lr 0.1 --wd 5e-4 --iters 50"
"$BIN" solve $A --json >serial.json 2>serial.err || bad "serial solve"
if srun -N 2 --ntasks-per-node=1 --mpi=pmix --time=3 bash -c 'echo "$SLURMD_NODENAME" >node.$SLURM_PROCID; exec "$0" "$@"' \
     "$BIN" solve $A --json --ranks-per-solve 2 --grid 1x2 >grouped.json 2>grouped.err &&
   [ "$(cat node.0)" != "$(cat node.1)" ] && compare_solves serial.json grouped.json; then
  ok "grouped ScaLAPACK solve across nodes $(cat node.0) and $(cat node.1) equals the serial solve"
else
  bad "grouped solve across nodes: $(tail -3 grouped.err)"
fi

# 3. a node lost mid-sweep: the job ends; requeued, it resumes on the two nodes left
jid=$(sbatch --parsable -N 3 --ntasks=3 --ntasks-per-node=1 --time=10 --requeue --chdir="$WORK" \
  --output="$WORK/mn3.out" --open-mode=append \
  --export=ALL,SPEC="$SRC/tests/specs/live.yaml",STORE="$WORK/mn3.h5",UFMSWEEP="$BIN",PROGRESS=5 \
  "$SRC/jobs/slurm/sweep.sbatch")
wait_state "$jid" '^RUNNING$' 60 >/dev/null
for _ in $(seq 120); do [ "$(done_points mn3.h5)" -ge 6 ] && break; sleep 0.5; done
before=$(done_points mn3.h5)
nodes1=$(job_field "$jid" NodeList)
# n3 dies: its slurmd, and the job's processes that it started (found by SLURMD_NODENAME)
kill -KILL "$(cat "$RUNDIR/slurmd.n3.pid")" 2>/dev/null
killed=0
for e in /proc/[0-9]*/environ; do
  p=${e#/proc/}
  p=${p%/environ}
  env_of=$( { tr '\0' '\n' <"$e"; } 2>/dev/null)
  if grep -qx "SLURMD_NODENAME=n3" <<<"$env_of" && grep -qx "SLURM_JOB_ID=$jid" <<<"$env_of"; then
    kill -KILL "$p" 2>/dev/null && killed=$((killed + 1))
  fi
done
scontrol update NodeName=n3 State=DOWN Reason="lost in a test" >/dev/null 2>&1
# SLURM cancels the job for the node failure and, as it may be requeued, puts it back in the
# queue (or we requeue it once it has ended)
wait_state "$jid" '^(FAILED|NODE_FAIL|CANCELLED|PENDING|COMPLETED|TIMEOUT)$' 180 >/dev/null
ended=$(job_field "$jid" JobState)
[ "$ended" = PENDING ] || scontrol requeue "$jid" >/dev/null 2>&1
wait_state "$jid" '^PENDING$' 60 >/dev/null
# the two nodes left: what a user does with a job that asked for three
scontrol update JobId="$jid" NumNodes=2 NumTasks=2 NumCPUs=2 >update.out 2>&1
scontrol update JobId="$jid" StartTime=now >>update.out 2>&1
if wait_state "$jid" '^COMPLETED$' 240; then
  nodes2=$(job_field "$jid" NodeList)
  if [ "$nodes1" = "n[1-3]" ] && [ "$killed" -gt 0 ] && [ "$ended" != COMPLETED ] && [ "$nodes2" = "n[1-2]" ]; then
    ok "node n3 lost ($killed processes killed): the job ended ($ended, $before points done on $nodes1); requeued, it completed on $nodes2"
  else
    bad "node loss: nodes $nodes1, $killed processes killed, ended $ended, then $nodes2"
  fi
else
  bad "after the node loss (ended $ended): state $(job_field "$jid" JobState), reason $(job_field "$jid" Reason): $(cat update.out) $(tail -4 mn3.out)"
fi
mpirun -n 2 "$BIN" run "$SRC/tests/specs/live.yaml" --store ref_live.h5 >/dev/null 2>ref_live.err ||
  bad "reference live: $(tail -2 ref_live.err)"
if same_data ref_live.h5 mn3.h5 && "$BIN" verify mn3.h5 >verify.out 2>&1 &&
   "$PY" - mn3.h5 "$before" <<'PY'; then
import sys
import h5py
f = h5py.File(sys.argv[1], "r")
assert (f["status/state"][()] == 1).all()
assert (f["status/attempts"][()] == 1).all()  # nothing recomputed
runs = f["provenance/runs"][()]
assert len(runs) >= 2 and runs[-1]["exit_reason"] == b"complete", runs
assert runs[0]["exit_reason"] == b"killed", runs
assert int(sys.argv[2]) > 0
PY
  ok "the resumed store equals an uninterrupted run, every point done once, the lost run marked killed"
else
  bad "resumed store: $(tail -3 verify.out)"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
