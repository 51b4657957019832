#!/usr/bin/env bash
# DNS queries per second and latency (p50/p99) of Keelson's cluster DNS server on one core, for cluster names and for
# cached upstream names, beside dnsmasq serving the same names on the same core in the same run (issue 17).
# The server under test is the node's (DnsAnswerer, ResponseCache, DnsServer) on one Vert.x event loop, on a zone of
# --services ClusterIP Services; its upstream is the dnsmasq of this run, so no query leaves loopback. Each server is
# pinned to CPU 1 (taskset), dnsperf to CPU 0. dnsperf 2.10 prints no percentiles: a second, verbose run of each
# load records every answer's latency and the percentiles are computed from those.
# Needs root (apt-get install dnsperf dnsmasq-base if absent) and a built repository (mvn -o -pl dns -am package).
# Usage: bench/dns/run.sh [--seconds 15] [--services 1000] [--clients 20]
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds=15 services=1000 clients=20
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --services) services="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/dns: unknown argument: $1" >&2; exit 2 ;;
  esac
done
command -v dnsperf >/dev/null || apt-get install -y -q dnsperf >/dev/null
command -v dnsmasq >/dev/null || apt-get install -y -q dnsmasq-base >/dev/null

work="$(mktemp -d /tmp/keelson-bench-dns.XXXXXX)"
pids=()
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
log() { printf '[bench-dns] %s\n' "$*" >&2; }

# the names: svc-I.default.svc.cluster.local (cluster) and host-I.ext.test (upstream: dnsmasq's)
: >"$work/cluster.txt"; : >"$work/upstream.txt"; : >"$work/dnsmasq.conf"
for i in $(seq 1 "$services"); do
  ip="10.96.$((i / 256)).$((i % 256))"
  echo "svc-$i.default.svc.cluster.local A" >>"$work/cluster.txt"
  echo "host-$i.ext.test A" >>"$work/upstream.txt"
  echo "host-record=svc-$i.default.svc.cluster.local,$ip" >>"$work/dnsmasq.conf"
done
echo "address=/ext.test/192.0.2.7" >>"$work/dnsmasq.conf"

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
dport=$(free_port)
taskset -c 1 dnsmasq --keep-in-foreground --no-daemon --port="$dport" --listen-address=127.0.0.1 --bind-interfaces \
  --no-resolv --no-hosts --cache-size=10000 --local-ttl=30 --conf-file="$work/dnsmasq.conf" --log-facility=- \
  --quiet-dhcp >"$work/dnsmasq.log" 2>&1 &
pids+=($!)

log "compiling the bench server"
mvn -o -B -q -f "$root/pom.xml" -pl dns dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null
cp="$root/dns/target/classes:$root/component-base/target/classes:$(cat "$work/cp.txt")"
mkdir -p "$work/classes"
javac -d "$work/classes" -cp "$cp" "$root/bench/dns/src/main/java/dev/keelson/bench/dns/DnsBenchServer.java"
taskset -c 1 java -XX:ActiveProcessorCount=1 -Xmx512m -XX:+UseSerialGC \
  -Dlogback.configurationFile="$root/cli/src/main/resources/logback.xml" -cp "$work/classes:$cp" \
  dev.keelson.bench.dns.DnsBenchServer "$services" "127.0.0.1:$dport" >"$work/keelson.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do grep -q '^listening' "$work/keelson.log" && break; sleep 0.5; done
kport=$(awk '/^listening/{print $2}' "$work/keelson.log")
[ -n "$kport" ] || { cat "$work/keelson.log"; exit 1; }
log "keelson DNS on 127.0.0.1:$kport, dnsmasq on 127.0.0.1:$dport (both on CPU 1)"

# run NAME PORT FILE: warm-up, a throughput run, then a verbose run for the latency percentiles
run() {
  local name=$1 port=$2 file=$3 out qps lost
  # warm-up: the JIT compiles the query path, dnsmasq fills nothing (its names are local)
  taskset -c 0 dnsperf -s 127.0.0.1 -p "$port" -d "$file" -l 10 -c "$clients" >/dev/null 2>&1
  out=$(taskset -c 0 dnsperf -s 127.0.0.1 -p "$port" -d "$file" -l "$seconds" -c "$clients" 2>&1)
  qps=$(awk '/Queries per second/{print $4}' <<<"$out")
  lost=$(awk '/Queries lost/{print $3}' <<<"$out")
  taskset -c 0 dnsperf -v -s 127.0.0.1 -p "$port" -d "$file" -l "$seconds" -c "$clients" 2>/dev/null \
    | awk '$1 == ">" {print $NF * 1000}' | sort -n >"$work/lat.txt"
  local n p50 p99 max
  n=$(wc -l <"$work/lat.txt")
  p50=$(awk -v n="$n" 'NR == int(n * 0.50) + 1 {printf "%.3f", $1}' "$work/lat.txt")
  p99=$(awk -v n="$n" 'NR == int(n * 0.99) + 1 {printf "%.3f", $1}' "$work/lat.txt")
  max=$(tail -1 "$work/lat.txt")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$qps" "$lost" "$p50" "$p99" "$max"
}

echo "| load (dnsperf -c $clients, ${seconds} s, $services names) | queries/s | lost | p50 ms | p99 ms | max ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
run "keelson, cluster names" "$kport" "$work/cluster.txt"
run "dnsmasq, the same names (host-record)" "$dport" "$work/cluster.txt"
run "keelson, upstream names (cached)" "$kport" "$work/upstream.txt"
run "dnsmasq, the same names (address=)" "$dport" "$work/upstream.txt"
