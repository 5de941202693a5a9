#!/bin/bash
# slurm_cluster.sh start|stop RUNDIR - a private one-node SLURM cluster for the tests:
# munged on a private socket, slurmctld and slurmd, configured from slurm.conf.in with ports
# derived from RUNDIR so that two test runs cannot collide. `stop` ends exactly the daemons that
# `start` recorded in RUNDIR/*.pid (never by name). Needs root and slurm-wlm + munge.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?start|stop}
RUNDIR=${2:?RUNDIR}

stop() {
  for f in "$RUNDIR/slurmd.pid" "$RUNDIR/slurmctld.pid" "$RUNDIR/munge/munged.pid"; do
    [ -s "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$f"
  done
}

if [ "$cmd" = stop ]; then
  stop
  exit 0
fi

for b in munged slurmctld slurmd sinfo sbatch; do
  command -v $b >/dev/null || { echo "slurm_cluster: missing $b (apt-get install slurm-wlm munge)" >&2; exit 1; }
done
HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 - 1024 ))
base=$(( 20000 + ($(echo "$RUNDIR" | cksum | cut -d' ' -f1) % 2000) * 2 ))
mkdir -p "$RUNDIR"/{state,spool,log,munge}
chown munge:munge "$RUNDIR/munge"
chmod 0755 "$RUNDIR/munge"
sed -e "s#@HOST@#$HOST#g" -e "s#@RUNDIR@#$RUNDIR#g" -e "s#@CPUS@#$CPUS#g" -e "s#@MEM@#$MEM#g" \
    -e "s#@CTLD_PORT@#$base#g" -e "s#@SLURMD_PORT@#$((base + 1))#g" \
    "$HERE/slurm.conf.in" >"$RUNDIR/slurm.conf"
export SLURM_CONF="$RUNDIR/slurm.conf"
trap 'echo "slurm_cluster: start failed; stopping what started" >&2; stop' ERR
if [ ! -s /etc/munge/munge.key ]; then
  mungekey --create --keyfile=/etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key
  chmod 0600 /etc/munge/munge.key
fi
runuser -u munge -- /usr/sbin/munged --socket="$RUNDIR/munge/munge.socket" \
  --pid-file="$RUNDIR/munge/munged.pid" --log-file="$RUNDIR/munge/munged.log" \
  --seed-file="$RUNDIR/munge/munged.seed" --key-file=/etc/munge/munge.key
for _ in $(seq 50); do [ -S "$RUNDIR/munge/munge.socket" ] && break; sleep 0.1; done
/usr/sbin/slurmctld -f "$SLURM_CONF" -c
/usr/sbin/slurmd -f "$SLURM_CONF"
for _ in $(seq 150); do
  [ -s "$RUNDIR/slurmctld.pid" ] && [ -s "$RUNDIR/slurmd.pid" ] &&
    sinfo -h -o %T 2>/dev/null | grep -qE '^idle' && break
  sleep 0.2
done
sinfo -h -o %T | grep -qE '^idle' || { echo "slurm_cluster: node not idle" >&2; stop; exit 1; }
echo "slurm_cluster: up (munged $(cat "$RUNDIR/munge/munged.pid"), slurmctld $(cat "$RUNDIR/slurmctld.pid"), slurmd $(cat "$RUNDIR/slurmd.pid")); SLURM_CONF=$SLURM_CONF"
