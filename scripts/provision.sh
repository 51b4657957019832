#!/bin/sh
# Provisions one Keelson host from the .deb, the way docs/install.md tells a user to. The Vagrantfile runs it in its
# VMs and the install tests in their systemd machines (scripts/machines.sh copies it to /root/provision.sh), so the
# two cannot drift.
#
#   provision.sh install DEB                            apt-get install the .deb (Debian brings its Depends)
#   provision.sh server IP NAME                         configure and start the keelson-server unit
#   provision.sh agent IP NAME SERVER_URL TOKEN_FILE    configure and start the keelson-agent unit
set -eu
role=${1:?usage: provision.sh install DEB | server IP NAME | agent IP NAME SERVER_URL TOKEN_FILE}
case "$role" in
  install)
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${2:?deb}"
    ;;
  server)
    ip=${2:?ip} name=${3:?name}
    cat >/etc/default/keelson-server <<CONF
KEELSON_ARGS="--data-dir /var/lib/keelson/server --advertise-address $ip --node-ip $ip --node-name $name"
CONF
    systemctl enable keelson-server
    systemctl restart keelson-server
    ;;
  agent)
    ip=${2:?ip} name=${3:?name} server=${4:?server url} token=${5:?token file}
    install -d -m 700 /etc/keelson
    if [ "$token" != /etc/keelson/node-token ]; then
      install -m 600 "$token" /etc/keelson/node-token
    fi
    cat >/etc/default/keelson-agent <<CONF
KEELSON_ARGS="--server $server --token-file /etc/keelson/node-token --data-dir /var/lib/keelson/agent --node-ip $ip --node-name $name"
CONF
    systemctl enable keelson-agent
    systemctl restart keelson-agent
    ;;
  *)
    echo "provision.sh: unknown role $role" >&2
    exit 2
    ;;
esac
