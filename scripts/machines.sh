#!/usr/bin/env bash
# Debian 12 machines that boot systemd, made on this host to test Keelson as users install it (issue 21).
#
#   scripts/machines.sh up N --deb PATH   boot machines m1..mN, each with systemd as PID 1, its own hostname,
#                                          machine-id, address (10.213.0.11, .12, ...) on a bridge and its own dockerd
#                                          (its own /var/lib/docker); nothing of Keelson is in them: install it with
#                                          `machines.sh ssh mI apt-get install -y /root/keelson.deb` (the .deb at PATH is
#                                          copied to /root/keelson.deb), exactly as a user would
#   scripts/machines.sh ssh NAME CMD...     run CMD in machine NAME (all its namespaces; there is no sshd)
#   scripts/machines.sh logs NAME [UNIT]    the machine's journal (of UNIT)
#   scripts/machines.sh reboot NAME         reboot a machine (its file system, docker data and address are kept)
#   scripts/machines.sh down                power off and remove every machine, the bridge and its rules
#   scripts/machines.sh bake --deb PATH     only make (or reuse) the cached root file system
#
# Machines are systemd-nspawn containers booting the root file system debootstrap made from Debian's packages
# (see docs/design.md for why nspawn rather than privileged Docker containers). The root file system is made once
# and cached in $KEELSON_MACHINES_CACHE (default /var/cache/keelson-machines); it holds apt's lists and the archives
# of every package the .deb depends on or recommends, downloaded while baking, so that `apt-get install` in a
# machine resolves the .deb's Depends from Debian's packages with no network: machines reach only each other and
# this host, never another address (the host drops what they would forward elsewhere).
set -euo pipefail

CACHE=${KEELSON_MACHINES_CACHE:-/var/cache/keelson-machines}
STATE=${KEELSON_MACHINES_STATE:-/var/lib/keelson-machines}
BRIDGE=kmbr0
NET=10.213.0
SUITE=bookworm
BAKE_VERSION=1

log() { echo "[machines] $*" >&2; }
die() { echo "[machines] $*" >&2; exit 1; }

need_host_tools() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
  fi
}

# The host's first Debian mirror, from its apt sources (deb822 or one-line format).
mirror() {
  local m=""
  if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
    m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
  fi
  [ -n "$m" ] || die "no Debian mirror in this host's apt sources"
  echo "$m"
}

# The cache key: what the .deb asks of apt (Depends, Recommends) and this script's bake recipe.
bake_key() {
  local deb=$1
  { dpkg-deb -f "$deb" Depends Recommends; echo "$SUITE $BAKE_VERSION"; } | sha256sum | cut -c1-16
}

bake() {
  local deb=$1 key base tmp
  key=$(bake_key "$deb")
  base="$CACHE/rootfs-$key"
  if [ -f "$base/.baked" ]; then
    echo "$base"
    return
  fi
  need_host_tools
  mkdir -p "$CACHE"
  tmp="$CACHE/tmp-$key.$$"
  rm -rf "$tmp"
  log "debootstrap $SUITE into $tmp (cached afterwards)"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,iproute2,ca-certificates,curl \
    "$SUITE" "$tmp" "$(mirror)" >"$CACHE/debootstrap-$key.log" 2>&1 \
    || { tail -20 "$CACHE/debootstrap-$key.log" >&2; die "debootstrap failed"; }
  cp "$deb" "$tmp/tmp/keelson.deb"
  log "downloading the .deb's dependencies into the root file system's apt cache"
  chroot "$tmp" apt-get update -q >>"$CACHE/debootstrap-$key.log" 2>&1
  DEBIAN_FRONTEND=noninteractive chroot "$tmp" apt-get install -q -y --download-only /tmp/keelson.deb \
    >>"$CACHE/debootstrap-$key.log" 2>&1 || { tail -20 "$CACHE/debootstrap-$key.log" >&2; die "download failed"; }
  rm -f "$tmp/tmp/keelson.deb" "$tmp"/var/cache/apt/archives/keelson_*.deb
  # Machines have no network beyond the bridge: apt must not try to refresh lists or fetch anything at install.
  rm -f "$tmp/etc/resolv.conf"
  : >"$tmp/etc/machine-id"
  chroot "$tmp" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer >/dev/null 2>&1 || true
  touch "$tmp/.baked"
  rm -rf "$base"
  mv "$tmp" "$base"
  echo "$base"
}

bridge_up() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$NET.1/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
  fi
  # Machines reach each other and this host only.
  iptables -C FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j DROP 2>/dev/null \
    || iptables -I FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j DROP
  iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null \
    || iptables -I FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
}

leader() {
  local name=$1 pid
  pid=$(cat "$STATE/$name/nspawn.pid" 2>/dev/null) || die "no machine $name"
  pgrep -P "$pid" | head -1
}

in_machine() {
  local name=$1
  shift
  local l
  l=$(leader "$name")
  [ -n "$l" ] || die "machine $name is not running"
  nsenter -t "$l" -a -- "$@"
}

boot() {
  local name=$1 dir="$STATE/$1"
  mkdir -p "$dir/docker"
  # --keep-unit and --register=no: this host need not run systemd itself. A writable cgroup tree (cgroup v1 hosts
  # mount the controllers read-only otherwise), so that the machine's own dockerd can make its containers' cgroups.
  SYSTEMD_NSPAWN_API_VFS_WRITABLE=1 setsid systemd-nspawn --quiet --register=no --keep-unit -D "$dir/root" -M "$name" -b \
    --network-bridge="$BRIDGE" --capability=all \
    --system-call-filter='add_key keyctl bpf @keyring' \
    --bind="$dir/docker:/var/lib/docker" \
    >"$dir/console.log" 2>&1 </dev/null &
  echo $! >"$dir/nspawn.pid"
  for _ in $(seq 1 120); do
    if [ -n "$(pgrep -P "$(cat "$dir/nspawn.pid")" | head -1)" ] \
        && (in_machine "$name" systemctl is-system-running 2>/dev/null || true) | grep -qE 'running|degraded'; then
      return
    fi
    sleep 0.5
  done
  tail -20 "$dir/console.log" >&2
  die "machine $name did not boot"
}

