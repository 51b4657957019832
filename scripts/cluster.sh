#!/usr/bin/env bash
# A multi-node Keelson cluster on one Linux host: each node is a network namespace joined to a host bridge by a
# veth pair, with its own dockerd; node 1 runs `keelson server`, the others `keelson agent`. With --etcd-members 3
# the first three nodes each run one member of a 3-member etcd cluster and the server uses it instead of its own.
#
# Usage: scripts/cluster.sh up|down|status [--nodes 3] [--etcd-members 0|1|3|5] [--name keelson-mn] [--dist DIR]
#                                          [--subnet 10.77.0.0/24]
#        scripts/cluster.sh stop-node N | start-node N | restart-keelson N   [--name ...]
#        scripts/cluster.sh stop-etcd N | kill-etcd N | start-etcd N | etcd-leader | etcdctl ARGS...   [--name ...]
#   up               creates whatever is missing and waits until every node is Ready (idempotent)
#   down             removes exactly what `up` created: processes by recorded pid, containers of its dockerds,
#                    namespaces, veths, bridge, host iptables rules, data (idempotent)
#   stop-node N      stops node N's keelson, dockerd and etcd member (a node failure as the cluster sees it)
#   start-node N     starts node N's etcd member, dockerd and keelson again (no wait for Ready)
#   restart-keelson N  stops and starts only node N's keelson process (pods keep running)
#   stop-etcd N      stops node N's etcd member (TERM); kill-etcd N: the same with SIGKILL (a crash)
#   start-etcd N     starts node N's etcd member again and waits until it answers healthy
#   etcd-leader      prints the node number whose etcd member is the Raft leader
#   etcdctl ARGS     runs etcdctl against every member of the cluster's etcd (e.g. `etcdctl endpoint status -w table`)
# Options: --dist DIR is an unpacked keelson tarball (DIR/bin/keelson); default: this repository's bin/keelson.
#   --etcd-members M (up only) runs M etcd members on nodes 1..M (0, the default: the server's embedded etcd).
#   --server-arg ARG (repeatable) passes ARG to `keelson server`; --timeout S bounds the wait for Ready (180).
# Needs root, iproute2, iptables, docker.io (dockerd, docker), etcd-server and etcd-client (for --etcd-members),
# kubectl, and the images of scripts/build-images.sh.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
cmd="${1:-}"
[ $# -gt 0 ] && shift
nodes=""
name=keelson-mn
dist=""
subnet=""
timeout=180
etcd_members=""
server_args=()
node_arg=""
etcdctl_args=()

if [ "$cmd" = etcdctl ]; then
  # Everything up to a lone `--` or the end belongs to etcdctl, except the cluster's --name.
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    case "$1" in
      --name) name="$2"; shift 2 ;;
      *) etcdctl_args+=("$1"); shift ;;
    esac
  done
  [ $# -gt 0 ] && shift
fi

while [ $# -gt 0 ]; do
  case "$1" in
    --etcd-members) etcd_members="$2"; shift 2 ;;
    --nodes) nodes="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --dist) dist="$2"; shift 2 ;;
    --subnet) subnet="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --server-arg) server_args+=("$2"); shift 2 ;;
    --server-arg=*) server_args+=("${1#*=}"); shift ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) node_arg="$1"; shift ;;
    *) echo "cluster.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

die() { echo "cluster.sh: $*" >&2; exit 1; }
log() { printf '[cluster %s %s] %s\n' "$name" "$(date -u +%T)" "$*"; }

# Interface names are limited to 15 characters: NAME-br, NAME-vN.
[[ "$name" =~ ^[a-z][a-z0-9-]{0,10}$ ]] || die "--name must be 1-11 characters of [a-z0-9-] starting with a letter"
data="/var/lib/$name"
run="/run/$name"
# What `up` chose is recorded, so that later commands need only --name (and never reach another subnet's addresses).
conf="$data/cluster.conf"
if [ -s "$conf" ]; then
  while IFS='=' read -r key value; do
    case "$key" in
      nodes) nodes="${nodes:-$value}" ;;
      subnet) [ -z "$subnet" ] || [ "$subnet" = "$value" ] || die "cluster $name was made with --subnet $value"
              subnet="$value" ;;
      etcd_members) [ -z "$etcd_members" ] || [ "$etcd_members" = "$value" ] \
                      || die "cluster $name was made with --etcd-members $value; run down first"
                    etcd_members="$value" ;;
    esac
  done <"$conf"
