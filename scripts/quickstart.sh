#!/usr/bin/env bash
# Quick start on a fresh Debian 12 host (as root): set up the host, build, start `keelson server`, show that it
# works with kubectl, and say how to use and stop it. Safe to run again: it reuses a running server.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
data="${KEELSON_DATA_DIR:-$root/.data/quickstart}"
log="$data/server.log"
step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\n[quickstart] FAILED at step: %s\n' "$1" >&2; [ -n "${2:-}" ] && printf '[quickstart] see %s\n' "$2" >&2; exit 1; }

step "1/6 host set-up (packages, dockerd)"
./scripts/setup.sh || fail "host set-up"

step "2/6 build (mvn install -DskipTests)"
mvn -B -q -ntp install -DskipTests > "${TMPDIR:-/tmp}/keelson-build.log" 2>&1 || fail "build" "${TMPDIR:-/tmp}/keelson-build.log"

step "3/6 airgap images (no registry is reachable: pause and nginx built from Debian packages)"
if [ -x scripts/build-images.sh ]; then
  ./scripts/build-images.sh || fail "image build"
else
  echo "scripts/build-images.sh is not in this build; skipping"
fi

step "4/6 keelson server (data in $data, log in $log)"
mkdir -p "$data"
export KUBECONFIG="$data/admin.kubeconfig"
if [ -f "$data/server.pid" ] && kill -0 "$(cat "$data/server.pid")" 2>/dev/null \
   && kubectl get --raw /readyz >/dev/null 2>&1; then
  echo "already running (pid $(cat "$data/server.pid"))"
else
  nohup ./bin/keelson server --data-dir "$data" > "$log" 2>&1 &
  echo $! > "$data/server.pid"
  for _ in $(seq 1 120); do
    [ -f "$KUBECONFIG" ] && kubectl get --raw /readyz >/dev/null 2>&1 && break
    kill -0 "$(cat "$data/server.pid")" 2>/dev/null || fail "keelson server exited" "$log"
    sleep 0.5
  done
  kubectl get --raw /readyz >/dev/null 2>&1 || fail "keelson server did not become ready" "$log"
  echo "started (pid $(cat "$data/server.pid"))"
fi
kubectl version 2>/dev/null | sed 's/^/    /'
kubectl get namespaces | sed 's/^/    /'

step "5/6 deploy examples/nginx.yaml"
kubectl apply -f examples/nginx.yaml | sed 's/^/    /' || fail "kubectl apply" "$log"

step "6/6 wait until the nginx Service answers"
for _ in $(seq 1 120); do
  kubectl get nodes -o name 2>/dev/null | grep -q node/ && break
  sleep 0.5
done
kubectl get nodes -o name 2>/dev/null | grep -q node/ || fail "no node registered (the in-process kubelet)" "$log"
kubectl rollout status deployment/nginx --timeout=180s || fail "rollout of nginx" "$log"
ip=$(kubectl get service nginx -o jsonpath='{.spec.clusterIP}')
for _ in $(seq 1 60); do
  curl -fsS --max-time 2 "http://$ip/" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS --max-time 2 "http://$ip/" >/dev/null || fail "curl http://$ip/" "$log"
echo "    curl http://$ip/ answered"

cat <<MSG

Keelson is running.
  export KUBECONFIG=$KUBECONFIG
  kubectl get all -o wide
  kubectl describe deployment nginx
  kubectl logs deployment/nginx
  kubectl exec deployment/nginx -- nginx -v
  kubectl scale deployment nginx --replicas=5
  kubectl set image deployment/nginx nginx=nginx:latest && kubectl rollout status deployment/nginx
  kubectl rollout undo deployment/nginx
Add a node (another host): copy $data/node-token there, then
  keelson agent --server https://<this host's address>:6443 --token-file <that copy>
Stop it:   kill \$(cat $data/server.pid)
Logs:      $log
MSG
