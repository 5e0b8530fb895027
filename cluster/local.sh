#!/usr/bin/env bash
# A real multi-node Ray cluster on one machine: a head node and worker nodes started with `ray start`,
# token auth on. The laptop stand-in for a cloud cluster: `ray job submit`, `hrm tune` and the Serve app
# run against it exactly as they would against KubeRay.
#
#   cluster/local.sh up        # head + HRM_WORKERS worker node(s); prints the addresses
#   cluster/local.sh down      # stops this cluster's processes only (not other Ray instances here)
#   cluster/local.sh status
#
# Settings (environment): HRM_CLUSTER_DIR (/tmp/hrm-cluster: Ray's temp dir for this cluster, keep it short,
# Ray puts sockets in it), HRM_HEAD_PORT (6390), HRM_DASHBOARD_PORT (8265: the Jobs API), HRM_WORKERS (1),
# HRM_NODE_CPUS (logical CPUs per node; default: this machine's cores).
set -euo pipefail

CLUSTER_DIR="${HRM_CLUSTER_DIR:-/tmp/hrm-cluster}"
HEAD_PORT="${HRM_HEAD_PORT:-6390}"
DASHBOARD_PORT="${HRM_DASHBOARD_PORT:-8265}"
WORKERS="${HRM_WORKERS:-1}"
NODE_CPUS="${HRM_NODE_CPUS:-$(nproc)}"
# Ray 2.60 clusters have token auth on; every client (ray job submit, ray status, drivers) needs this too.
export RAY_AUTH_MODE=token
export RAY_USAGE_STATS_ENABLED=0
RAY="${RAY:-$(command -v ray || true)}"
[ -n "$RAY" ] || { echo "local.sh: no 'ray' on PATH; activate the project's .venv (make install)" >&2; exit 2; }
# Jobs run `python ...` with the nodes' PATH: put the interpreter that has hrm_ray installed first.
export PATH="$(dirname "$RAY"):$PATH"
ADDRESS="127.0.0.1:$HEAD_PORT"

# A new machine has no token, and `ray start --head` with token auth refuses to start without one: make one
# (Ray's own default location, ~/.ray/auth_token, unless RAY_AUTH_TOKEN or RAY_AUTH_TOKEN_PATH names another).
ensure_token() {
    [ -n "${RAY_AUTH_TOKEN:-}" ] && return 0
    local path="${RAY_AUTH_TOKEN_PATH:-$HOME/.ray/auth_token}"
    [ -s "$path" ] && return 0
    if [ -n "${RAY_AUTH_TOKEN_PATH:-}" ]; then
        echo "local.sh: RAY_AUTH_TOKEN_PATH=$path has no token" >&2
        exit 1
    fi
    local said
    # It prints the token: keep that out of the console and logs; show its messages only if it fails.
    said=$("$RAY" get-auth-token --generate 2>&1 >/dev/null) || { echo "$said" >&2; exit 1; }
    chmod 600 "$path"
    echo "created a Ray auth token in $path (clients on this machine read it from there)"
}

free_port() {
    python -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'
}