fi
nodes="${nodes:-3}"; subnet="${subnet:-10.77.0.0/24}"; etcd_members="${etcd_members:-0}"
[[ "$nodes" =~ ^[1-9]$ ]] || die "--nodes must be 1..9"
[[ "$subnet" =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.0/24$ ]] || die "--subnet must be a /24 ending in .0, e.g. 10.77.0.0/24"
prefix="${BASH_REMATCH[1]}"
[[ "$etcd_members" =~ ^[0135]$ ]] || die "--etcd-members must be 0, 1, 3 or 5"
[ "$etcd_members" -le "$nodes" ] || die "--etcd-members cannot exceed --nodes"

if [ -n "$dist" ]; then
  # Either the unpacked keelson-<version> folder or the folder the tarball was unpacked in.
  keelson="$(cd "$dist" && pwd)/bin/keelson"
  [ -x "$keelson" ] || keelson="$(ls -d "$(cd "$dist" && pwd)"/keelson-*/bin/keelson 2>/dev/null | head -1)"
else
  keelson="$here/bin/keelson"
fi

bridge="$name-br"
bridge_ip="$prefix.1"
admin_kubeconfig="$data/admin.kubeconfig"
server_ip="$prefix.11"
images=(registry.k8s.io/pause:3.10 nginx:1.22 nginx:latest busybox:1.35 busybox:latest)
# Docker's own bridge inside each node: away from the pod network (10.244.0.0/16) and the service range.
bip_prefix=172.29

ns() { echo "$name-n$1"; }
node_ip() { echo "$prefix.1$1"; }
node_dir() { echo "$data/n$1"; }
etcd_client_url() { echo "https://$(node_ip "$1"):2379"; }
# The members' etcd CA and certificates (`keelson etcd-certs`): TLS with client certificates on client and peer URLs.
# Every etcdctl here (and `cluster.sh etcdctl`) presents the apiserver's etcd client certificate.
etcd_pki="$data/etcd-pki"
export ETCDCTL_CACERT="$etcd_pki/etcd/ca.crt" ETCDCTL_CERT="$etcd_pki/apiserver-etcd-client.crt" \
  ETCDCTL_KEY="$etcd_pki/apiserver-etcd-client.key"
etcd_endpoints() { local i out=(); for i in $(seq "$etcd_members"); do out+=("$(etcd_client_url "$i")"); done; (IFS=,; echo "${out[*]}"); }
node_run() { echo "$run/n$1"; }
docker_sock() { echo "unix://$(node_run "$1")/docker.sock"; }
dockn() { local i="$1"; shift; docker -H "$(docker_sock "$i")" "$@"; }

