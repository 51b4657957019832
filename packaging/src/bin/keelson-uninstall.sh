#!/bin/sh
# Removes Keelson from this machine, as k3s-uninstall.sh does for k3s: stops and disables its units, stops the
# containers of its pods, removes the proxy's iptables chains and routes, its pod networks, its data and
# configuration, then purges the package. What other software made is left alone.
set -eu
if [ "$(id -u)" != 0 ]; then
  echo "keelson-uninstall.sh: run as root" >&2
  exit 1
fi
units="keelson-server keelson-agent keelson-apiserver keelson-scheduler keelson-controller-manager keelson-kubelet
keelson-proxy keelson-etcd"
if [ -d /run/systemd/system ]; then
  for unit in $units; do
    systemctl disable --now "$unit.service" >/dev/null 2>&1 || true
  done
fi
# The proxy removes exactly what it made; purge (postrm) removes the rest.
if [ -x /usr/lib/keelson/bin/keelson ]; then
  /usr/lib/keelson/bin/keelson proxy --cleanup >/dev/null 2>&1 || true
fi
if dpkg -s keelson >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive exec apt-get purge -y -q keelson
fi
