#!/usr/bin/env bash
# Installs what this host lacks for building and running Keelson, and makes sure a Docker daemon answers.
# Idempotent: a second run only checks.
set -euo pipefail

log() { printf '[setup] %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "[setup] must run as root (it installs packages and starts dockerd)" >&2
  exit 1
fi

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || need+=(etcd-client)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v conntrack >/dev/null 2>&1 || need+=(conntrack)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v gcc >/dev/null 2>&1 || need+=(gcc)
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || need+=(libc6-dev)
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
# the official Python client, for the e2e suite that runs it against a server (OfficialClientsTest)
[ -e /usr/lib/python3/dist-packages/kubernetes/__init__.py ] || need+=(python3-kubernetes)
# Debian machines booting systemd for the install tests (scripts/machines.sh, SystemdMachinesTest)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v systemd-nspawn >/dev/null 2>&1 || need+=(systemd-container)

if [ ${#need[@]} -gt 0 ]; then
  log "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || apt-get update
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  log "all packages present"
fi

# The nf_tables backend is the one Docker uses on Debian 12; never switch to legacy.
if update-alternatives --query iptables >/dev/null 2>&1; then
  current=$(update-alternatives --query iptables | awk '/^Value:/{print $2}')
  if [ "$current" != "/usr/sbin/iptables-nft" ] && [ -x /usr/sbin/iptables-nft ]; then
    update-alternatives --set iptables /usr/sbin/iptables-nft >/dev/null
  fi
fi

# Docker: the project uses the host's default daemon socket.
if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  log "docker daemon answers"
else
  log "starting dockerd"
  mkdir -p /var/log/keelson
  nohup dockerd >/var/log/keelson/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && break
    sleep 0.5
  done
  if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    echo "[setup] dockerd did not answer within 30 s; see /var/log/keelson/dockerd.log" >&2
    exit 1
  fi
  log "docker daemon answers ($(docker version --format '{{.Server.Version}}'))"
fi