# alive PIDFILE: true when the pid recorded in PIDFILE is a running process.
alive() {
  local pid
  [ -f "$1" ] && pid="$(cat "$1")" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# stop_pid PIDFILE SECONDS: TERM, then KILL after SECONDS, the one process recorded in PIDFILE.
stop_pid() {
  local file="$1" wait="$2" pid
  if alive "$file"; then
    pid="$(cat "$file")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq $((wait * 5))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -f "$file"
}

# The cgroup v1 hierarchies, mounted again inside a node's private mount namespace: `ip netns exec` remounts
# /sys, which hides them, and dockerd refuses to start without them.
mount_cgroups='
  mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup
  grep "^cgroup " /proc/1/mounts | while read -r _ dir _ opts _; do
    sub="${dir#/sys/fs/cgroup/}"
    mkdir -p "/sys/fs/cgroup/$sub"
    o=$(echo "$opts" | tr , "\n" | grep -v -x -e rw -e ro -e relatime -e nosuid -e nodev -e noexec | paste -sd, -)
    mount -t cgroup -o "$o" cgroup "/sys/fs/cgroup/$sub"
  done
  exec "$@"'

# spawn N PIDFILE LOG CMD...: runs CMD in the background in node N's namespaces, detached from this shell; the
# pid recorded is CMD's own (each step of the chain execs the next).
spawn() {
  local i="$1" pidfile="$2" logfile="$3"; shift 3
  setsid bash -c 'echo $$ > "$1"; shift; exec "$@"' _ "$pidfile" \
    ip netns exec "$(ns "$i")" sh -c "$mount_cgroups" sh "$@" >>"$logfile" 2>&1 </dev/null &
  for _ in $(seq 50); do [ -s "$pidfile" ] && return 0; sleep 0.1; done
}

host_rules() {
  # Docker sets the host's FORWARD policy to DROP: let the bridge forward between the nodes.
  echo "FORWARD -i $bridge -o $bridge -j ACCEPT -m comment --comment $name"
}

up_network() {
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "$bridge_ip/24" dev "$bridge"
  fi
  ip link set "$bridge" up
  host_rules | while read -r chain rule; do
    # shellcheck disable=SC2086
    iptables -C "$chain" $rule 2>/dev/null || iptables -I "$chain" $rule
  done
  for i in $(seq "$nodes"); do
    local n; n="$(ns "$i")"
    ip netns list | grep -qw "^$n" || ip netns add "$n"
    if ! ip link show "$name-v$i" >/dev/null 2>&1; then
      ip link add "$name-v$i" type veth peer name "$name-p$i"
      ip link set "$name-p$i" netns "$n"
      ip -n "$n" link set "$name-p$i" name eth0
      ip link set "$name-v$i" master "$bridge" up
    fi
    ip -n "$n" link set lo up
    ip -n "$n" addr replace "$(node_ip "$i")/24" dev eth0
    ip -n "$n" link set eth0 up
    ip -n "$n" route replace default via "$bridge_ip"
  done
}

start_dockerd() {
  local i="$1" dir run_dir
  dir="$(node_dir "$i")"; run_dir="$(node_run "$i")"
  mkdir -p "$dir" "$run_dir"
  if ! alive "$run_dir/dockerd.pid"; then
    rm -f "$run_dir/docker.sock" "$run_dir/dockerd.pid"
    spawn "$i" "$run_dir/dockerd.pid" "$dir/dockerd.log" \
      dockerd --data-root "$dir/docker" --exec-root "$run_dir/exec" -H "$(docker_sock "$i")" \
        --pidfile "$run_dir/docker.pid" --bip "$bip_prefix.$i.1/24" --cgroup-parent "$name-n$i" \
        --iptables=true --ip-masq=true
  fi
  for _ in $(seq 150); do
    dockn "$i" version >/dev/null 2>&1 && return 0
    alive "$run_dir/dockerd.pid" || break
    sleep 0.2
  done
  tail -n 30 "$dir/dockerd.log" >&2 || true
  die "dockerd of node $i did not answer at $(docker_sock "$i")"
}

load_images() {
  local i="$1" missing=()
  for img in "${images[@]}"; do
    dockn "$i" image inspect "$img" >/dev/null 2>&1 || missing+=("$img")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  docker save "${images[@]}" | dockn "$i" load -q >/dev/null
}

# ensure_etcd_pki: the etcd CA and one server/peer certificate naming every member's address (the members share one
# host here; on separate hosts each member gets its own, see docs/install.md).
ensure_etcd_pki() {
  local ips=() j
  [ -s "$etcd_pki/etcd/server.crt" ] && [ -s "$etcd_pki/apiserver-etcd-client.key" ] && return 0
  for j in $(seq "$etcd_members"); do ips+=("$(node_ip "$j")"); done
  "$keelson" etcd-certs --pki-dir "$etcd_pki" --address "$(IFS=,; echo "${ips[*]}")" >/dev/null \
    || die "keelson etcd-certs failed"
}

# start_etcd N: node N's etcd member, inside its namespace, listening on the node's address (and loopback).
start_etcd() {
  local i="$1" dir run_dir cluster=() j
  dir="$(node_dir "$i")"; run_dir="$(node_run "$i")"
  mkdir -p "$dir" "$run_dir"
  alive "$run_dir/etcd.pid" && return 0
  ensure_etcd_pki
  for j in $(seq "$etcd_members"); do cluster+=("n$j=https://$(node_ip "$j"):2380"); done
  echo "=== $(date -u +%FT%TZ) etcd member n$i" >>"$dir/etcd.log"
  rm -f "$run_dir/etcd.pid"
  # --initial-cluster-state only matters on the first start: a restarted member rejoins from its data dir.
  spawn "$i" "$run_dir/etcd.pid" "$dir/etcd.log" etcd --name "n$i" --data-dir "$dir/etcd" \
    --listen-client-urls "$(etcd_client_url "$i"),https://127.0.0.1:2379" --advertise-client-urls "$(etcd_client_url "$i")" \
    --listen-peer-urls "https://$(node_ip "$i"):2380" --initial-advertise-peer-urls "https://$(node_ip "$i"):2380" \
    --cert-file "$etcd_pki/etcd/server.crt" --key-file "$etcd_pki/etcd/server.key" \
    --client-cert-auth --trusted-ca-file "$etcd_pki/etcd/ca.crt" \
    --peer-cert-file "$etcd_pki/etcd/peer.crt" --peer-key-file "$etcd_pki/etcd/peer.key" \
    --peer-client-cert-auth --peer-trusted-ca-file "$etcd_pki/etcd/ca.crt" \
    --initial-cluster "$(IFS=,; echo "${cluster[*]}")" --initial-cluster-token "$name" --initial-cluster-state new \
    --logger zap --log-outputs stderr --auto-compaction-mode periodic --auto-compaction-retention 5m \
    --quota-backend-bytes $((4 * 1024 * 1024 * 1024))
}

# wait_etcd ENDPOINTS: until every member at ENDPOINTS (comma-separated) answers healthy.
wait_etcd() {
  local endpoints="$1" deadline=$((SECONDS + timeout)) seen=""
  while [ $SECONDS -lt $deadline ]; do
    seen="$(etcdctl --endpoints "$endpoints" --dial-timeout 2s --command-timeout 3s endpoint health 2>&1)" && return 0
    sleep 0.5
  done
  echo "$seen" >&2
  die "etcd at $endpoints not healthy in ${timeout}s (last seen above)"
}

# etcd_leader: the node number of the member that every answering member names as leader.
etcd_leader() {
  local out
  out="$(etcdctl --endpoints "$(etcd_endpoints)" --dial-timeout 2s --command-timeout 3s endpoint status -w fields 2>/dev/null || true)"
  # -w fields prints, per endpoint, "MemberID" : <id>, "Leader" : <id> and "Endpoint" : <url>.
  echo "$out" | awk -F' : ' -v prefix="$prefix." '
    /^"MemberID"/ {member = $2} /^"Leader"/ {leader = $2}
    /^"Endpoint"/ {url = $2; gsub(/"/, "", url); sub(/^[a-z]+:\/\//, "", url); sub(/:.*/, "", url)
                   if (member == leader) {print substr(url, length(prefix) + 2); exit}}'
}

start_keelson() {
  local i="$1" dir run_dir args
  dir="$(node_dir "$i")"; run_dir="$(node_run "$i")"
  alive "$run_dir/keelson.pid" && return 0
  if [ "$i" -eq 1 ]; then
    args=(server --data-dir "$dir/server" --advertise-address "$(node_ip 1)" --node-ip "$(node_ip 1)"
      --node-name "$(ns 1)" --docker-endpoint "$(docker_sock 1)" ${server_args[@]+"${server_args[@]}"})
    [ "$etcd_members" -gt 0 ] && args+=(--etcd-servers "$(etcd_endpoints)" --etcd-cafile "$ETCDCTL_CACERT"
      --etcd-certfile "$ETCDCTL_CERT" --etcd-keyfile "$ETCDCTL_KEY")
  else
    [ -s "$(node_dir 1)/server/node-token" ] || die "no join token at $(node_dir 1)/server/node-token"
    args=(agent --server "https://$server_ip:6443" --token-file "$(node_dir 1)/server/node-token"
      --node-name "$(ns "$i")" --node-ip "$(node_ip "$i")" --data-dir "$dir/agent"
      --docker-endpoint "$(docker_sock "$i")")
  fi
  echo "=== $(date -u +%FT%TZ) keelson ${args[*]}" >>"$dir/keelson.log"
  rm -f "$run_dir/keelson.pid"
  spawn "$i" "$run_dir/keelson.pid" "$dir/keelson.log" "$keelson" "${args[@]}"
}

wait_server() {
  local kc="$(node_dir 1)/server/admin.kubeconfig" deadline=$((SECONDS + timeout))
  while [ $SECONDS -lt $deadline ]; do
    if [ -s "$kc" ] && [ -s "$(node_dir 1)/server/node-token" ]; then
      sed "s#https://127.0.0.1:[0-9]*#https://$server_ip:6443#" "$kc" >"$admin_kubeconfig.tmp"
      mv "$admin_kubeconfig.tmp" "$admin_kubeconfig"
      kubectl --kubeconfig "$admin_kubeconfig" get --raw /readyz >/dev/null 2>&1 && return 0
    fi
    alive "$(node_run 1)/keelson.pid" || { tail -n 40 "$(node_dir 1)/keelson.log" >&2; die "keelson server exited"; }
    sleep 0.5
  done
  tail -n 40 "$(node_dir 1)/keelson.log" >&2
  die "keelson server did not become ready in ${timeout}s"
}

wait_ready() {
  local deadline=$((SECONDS + timeout)) seen=""
  while [ $SECONDS -lt $deadline ]; do
    seen="$(kubectl --kubeconfig "$admin_kubeconfig" get nodes --no-headers 2>&1 || true)"
    local ready=0
    for i in $(seq "$nodes"); do
      echo "$seen" | awk -v n="$(ns "$i")" '$1 == n && $2 == "Ready" {f=1} END {exit !f}' && ready=$((ready + 1))
    done
    [ "$ready" -eq "$nodes" ] && { echo "$seen"; return 0; }
    sleep 1
  done
  echo "$seen" >&2
  die "not every node became Ready in ${timeout}s (last seen above)"
}

cmd_up() {
  [ "$(id -u)" -eq 0 ] || die "must run as root"
  [ -x "$keelson" ] || die "no keelson at $keelson (use --dist DIR or build the repository)"
  for img in "${images[@]}"; do
    docker image inspect "$img" >/dev/null 2>&1 || { "$here/scripts/build-images.sh"; break; }
  done
  mkdir -p "$data" "$run"
  printf 'nodes=%s\nsubnet=%s\netcd_members=%s\n' "$nodes" "$subnet" "$etcd_members" >"$conf"
  up_network
  for i in $(seq "$etcd_members"); do start_etcd "$i"; done
  for i in $(seq "$nodes"); do
    start_dockerd "$i"
    load_images "$i"
  done
  log "dockerds up, images loaded"
  if [ "$etcd_members" -gt 0 ]; then
    wait_etcd "$(etcd_endpoints)"
    log "etcd members healthy: $(etcd_endpoints)"
  fi
  start_keelson 1
  wait_server
  log "apiserver ready"
  for i in $(seq 2 "$nodes"); do start_keelson "$i"; done
  wait_ready
  log "all $nodes nodes Ready; admin kubeconfig: $admin_kubeconfig"
  echo "export KUBECONFIG=$admin_kubeconfig"
}

# stop_node N [GRACE]: keelson gets GRACE seconds (20) after SIGTERM before SIGKILL.
stop_node() {
  local i="$1" grace="${2:-20}" run_dir; run_dir="$(node_run "$i")"
  stop_pid "$run_dir/keelson.pid" "$grace"
  if alive "$run_dir/dockerd.pid"; then
    # Removing the containers first lets dockerd exit quickly and leaves no shim behind.
    dockn "$i" ps -aq 2>/dev/null | xargs -r docker -H "$(docker_sock "$i")" rm -f >/dev/null 2>&1 || true
  fi
  stop_pid "$run_dir/dockerd.pid" 20
  stop_pid "$run_dir/etcd.pid" 20
}

start_node() {
  local i="$1"
  [ "$i" -le "$etcd_members" ] && start_etcd "$i"
  start_dockerd "$i"
  start_keelson "$i"
}

need_member() {
  need_node
  [ "$node_arg" -le "$etcd_members" ] || die "node $node_arg runs no etcd member (this cluster has $etcd_members)"
}

down_node() {
  local i="$1"
  # Everything keelson would clean up on a graceful stop goes with the node anyway, and its stop takes 30-40 s.
  stop_node "$i" 5
  ip link del "$name-v$i" 2>/dev/null || true
  ip netns del "$(ns "$i")" 2>/dev/null || true
  for c in /sys/fs/cgroup/*/"$name-n$i"; do
    [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

cmd_down() {
  [ "$(id -u)" -eq 0 ] || die "must run as root"
  local i pids=()
  # Nodes stop side by side: each waits for its own JVM and dockerd to exit, which is most of the time `down` takes.
  for i in $(seq 9); do
    [ -d "$(node_run "$i")" ] || [ -d "$(node_dir "$i")" ] || ip netns list | grep -qw "^$(ns "$i")" || continue
    down_node "$i" &
    pids+=("$!")
  done
  [ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
  host_rules | while read -r chain rule; do
    # shellcheck disable=SC2086
    while iptables -C "$chain" $rule 2>/dev/null; do iptables -D "$chain" $rule; done
  done
  ip link del "$bridge" 2>/dev/null || true
  # Docker leaves overlay mounts behind when it is killed; unmount only those under our own data dir.
  if [ -d "$data" ]; then
    awk -v d="$data/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
  fi
  rm -rf "$data" "$run"
  log "down"
}

cmd_status() {
  local i
  for i in $(seq "$nodes"); do
    local k=stopped d=stopped
    alive "$(node_run "$i")/keelson.pid" && k="pid $(cat "$(node_run "$i")/keelson.pid")"
    alive "$(node_run "$i")/dockerd.pid" && d="pid $(cat "$(node_run "$i")/dockerd.pid")"
    local e=""
    if [ "$i" -le "$etcd_members" ]; then
      e=" etcd: stopped"
      alive "$(node_run "$i")/etcd.pid" && e=" etcd: pid $(cat "$(node_run "$i")/etcd.pid")"
    fi
    echo "$(ns "$i") $(node_ip "$i") keelson: $k dockerd: $d$e log: $(node_dir "$i")/keelson.log"
  done
  if [ "$etcd_members" -gt 0 ]; then
    etcdctl --endpoints "$(etcd_endpoints)" --dial-timeout 2s --command-timeout 3s endpoint status -w table 2>&1 || true
  fi
  [ -s "$admin_kubeconfig" ] && kubectl --kubeconfig "$admin_kubeconfig" get nodes -o wide 2>&1 || true
  echo "admin kubeconfig: $admin_kubeconfig"
}

need_node() {
  [[ "$node_arg" =~ ^[1-9]$ ]] || die "$cmd needs a node number"
}

case "$cmd" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  stop-node) need_node; stop_node "$node_arg" ;;
  start-node) need_node; start_node "$node_arg" ;;
  restart-keelson) need_node; stop_pid "$(node_run "$node_arg")/keelson.pid" 30; start_keelson "$node_arg" ;;
  stop-etcd) need_member; stop_pid "$(node_run "$node_arg")/etcd.pid" 20 ;;
  kill-etcd)
    need_member
    alive "$(node_run "$node_arg")/etcd.pid" || die "etcd member of node $node_arg is not running"
    kill -KILL "$(cat "$(node_run "$node_arg")/etcd.pid")"
    for _ in $(seq 50); do alive "$(node_run "$node_arg")/etcd.pid" || break; sleep 0.1; done
    rm -f "$(node_run "$node_arg")/etcd.pid" ;;
  start-etcd) need_member; start_etcd "$node_arg"; wait_etcd "$(etcd_client_url "$node_arg")" ;;
  etcd-leader)
    [ "$etcd_members" -gt 0 ] || die "this cluster uses the server's embedded etcd"
    leader="$(etcd_leader)"; [ -n "$leader" ] || die "no etcd member answered with its leader"; echo "$leader" ;;
  etcdctl)
    [ "$etcd_members" -gt 0 ] || die "this cluster uses the server's embedded etcd"
    exec etcdctl --endpoints "$(etcd_endpoints)" ${etcdctl_args[@]+"${etcdctl_args[@]}"} ;;
  *) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
