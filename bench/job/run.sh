#!/usr/bin/env bash
# Job benchmark (issue 15), both sides in one run on one Docker Engine:
#   keelson  a Job of N completions x parallelism P of a short busybox command on a one-node `keelson server`:
#            apply -> condition Complete (kubectl wait)
#   docker   N `docker run --rm` of the same image and command, P at a time (xargs -P)
# Median of --runs runs for each. Needs root, a Docker daemon on the default socket, the busybox:1.35 image, kubectl on
# PATH, and a built repository (mvn install -DskipTests) or KEELSON=path.
# Usage: bench/job/run.sh [--runs 3] [--completions 200] [--parallelism 20]
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
keelson="${KEELSON:-$root/bin/keelson}"
runs=3
completions=200
parallelism=20
image=busybox:1.35
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --completions) completions="$2"; shift 2 ;;
    --parallelism) parallelism="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/job: unknown argument: $1" >&2; exit 2 ;;
  esac
done

prefix=keelson-bench-job
node="$prefix-node"
# a pod network of its own, so it cannot overlap another kubelet's bridge on the same Docker Engine
cluster_cidr=10.246.0.0/16
work="$(mktemp -d "/tmp/$prefix.XXXXXX")"
data="$work/data"
server_pid=""

log() { printf '[bench-job] %s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
kc() { kubectl --kubeconfig "$data/admin.kubeconfig" "$@"; }

cleanup() {
  set +e
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"; wait "$server_pid" 2>/dev/null
  fi
  docker ps -aq --filter "label=dev.keelson.node=$node" | xargs -r docker rm -f >/dev/null
  docker ps -aq --filter "label=$prefix" | xargs -r docker rm -f >/dev/null
  docker network rm "keelson-$node" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

docker image inspect "$image" >/dev/null 2>&1 || { log "image $image not present"; exit 1; }

mkdir -p "$data"
"$keelson" server --data-dir "$data" --secure-port 0 --kubelet-port 0 --component-ports-free \
  --node-name "$node" --cluster-cidr "$cluster_cidr" >"$data/server.log" 2>&1 &
server_pid=$!
deadline=$(( $(date +%s) + 300 ))
until [ -f "$data/admin.kubeconfig" ] && \
    [ "$(kc get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]; do
  if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$server_pid" 2>/dev/null; then
    log "node not Ready; server log tail:"; tail -20 "$data/server.log" >&2; exit 1
  fi
  sleep 0.1
done
log "node $node Ready"

job() {
  cat <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: $1}
spec:
  completions: $completions
  parallelism: $parallelism
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 0
      containers:
      - name: main
        image: $image
        imagePullPolicy: IfNotPresent
        command: [sh, -c, 'echo done']
YAML
}

# one warm-up container per side, so neither pays a first image or network set-up in its figure
docker run --rm --label "$prefix" "$image" sh -c 'echo done' >/dev/null
job warmup | sed "s/completions: $completions/completions: 1/; s/parallelism: $parallelism/parallelism: 1/" | kc apply -f - >/dev/null
kc wait --for=condition=complete job/warmup --timeout=300s >/dev/null
kc delete job warmup --wait=true >/dev/null

k_times=(); d_times=()
for r in $(seq 1 "$runs"); do
  t0=$(now)
  job "bench-$r" | kc apply -f - >/dev/null
  kc wait --for=condition=complete "job/bench-$r" --timeout=1800s >/dev/null
  t1=$(now)
  k=$(elapsed "$t0" "$t1")
  succeeded=$(kc get job "bench-$r" -o jsonpath='{.status.succeeded}')
  [ "$succeeded" = "$completions" ] || { log "job bench-$r: $succeeded succeeded"; exit 1; }
  log "run $r keelson Job: $k s"
  # the finished pods go before the next run, so every run starts from an empty node
  kc delete job "bench-$r" --cascade=foreground --wait=true --timeout=600s >/dev/null
  t0=$(now)
  seq 1 "$completions" | xargs -P "$parallelism" -I{} docker run --rm --label "$prefix" "$image" sh -c 'echo done' >/dev/null
  t1=$(now)
  d=$(elapsed "$t0" "$t1")
  log "run $r docker run --rm: $d s"
  k_times+=("$k"); d_times+=("$d")
done

km=$(printf '%s\n' "${k_times[@]}" | median)
dm=$(printf '%s\n' "${d_times[@]}" | median)
ratio=$(awk -v k="$km" -v d="$dm" 'BEGIN { printf "%.2f", k / d }')
echo "Job of $completions completions x parallelism $parallelism ($image, sh -c 'echo done'), median of $runs runs"
echo "  keelson Job, apply -> Complete:          $km s   (runs: ${k_times[*]})"
echo "  $completions docker run --rm, $parallelism at a time: $dm s   (runs: ${d_times[*]})"
echo "  ratio keelson / docker run:              $ratio"