up() {
  local n=$1 deb=$2 base i name dir hosts=""
  [ -f "$deb" ] || die "no .deb at $deb"
  base=$(bake "$deb")
  bridge_up
  for i in $(seq 1 "$n"); do
    hosts+="$NET.$((10 + i)) m$i"$'\n'
  done
  for i in $(seq 1 "$n"); do
    name="m$i"
    dir="$STATE/$name"
    if [ -f "$dir/nspawn.pid" ] && kill -0 "$(cat "$dir/nspawn.pid")" 2>/dev/null; then
      log "$name is running"
      continue
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    log "making $name ($NET.$((10 + i)))"
    cp -a "$base" "$dir/root"
    echo "$name" >"$dir/root/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 %s\n%s' "$name" "$hosts" >"$dir/root/etc/hosts"
    # No resolver: a lookup of a name not in /etc/hosts fails at once on the machine's own loopback.
    echo "nameserver 127.0.0.1" >"$dir/root/etc/resolv.conf"
    systemd-machine-id-setup --root="$dir/root" >/dev/null 2>&1
    # The machine's address on the bridge, set by a unit of its own: systemd-networkd would wait for udev, which
    # does not run in a container whose /sys is writable (needed for its dockerd's cgroups).
    ln -sf /dev/null "$dir/root/etc/systemd/system/systemd-networkd.service"
    cat >"$dir/root/etc/systemd/system/machine-address.service" <<EOF
[Unit]
Description=Address of this test machine on its bridge
Before=network-online.target docker.service
Wants=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/sbin/ip link set host0 up
ExecStart=/sbin/ip addr replace $NET.$((10 + i))/24 dev host0
ExecStart=/sbin/ip route replace default via $NET.1

[Install]
WantedBy=multi-user.target
EOF
    ln -sf /etc/systemd/system/machine-address.service \
      "$dir/root/etc/systemd/system/multi-user.target.wants/machine-address.service"
    # nspawn mounts a cgroup v1 host's controllers read-only; the machine's dockerd must make its containers' cgroups,
    # so the controllers are mounted again, writable, inside the machine's cgroup namespace before docker starts.
    cat >"$dir/root/etc/systemd/system/machine-cgroups.service" <<'EOF'
[Unit]
Description=Writable cgroup controllers for this test machine's dockerd
Before=docker.service containerd.service
ConditionPathIsMountPoint=/sys/fs/cgroup/cpuset

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'for c in cpuset cpu cpuacct blkio memory devices freezer pids; do umount /sys/fs/cgroup/$c && mount -t cgroup -o rw,nosuid,nodev,noexec,$c cgroup /sys/fs/cgroup/$c; done'

[Install]
WantedBy=multi-user.target
EOF
    ln -sf /etc/systemd/system/machine-cgroups.service \
      "$dir/root/etc/systemd/system/multi-user.target.wants/machine-cgroups.service"
    cp "$deb" "$dir/root/root/keelson.deb"
    cp "$(dirname "$0")/provision.sh" "$dir/root/root/provision.sh"
  done
  for i in $(seq 1 "$n"); do
    name="m$i"
    [ -f "$STATE/$name/booted" ] && kill -0 "$(cat "$STATE/$name/nspawn.pid")" 2>/dev/null && continue
    boot "$name"
    touch "$STATE/$name/booted"
    log "$name booted"
  done
}

power_off() {
  local name=$1 dir="$STATE/$1" pid
  pid=$(cat "$dir/nspawn.pid" 2>/dev/null) || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  (in_machine "$name" systemctl poweroff) >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
}

down() {
  local dir name
  for dir in "$STATE"/m*; do
    [ -d "$dir" ] || continue
    name=$(basename "$dir")
    power_off "$name"
    # Docker's overlay mounts of the machine may outlive it in this host's mount table.
    { grep -o " $dir/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$dir"
  done
  iptables -D FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -j DROP 2>/dev/null || true
  iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null || true
  ip link del "$BRIDGE" 2>/dev/null || true
}

reboot_machine() {
  local name=$1
  power_off "$name"
  boot "$name"
}

cmd=${1:-}
shift || true
case "$cmd" in
  up)
    n=${1:?usage: machines.sh up N --deb PATH}
    [ "${2:-}" = --deb ] || die "usage: machines.sh up N --deb PATH"
    up "$n" "$3"
    ;;
  bake)
    [ "${1:-}" = --deb ] || die "usage: machines.sh bake --deb PATH"
    bake "$2"
    ;;
  ssh)
    name=${1:?usage: machines.sh ssh NAME CMD...}
    shift
    in_machine "$name" "$@"
    ;;
  logs)
    name=${1:?usage: machines.sh logs NAME [UNIT]}
    if [ -n "${2:-}" ]; then in_machine "$name" journalctl --no-pager -u "$2"; else in_machine "$name" journalctl --no-pager; fi
    ;;
  reboot) reboot_machine "${1:?usage: machines.sh reboot NAME}" ;;
  down) down ;;
  *) die "usage: machines.sh up|ssh|logs|reboot|down|bake (see the head of this script)" ;;
esac
