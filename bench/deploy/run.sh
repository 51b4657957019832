#!/usr/bin/env bash
# Whole-cluster deploy benchmark, side by side on one Docker Engine in one run (issue 8):
#   keelson  Deployment of N nginx:1.22 replicas on a one-node `keelson server`: apply -> all N Ready
#   swarm    `docker service create --replicas N nginx:1.22` -> N/N running
#   floor    N pause+nginx pairs started in parallel with `docker run` until each answers HTTP
# plus `keelson server` cold start to node Ready (the first start on this host, which has no class-data archive yet;
# then new data dirs and restarts with the archive that first run left), a timeline of one cold start, and the RSS of
# the server (JVM + its etcd child) and of a `keelson agent` at idle and with N pods.
# Median of --runs runs for every figure. Needs root, a Docker daemon on the default socket, the images from
# scripts/build-images.sh, kubectl on PATH, and a built repository (mvn install -DskipTests) or KEELSON=path.
# Usage: bench/deploy/run.sh [--runs 3] [--replicas 30] [--skip-swarm]
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
keelson="${KEELSON:-$root/bin/keelson}"
runs=3
replicas=30
skip_swarm=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --replicas) replicas="$2"; shift 2 ;;
    --skip-swarm) skip_swarm=1; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/deploy: unknown argument: $1" >&2; exit 2 ;;
  esac
done

prefix=keelson-bench-deploy
node="$prefix-node"
# A pod network of its own so that it cannot overlap another kubelet's bridge on the same Docker Engine.
cluster_cidr=10.250.0.0/16
floor_subnet=10.251.0.0/24
work="$(mktemp -d "/tmp/$prefix.XXXXXX")"
# The launcher's class-data archives (see packaging/src/bin/keelson) start empty in every bench run.
export KEELSON_CDS_DIR="$work/cds"
server_pid=""
swarm_initialised=0

