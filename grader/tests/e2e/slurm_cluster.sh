#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the project's own tests:
#
#   grader/tests/e2e/slurm_cluster.sh start DIR   # installs slurm-wlm and munge if
#                                                 # missing, starts munged, slurmctld and
#                                                 # slurmd; prints SLURM_CONF=DIR/slurm.conf
#   grader/tests/e2e/slurm_cluster.sh stop DIR
#
# The node is this host (2 CPUs' worth of whatever it has), jobs run as the
# submitting user, nothing is left running after `stop`. Needs root.
set -euo pipefail
action="${1:?start|stop}" dir="${2:?DIR}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
conf="$dir/slurm.conf"

stop() {
  for daemon in slurmd slurmctld; do
    [[ -f "$dir/$daemon.pid" ]] && kill "$(cat "$dir/$daemon.pid")" 2>/dev/null || true
  done
  sleep 1
  pkill -f "slurm(ctld|d) -f $conf" 2>/dev/null || true
}

if [[ "$action" == stop ]]; then
  stop
  exit 0
fi

missing=()
for package in slurm-wlm munge; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >"$dir/install.log" 2>&1 ||
    { cat "$dir/install.log" >&2; echo "slurm_cluster.sh: cannot install ${missing[*]}" >&2; exit 1; }
fi

# munge: one key for the host, the daemon as user munge.
[[ -s /etc/munge/munge.key ]] || mungekey --create >/dev/null 2>&1 ||
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
mkdir -p /run/munge && chown munge:munge /run/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged
fi

node="$(hostname -s)"
cpus="$(nproc)"
memory_mb="$(awk '/MemTotal/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)"
mkdir -p "$dir/state" "$dir/spool"
cat >"$conf" <<CONF
ClusterName=labkit-test
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
stop
/usr/sbin/slurmctld -f "$conf"
/usr/sbin/slurmd -f "$conf"
export SLURM_CONF="$conf"
for _ in $(seq 1 60); do
  if sinfo -h -o "%T" 2>/dev/null | grep -qE "^idle"; then
    echo "SLURM_CONF=$conf"
    exit 0
  fi
  sleep 1
done
echo "slurm_cluster.sh: the node never became idle:" >&2
sinfo >&2 || true
tail -20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
exit 1
