#!/bin/bash
# multinode_cluster.sh start|stop RUNDIR [NODES] - a private SLURM cluster of NODES "nodes" (n1..nN,
# one slurmd each, one CPU each) on this one machine, for tests/slurm/test_multinode.sh: munged on
# a private socket, slurmctld and the slurmds, configured from multinode.conf.in with ports
# derived from RUNDIR. RUNDIR must be short (a Unix socket path stops at 108 bytes): use
# mktemp -d /tmp/xx.XXXXXX. `stop` ends exactly the daemons recorded in RUNDIR's PID files, never
# by name. Needs root and slurm-wlm + munge.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?start|stop}
RUNDIR=${2:?RUNDIR}
NODES=${3:-3}

stop_pidfile() {
  local f=$1 pid
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$f"
}
stop() {
  local f
  for f in "$RUNDIR"/slurmd.*.pid "$RUNDIR/slurmctld.pid" "$RUNDIR/munge/munged.pid"; do
    stop_pidfile "$f"
  done
}
if [ "$cmd" = stop ]; then
  stop
  exit 0
fi

[ ${#RUNDIR} -le 60 ] || { echo "multinode_cluster: RUNDIR '$RUNDIR' is too long for munge's socket" >&2; exit 1; }
for b in munged slurmctld slurmd sinfo sbatch; do
  command -v $b >/dev/null || { echo "multinode_cluster: missing $b (apt-get install slurm-wlm munge)" >&2; exit 1; }
done
HOST=$(hostname -s)
base=$(( 24000 + ($(echo "$RUNDIR" | cksum | cut -d' ' -f1) % 1000) * 8 ))
MEM=$(( ($(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 - 2048) / NODES ))
mkdir -p "$RUNDIR"/{state,spool,log,munge,tmp}
chmod 0755 "$RUNDIR"
chown munge:munge "$RUNDIR/munge"
chmod 0755 "$RUNDIR/munge"
nodes=""
for i in $(seq "$NODES"); do
  mkdir -p "$RUNDIR/spool/n$i" "$RUNDIR/tmp/n$i"
  nodes+="NodeName=n$i NodeHostname=$HOST Port=$((base + i)) CPUs=1 Boards=1 SocketsPerBoard=1 CoresPerSocket=1 ThreadsPerCore=1 RealMemory=$MEM State=UNKNOWN"$'\n'
done
awk -v nodes="$nodes" '{ if ($0 == "@NODES@") printf "%s", nodes; else print }' "$HERE/multinode.conf.in" |
  sed -e "s#@HOST@#$HOST#g" -e "s#@RUNDIR@#$RUNDIR#g" -e "s#@CTLD_PORT@#$base#g" >"$RUNDIR/slurm.conf"
export SLURM_CONF="$RUNDIR/slurm.conf"
trap 'echo "multinode_cluster: start failed; stopping what started" >&2; stop' ERR
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
for i in $(seq "$NODES"); do /usr/sbin/slurmd -f "$SLURM_CONF" -N "n$i"; done
for _ in $(seq 150); do
  [ "$(sinfo -h -N -o %T 2>/dev/null | grep -c idle)" = "$NODES" ] && break
  sleep 0.2
done
[ "$(sinfo -h -N -o %T | grep -c idle)" = "$NODES" ] || { echo "multinode_cluster: nodes not idle: $(sinfo -N)" >&2; stop; exit 1; }
echo "multinode_cluster: up, $NODES nodes; SLURM_CONF=$SLURM_CONF"
