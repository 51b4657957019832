#!/usr/bin/env bash
# Requests per second to one nginx pod through its Service's ClusterIP (the proxy's iptables DNAT) vs directly to the
# pod IP, with wrk, on a one-node `keelson server` (issue 7, benchmark c). The two targets alternate, so that load
# from anything else on the host hits both alike; medians of --runs runs each.
# Needs root, Docker, kubectl, wrk (apt-get install wrk), the airgap images and a built repository.
# Usage: bench/proxy-wrk/run.sh [--runs 5] [--seconds 10] [--connections 32]
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
keelson="${KEELSON:-$root/bin/keelson}"
runs=5 seconds=10 connections=32
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/proxy-wrk: unknown argument: $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null

node=keelson-bench-wrk
work="$(mktemp -d /tmp/keelson-bench-wrk.XXXXXX)"
data="$work/data"
pid=""
cleanup() {
  set +e
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  docker ps -aq --filter "label=dev.keelson.node=$node" | xargs -r docker rm -f >/dev/null
  docker network rm "keelson-$node" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
log() { printf '[bench-wrk] %s\n' "$*" >&2; }
kc() { kubectl --kubeconfig "$data/admin.kubeconfig" "$@"; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

"$keelson" server --data-dir "$data" --secure-port 0 --kubelet-port 0 --component-ports-free --node-name "$node" \
  --cluster-cidr 10.249.0.0/16 >"$work/server.log" 2>&1 &
pid=$!
until [ -f "$data/admin.kubeconfig" ] && kc get node "$node" >/dev/null 2>&1; do
  kill -0 "$pid" || { tail -20 "$work/server.log"; exit 1; }
  sleep 0.5
done
kc apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: wrk-target}
spec:
  replicas: 1
  selector: {matchLabels: {app: wrk-target}}
  template:
    metadata: {labels: {app: wrk-target}}
    spec:
      containers:
      - {name: nginx, image: "nginx:1.22", imagePullPolicy: IfNotPresent, ports: [{containerPort: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: wrk-target}
spec:
  selector: {app: wrk-target}
  ports: [{port: 80, targetPort: 80}]
YAML
kc rollout status deployment/wrk-target --timeout=120s >/dev/null
pod_ip=$(kc get pods -l app=wrk-target -o jsonpath='{.items[0].status.podIP}')
cluster_ip=$(kc get service wrk-target -o jsonpath='{.spec.clusterIP}')
until curl -fsS --max-time 1 "http://$cluster_ip/" >/dev/null 2>&1; do sleep 0.5; done
log "pod $pod_ip, ClusterIP $cluster_ip; load average $(cut -d' ' -f1-3 /proc/loadavg)"

rps() { wrk -t2 -c"$connections" -d"${seconds}s" "http://$1/" | awk '/Requests\/sec/ { print $2 }'; }
direct=() service=()
for r in $(seq 1 "$runs"); do
  direct+=("$(rps "$pod_ip")")
  service+=("$(rps "$cluster_ip")")
  log "run $r: direct ${direct[-1]} req/s, ClusterIP ${service[-1]} req/s"
done
dm=$(printf '%s\n' "${direct[@]}" | median)
sm=$(printf '%s\n' "${service[@]}" | median)
echo "wrk -t2 -c$connections -d${seconds}s, $runs runs each, alternating; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "direct to the pod IP:  ${direct[*]} req/s -> median $dm"
echo "through the ClusterIP: ${service[*]} req/s -> median $sm"
echo "ClusterIP / direct: $(awk -v a="$sm" -v b="$dm" 'BEGIN { printf "%.3f", a / b }')"
