#!/usr/bin/env bash
# Builds the container images Keelson needs without any registry, from Debian packages and a static C binary:
#   registry.k8s.io/pause:3.10   the pod sandbox (images/pause/pause.c, gcc -static)
#   nginx:1.22, nginx:1.22.N, nginx:latest  a slim nginx (Debian's binary + the libraries ldd lists), listens on 80;
#                                tagged with the version of Debian's nginx it runs (bookworm: 1.22.1)
#   busybox:1.35, busybox:latest a shell and coreutils (Debian's busybox-static), for tests and debugging
# Idempotent: images that already exist are skipped unless --force is given.
# Usage: scripts/build-images.sh [--docker-host unix:///path.sock] [--force] [--only pause|nginx|busybox]
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
images_dir="$here/images"
force=0
only=""
docker_args=()

while [ $# -gt 0 ]; do
  case "$1" in
    --docker-host) docker_args=(-H "$2"); shift 2 ;;
    --docker-host=*) docker_args=(-H "${1#*=}"); shift ;;
    --force) force=1; shift ;;
    --only) only="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-images: unknown argument: $1" >&2; exit 2 ;;
  esac
done

log() { printf '[build-images] %s\n' "$*"; }
dock() { docker "${docker_args[@]}" "$@"; }

dock version --format '{{.Server.Version}}' >/dev/null 2>&1 || {
  echo "build-images: no Docker daemon answers at ${docker_args[1]:-the default socket}" >&2
  exit 1
}

work="$(mktemp -d /tmp/keelson-images.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# exists TAG: true when the daemon already has the image and --force was not given.
exists() {
  [ "$force" -eq 0 ] && dock image inspect "$1" >/dev/null 2>&1
}

wanted() {
  [ -z "$only" ] || [ "$only" = "$1" ]
}

# fetch_debs DIR PKG...: downloads the packages and unpacks them into DIR/root.
fetch_debs() {
  local dir="$1"; shift
  mkdir -p "$dir/debs" "$dir/root"
  if ! (cd "$dir/debs" && apt-get download -q "$@" >"$dir/apt.log" 2>&1); then
    echo "build-images: apt-get download $* failed:" >&2
    cat "$dir/apt.log" >&2
    exit 1
  fi
  for deb in "$dir"/debs/*.deb; do
    dpkg-deb -x "$deb" "$dir/root"
  done
}

# copy_libs BINARY ROOTFS: copies every shared library ldd lists for BINARY, the loader included.
copy_libs() {
  local bin="$1" rootfs="$2" missing
  missing="$(ldd "$bin" | awk '/not found/{print $1}')"
  if [ -n "$missing" ]; then
    echo "build-images: libraries of $(basename "$bin") missing on this host: $missing" >&2
    exit 1
  fi
  # "libx.so => /path (addr)" has the path in $3; the loader line "/lib64/ld-linux... (addr)" in $1.
  ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | while read -r lib; do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
}

# import ROOTFS TAG... -- CHANGE...: tars the rootfs into a new image, then adds the extra tags.
import_image() {
  local rootfs="$1" first="$2"; shift 2
  local tags=() changes=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do tags+=("$1"); shift; done
  shift
  for c in "$@"; do changes+=(-c "$c"); done
  tar -C "$rootfs" --numeric-owner -cf - . | dock import "${changes[@]}" - "$first" >/dev/null
  for t in "${tags[@]}"; do dock tag "$first" "$t"; done
  log "built $first${tags:+ (also ${tags[*]})}: $(dock image inspect -f '{{.Size}}' "$first" | awk '{printf "%.1f MB", $1/1e6}')"
}

base_files() {
  local rootfs="$1"
  mkdir -p "$rootfs"/{etc,tmp,run,var/tmp}
  chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
  cat >"$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PASSWD
  cat >"$rootfs/etc/group" <<'GROUP'
root:x:0:
www-data:x:33:
nogroup:x:65534:
GROUP
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
}

build_pause() {
  local tag="registry.k8s.io/pause:3.10"
  if exists "$tag"; then log "$tag exists, skipped"; return; fi
  local dir="$work/pause"
  mkdir -p "$dir/root"
  if ! gcc -static -Os -s -o "$dir/root/pause" "$images_dir/pause/pause.c" 2>"$dir/gcc.log"; then
    echo "build-images: gcc -static failed (is libc6-dev installed?):" >&2
    cat "$dir/gcc.log" >&2
    exit 1
  fi
  import_image "$dir/root" "$tag" -- 'ENTRYPOINT ["/pause"]'
}

build_nginx() {
  # The tag says what runs: Debian's nginx, whose upstream version in this Debian release is on the 1.22 line.
  local line="1.22" tag="nginx:1.22" version
  if exists "$tag" && exists "nginx:latest"; then log "$tag exists, skipped"; return; fi
  local dir="$work/nginx" rootfs="$work/nginx/rootfs"
  fetch_debs "$dir" nginx nginx-common
  version=$(dpkg-deb -f "$(ls "$dir"/debs/nginx_*.deb | head -1)" Version)
  version=${version#*:}
  version=${version%%-*}
  case "$version" in
    "$line".*) ;;
    *) echo "build-images: Debian's nginx is $version, not $line.x: change the nginx tag here and where it is used" >&2
       exit 1 ;;
  esac
  base_files "$rootfs"
  mkdir -p "$rootfs"/usr/sbin "$rootfs"/etc/nginx "$rootfs"/usr/share/nginx/html \
    "$rootfs"/var/log/nginx "$rootfs"/var/lib/nginx "$rootfs"/var/www
  cp "$dir/root/usr/sbin/nginx" "$rootfs/usr/sbin/nginx"
  copy_libs "$dir/root/usr/sbin/nginx" "$rootfs"
  cp "$dir/root/etc/nginx/mime.types" "$rootfs/etc/nginx/mime.types"
  cp "$images_dir/nginx/nginx.conf" "$rootfs/etc/nginx/nginx.conf"
  cp "$images_dir/nginx/index.html" "$rootfs/usr/share/nginx/html/index.html"
  # nginx opens its compiled-in log files before it reads the config: point them at the container's streams.
  ln -s /dev/stdout "$rootfs/var/log/nginx/access.log"
  ln -s /dev/stderr "$rootfs/var/log/nginx/error.log"
  import_image "$rootfs" "$tag" "nginx:$version" nginx:latest -- 'CMD ["/usr/sbin/nginx"]' 'EXPOSE 80/tcp'
}

build_busybox() {
  local tag="busybox:1.35"
  if exists "$tag" && exists "busybox:latest"; then log "$tag exists, skipped"; return; fi
  local dir="$work/busybox" rootfs="$work/busybox/rootfs"
  fetch_debs "$dir" busybox-static
  base_files "$rootfs"
  mkdir -p "$rootfs/bin" "$rootfs/root"
  cp "$dir/root/bin/busybox" "$rootfs/bin/busybox"
  for applet in $("$rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
  done
  import_image "$rootfs" "$tag" busybox:latest -- 'CMD ["/bin/sh"]' 'ENV PATH=/bin'
}

wanted pause && build_pause
wanted nginx && build_nginx
wanted busybox && build_busybox
exit 0