up() {
    if (exec 3<>"/dev/tcp/127.0.0.1/$HEAD_PORT") 2>/dev/null; then
        echo "local.sh: a cluster already answers at $ADDRESS; run 'cluster/local.sh down' first" >&2
        exit 1
    fi
    ensure_token
    mkdir -p "$CLUSTER_DIR"
    # Each node's dashboard agent (which runs submitted jobs) on a free port: the default, 52365, is taken
    # whenever another Ray instance runs on this machine, and jobs then fail with "No available agent".
    "$RAY" start --head --node-ip-address 127.0.0.1 --port "$HEAD_PORT" --num-cpus "$NODE_CPUS" \
        --dashboard-agent-listen-port "$(free_port)" \
        --dashboard-host 127.0.0.1 --dashboard-port "$DASHBOARD_PORT" --temp-dir "$CLUSTER_DIR" \
        --disable-usage-stats >"$CLUSTER_DIR/head.log" 2>&1 \
        || { cat "$CLUSTER_DIR/head.log" >&2; exit 1; }
    for i in $(seq 1 "$WORKERS"); do
        # A temp dir of its own: nodes sharing one clean up each other's runtime envs (job working dirs).
        "$RAY" start --address "$ADDRESS" --node-ip-address 127.0.0.1 --num-cpus "$NODE_CPUS" \
            --dashboard-agent-listen-port "$(free_port)" \
            --temp-dir "$CLUSTER_DIR/w$i" --disable-usage-stats >"$CLUSTER_DIR/worker-$i.log" 2>&1 \
            || { cat "$CLUSTER_DIR/worker-$i.log" >&2; down; exit 1; }
    done
    wait_for_nodes $((WORKERS + 1))
    cat <<INFO
Ray cluster up: 1 head + $WORKERS worker node(s), $NODE_CPUS CPUs each, token auth on.
  export RAY_AUTH_MODE=token
  export RAY_ADDRESS=$ADDRESS                  # drivers: hrm train / hrm tune / hrm serve join it
  ray job submit --address http://127.0.0.1:$DASHBOARD_PORT --working-dir . -- python jobs/finetune.py sentiment
  dashboard: http://127.0.0.1:$DASHBOARD_PORT    stop: cluster/local.sh down
INFO
}

wait_for_nodes() {
    # `ray start` returns once its node registered; confirm from a driver's point of view (~3 s).
    python - "$ADDRESS" "$1" <<'PY' || { echo "local.sh: the nodes did not all come up; see $CLUSTER_DIR/*.log" >&2; exit 1; }
import sys, time, ray
ray.init(address=sys.argv[1], logging_level="ERROR", log_to_driver=False)
for _ in range(60):
    if sum(node["Alive"] for node in ray.nodes()) >= int(sys.argv[2]):
        sys.exit(0)
    time.sleep(1)
sys.exit(1)
PY
}

this_cluster() {
    # This cluster's daemons carry its temp dir or GCS port on their command lines; their children (workers,
    # agents, dashboard modules) do not, so take each daemon's whole process tree.
    local roots
    roots=$(pgrep -f -- "($CLUSTER_DIR/|--temp-dir=$CLUSTER_DIR|address=[0-9.]+:$HEAD_PORT |gcs_server_port=$HEAD_PORT)" || true)
    [ -n "$roots" ] || return 0
    ps -eo pid=,ppid= | python -c '
import sys
roots = set(sys.argv[1].split())
children = {}
for line in sys.stdin:
    pid, ppid = line.split()
    children.setdefault(ppid, []).append(pid)
seen, todo = set(), list(roots)
while todo:
    pid = todo.pop()
    if pid not in seen:
        seen.add(pid)
        todo += children.get(pid, [])
print(" ".join(sorted(seen)))' "$roots"
}

down() {
    # Not `ray stop`: that stops every Ray instance on the machine, this stops just this cluster.
    local pids
    pids=$(this_cluster)
    [ -n "$pids" ] || { echo "no Ray cluster of $CLUSTER_DIR is running"; return 0; }
    # Raylets first: with the GCS gone first they would wait a minute to reconnect before exiting.
    kill -TERM $(pgrep -f -- "raylet/raylet .*$CLUSTER_DIR/" || true) 2>/dev/null || true
    sleep 1
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 1 10); do
        pids=$(this_cluster)
        [ -n "$pids" ] || { echo "Ray cluster at $ADDRESS stopped"; return 0; }
        sleep 0.5
    done
    kill -KILL $pids 2>/dev/null || true
    echo "Ray cluster at $ADDRESS stopped (some processes needed SIGKILL)"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) "$RAY" status --address "$ADDRESS" ;;
    *) echo "usage: cluster/local.sh up|down|status" >&2; exit 2 ;;
esac