log() { printf '[bench-deploy] %s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
kc() { kubectl --kubeconfig "$data/admin.kubeconfig" "$@"; }
rss_mb() { local total=0 p; for p in "$@"; do total=$((total + $(ps -o rss= -p "$p" 2>/dev/null || echo 0))); done; echo $((total / 1024)); }

cleanup() {
  set +e
  if [ -n "${agent_pid:-}" ] && kill -0 "$agent_pid" 2>/dev/null; then
    kill "$agent_pid"; wait "$agent_pid" 2>/dev/null
  fi
  stop_server
  docker ps -aq --filter "name=^$prefix-f" | xargs -r docker rm -f >/dev/null
  docker network rm "$prefix-net" >/dev/null 2>&1
  if [ "$swarm_initialised" = 1 ]; then
    docker service rm "$prefix-swarm" >/dev/null 2>&1
    docker swarm leave --force >/dev/null 2>&1
  fi
  clean_node
  rm -rf "$work"
}

# clean_node: removes what a phase's kubelet left on Docker for the bench's node (it keeps its pod network and any
# container it could not remove when it stops), so that the next phase, a new cluster whose node may get another
# podCIDR, starts from nothing. Only the bench's own node: its label and its network's name.
clean_node() {
  docker ps -aq --filter "label=dev.keelson.node=$node" | xargs -r docker rm -f >/dev/null
  docker network rm "keelson-$node" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# start_server DATA_DIR: starts `keelson server` in the background; sets server_pid.
start_server() {
  data="$1"
  mkdir -p "$data"
  "$keelson" server --data-dir "$data" --secure-port 0 --kubelet-port 0 --component-ports-free \
    --node-name "$node" --cluster-cidr "$cluster_cidr" >"$data/server.log" 2>&1 &
  server_pid=$!
}

stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}

# wait_node_ready: polls (kubectl, ~0.1-0.2 s per call) until the node reports Ready=True.
wait_node_ready() {
  local deadline=$(( $(date +%s) + 300 ))
  until [ -f "$data/admin.kubeconfig" ] && \
      [ "$(kc get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]; do
    if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$server_pid" 2>/dev/null; then
      log "node $node not Ready; server log tail:"; grep -v '^\s*at ' "$data/server.log" | tail -20 >&2
      [ -f "$data/etcd/etcd.log" ] && { log "etcd log tail:"; tail -5 "$data/etcd/etcd.log" >&2; }
      exit 1
    fi
    sleep 0.05
  done
}

# cold_start KIND DIR: starts the server on DIR and sets `took` to the seconds until its node is Ready, and
# `started_at`/`ready_at` to the wall clock (HH:MM:SS.mmm, as the server's log). Not run in a subshell: server_pid
# must survive.
cold_start() {
  local kind="$1" dir="$2" t0 t1
  started_at=$(date +%H:%M:%S.%3N)
  t0=$(now)
  start_server "$dir"
  wait_node_ready
  t1=$(now)
  ready_at=$(date +%H:%M:%S.%3N)
  took=$(elapsed "$t0" "$t1")
  log "cold start ($kind): $took s"
}

# timeline LOG START READY: seconds from the launcher's start to each start-up step the server logs.
timeline() {
  local log="$1" start="$2" ready="$3"
  { echo "$start launcher started"
    grep -m1 'etcd started' "$log" | awk '{print $1, "etcd ready"}'
    grep -m1 'apiserver serving on' "$log" | awk '{print $1, "apiserver listening (CA, certificates, watch caches)"}'
    grep -m1 'Docker Engine .* answers' "$log" | awk '{print $1, "kubelet: Docker answers"}'
    grep -m1 'kubelet for node .* started' "$log" | awk '{print $1, "kubelet started (node registered)"}'
    grep -m1 'proxy for node .* started' "$log" | awk '{print $1, "proxy started"}'
    grep -m1 'controller nodeipam started' "$log" | awk '{print $1, "controller-manager: nodeipam started"}'
    grep -m1 'scheduler .* synced' "$log" | awk '{print $1, "scheduler caches synced"}'
    grep -m1 'controller-manager, scheduler' "$log" | awk '{print $1, "all components started"}'
    grep -m1 'podCIDR' "$log" | awk '{print $1, "podCIDR assigned"}'
    grep -m1 'pod network .* \(created\|adopted\)' "$log" | awk '{print $1, "pod network created"}'
    echo "$ready node Ready (kubectl poll)"
  } | awk -v s="$start" '
      function sec(t,  p) { split(t, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
      { t = $1; $1 = ""; printf "  +%6.2f s %s\n", sec(t) - sec(s), substr($0, 2) }' | sort -t+ -k2 -n
}

deployment() {
  cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: $prefix}
spec:
  replicas: $replicas
  selector: {matchLabels: {app: $prefix}}
  template:
    metadata: {labels: {app: $prefix}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - {name: nginx, image: "nginx:1.22", imagePullPolicy: IfNotPresent, ports: [{containerPort: 80}]}
EOF
}

keelson_run() {
  local t0 t1
  t0=$(now)
  deployment | kc apply -f - >/dev/null
  kc wait --for=jsonpath='{.status.readyReplicas}'="$replicas" "deployment/$prefix" --timeout=300s >/dev/null
  t1=$(now)
  kc delete deployment "$prefix" --wait=true >/dev/null
  local deadline=$(( $(date +%s) + 120 ))
  until [ -z "$(docker ps -aq --filter "label=dev.keelson.node=$node")" ]; do
    [ "$(date +%s)" -gt "$deadline" ] && { log "containers of $node still present"; exit 1; }
    sleep 0.5
  done
  elapsed "$t0" "$t1"
}

swarm_run() {
  local t0 t1 deadline
  t0=$(now)
  docker service create --detach --quiet --no-resolve-image --replicas "$replicas" --name "$prefix-swarm" nginx:1.22 >/dev/null
  deadline=$(( $(date +%s) + 300 ))
  until [ "$(docker service ls --filter "name=$prefix-swarm" --format '{{.Replicas}}')" = "$replicas/$replicas" ]; do
    [ "$(date +%s)" -gt "$deadline" ] && { log "swarm service not $replicas/$replicas"; exit 1; }
    sleep 0.05
  done
  t1=$(now)
  docker service rm "$prefix-swarm" >/dev/null
  deadline=$(( $(date +%s) + 120 ))
  until [ -z "$(docker ps -aq --filter "label=com.docker.swarm.service.name=$prefix-swarm")" ]; do
    [ "$(date +%s)" -gt "$deadline" ] && { log "swarm tasks still present"; exit 1; }
    sleep 0.5
  done
  elapsed "$t0" "$t1"
}

floor_pair() {
  local i="$1" ip
  docker run -d --name "$prefix-f$i-pause" --network "$prefix-net" registry.k8s.io/pause:3.10 >/dev/null
  docker run -d --name "$prefix-f$i-nginx" --network "container:$prefix-f$i-pause" nginx:1.22 >/dev/null
  ip=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$prefix-net\").IPAddress}}" "$prefix-f$i-pause")
  until curl -s -o /dev/null --max-time 1 "http://$ip/"; do sleep 0.02; done
}

floor_run() {
  local t0 t1 i pids=()
  t0=$(now)
  for i in $(seq 1 "$replicas"); do floor_pair "$i" & pids+=($!); done
  for i in "${pids[@]}"; do wait "$i"; done
  t1=$(now)
  docker ps -aq --filter "name=^$prefix-f" | xargs -r docker rm -f >/dev/null
  elapsed "$t0" "$t1"
}

log "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
# Left by an earlier bench run that was stopped before its cleanup.
clean_node
docker network create --subnet "$floor_subnet" "$prefix-net" >/dev/null

# The first start on this host: no class-data archive yet. It runs past the launcher's minimum (20 s) so that its
# archive, written when it stops, is kept for the starts after it.
cold_start "first on this host, no archive" "$work/cold-0"
first_ever="$took"
sleep 22
stop_server
# Cold starts: a new data dir each time (CA, certificates, etcd bootstrap), then a restart on the last one.
first=() restart=()
for r in $(seq 1 "$runs"); do
  cold_start first "$work/cold-$r"
  first+=("$took")
  if [ "$r" = 1 ]; then
    # The node can be Ready before the controller-manager has started and the pod network exists: wait for both.
    deadline=$(( $(date +%s) + 120 ))
    until grep -q 'pod network .* \(created\|adopted\)' "$work/cold-$r/server.log" && \
        grep -q 'controller-manager, scheduler' "$work/cold-$r/server.log" || [ "$(date +%s)" -gt "$deadline" ]; do
      sleep 0.2
    done
    cold_timeline=$(timeline "$work/cold-$r/server.log" "$started_at" "$ready_at")
  fi
  stop_server
done
for r in $(seq 1 "$runs"); do
  cold_start restart "$work/cold-$runs"
  restart+=("$took")
  [ "$r" -lt "$runs" ] && stop_server
done
# The last restarted server stays up for the deploy runs.
sleep 20
etcd_pid=$(pgrep -P "$server_pid" etcd || true)
idle_rss=$(rss_mb "$server_pid" $etcd_pid)
log "server RSS at idle (JVM $server_pid + etcd ${etcd_pid:-none}): $idle_rss MB"

if [ "$skip_swarm" = 0 ]; then
  if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
    docker swarm init --advertise-addr 127.0.0.1 >/dev/null
    swarm_initialised=1
  else
    log "this Docker Engine is already in a swarm: using it"
  fi
fi

k=() s=() f=() loaded_rss=""
for r in $(seq 1 "$runs"); do
  k+=("$(keelson_run)")
  if [ -z "$loaded_rss" ]; then
    deployment | kc apply -f - >/dev/null
    kc wait --for=jsonpath='{.status.readyReplicas}'="$replicas" "deployment/$prefix" --timeout=300s >/dev/null
    sleep 10
    loaded_rss=$(rss_mb "$server_pid" $etcd_pid)
    log "server RSS with $replicas pods: $loaded_rss MB"
    kc delete deployment "$prefix" --wait=true >/dev/null
    until [ -z "$(docker ps -aq --filter "label=dev.keelson.node=$node")" ]; do sleep 0.5; done
  fi
  swarm_took=skipped
  if [ "$skip_swarm" = 0 ]; then
    swarm_took=$(swarm_run)
    s+=("$swarm_took")
  fi
  f+=("$(floor_run)")
  log "run $r: keelson ${k[-1]} s, swarm $swarm_took s, floor ${f[-1]} s"
done

# Agent RSS: a control-plane-only server and `keelson agent` joining it with the token, idle and with N pods.
stop_server
clean_node
agent_pid=""
data="$work/split-server"
mkdir -p "$data"
"$keelson" server --data-dir "$data" --secure-port 0 --component-ports-free --disable-agent \
  --cluster-cidr "$cluster_cidr" >"$data/server.log" 2>&1 &
server_pid=$!
until grep -q "keelson server is up" "$data/server.log"; do kill -0 "$server_pid" || exit 1; sleep 0.2; done
url=$(grep -o 'apiserver https://[0-9.:]*' "$data/server.log" | head -1 | cut -d' ' -f2)
# start_agent LOG: `keelson agent` joining the control-plane-only server; sets agent_pid.
start_agent() {
  "$keelson" agent --server "$url" --token-file "$data/node-token" --data-dir "$work/agent" --node-name "$node" \
    --kubelet-port 0 --component-ports-free --cluster-cidr "$cluster_cidr" >"$1" 2>&1 &
  agent_pid=$!
}
# The agent's first run on this host leaves its class-data archive (it runs past the launcher's minimum); the
# measured run maps it, as every later start of an agent does.
t0=$(now)
start_agent "$work/agent-first.log"
wait_node_ready
agent_first_start=$(elapsed "$t0" "$(now)")
sleep 22
kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
start_agent "$work/agent.log"
until grep -q "keelson agent is up" "$work/agent.log"; do kill -0 "$agent_pid" || exit 1; sleep 0.2; done
wait_node_ready
sleep 20
agent_idle=$(rss_mb "$agent_pid")
deployment | kc apply -f - >/dev/null
kc wait --for=jsonpath='{.status.readyReplicas}'="$replicas" "deployment/$prefix" --timeout=300s >/dev/null
sleep 10
agent_loaded=$(rss_mb "$agent_pid")
# the kubelet's idle pod workers exit after 30 s: the RSS an agent keeps while its pods just run
sleep 35
agent_steady=$(rss_mb "$agent_pid")
log "agent RSS: idle $agent_idle MB, with $replicas pods $agent_loaded MB (45 s after Ready: $agent_steady MB)"
kc delete deployment "$prefix" --wait=true >/dev/null
until [ -z "$(docker ps -aq --filter "label=dev.keelson.node=$node")" ]; do sleep 0.5; done
kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true

km=$(printf '%s\n' "${k[@]}" | median)
fm=$(printf '%s\n' "${f[@]}" | median)
echo "replicas=$replicas runs=$runs"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cold start to node Ready, first on this host (no class-data archive yet): $first_ever s"
echo "cold start to node Ready, new data dir: ${first[*]} s -> median $(printf '%s\n' "${first[@]}" | median) s"
echo "cold start to node Ready, restart:      ${restart[*]} s -> median $(printf '%s\n' "${restart[@]}" | median) s"
echo "server RSS (JVM + etcd): idle $idle_rss MB, with $replicas pods $loaded_rss MB"
echo "timeline of the first new-data-dir start (from the server log):"
echo "$cold_timeline"
echo "agent start to node Ready, first on this host (no class-data archive yet): $agent_first_start s"
echo "agent RSS (JVM): idle $agent_idle MB, with $replicas pods $agent_loaded MB 10 s after Ready, $agent_steady MB 45 s after"
echo "keelson deployment -> all Ready: ${k[*]} s -> median $km s"
if [ "$skip_swarm" = 0 ]; then
  sm=$(printf '%s\n' "${s[@]}" | median)
  echo "swarm service -> all running:    ${s[*]} s -> median $sm s"
  echo "keelson / swarm: $(awk -v a="$km" -v b="$sm" 'BEGIN { printf "%.2f", a / b }')x"
fi
echo "floor docker run -> all answer:  ${f[*]} s -> median $fm s"
echo "keelson / floor: $(awk -v a="$km" -v b="$fm" 'BEGIN { printf "%.2f", a / b }')x"
