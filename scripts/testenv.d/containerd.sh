# containerd 1.6 (Debian package) as root, private to DIR: its own --root, --state and socket, so it
# never touches a host containerd. Minimal config: overlayfs snapshotter, no CRI plugin (nothing here
# needs the kubelet side), no metrics or debug sockets. containerd 1.6 reads hosts.toml only in the CRI
# plugin; ctr resolves registries itself, so registry mirrors for ctr go in CONTAINERD_HOSTS_DIR
# (`ctr images pull --hosts-dir`).
# Prints (eval them):
#   CONTAINERD_ADDRESS=DIR/containerd/containerd.sock  CONTAINERD_ROOT  CONTAINERD_STATE
#   CONTAINERD_HOSTS_DIR (for `ctr images pull --hosts-dir`)  CONTAINERD_SNAPSHOTTER=overlayfs
# CONTAINERD_LOG_LEVEL=debug logs every layer apply with its duration (DIR/containerd.log).
# Records DIR/containerd.pid; `testenv stop DIR` also stops its shims and unmounts what is left.

start_containerd() {
  local dir="$1"
  command -v containerd >/dev/null || { echo "testenv: containerd is not installed (scripts/install-deps.sh)" >&2; return 1; }
  command -v ctr >/dev/null || { echo "testenv: ctr is not installed (package containerd)" >&2; return 1; }
  command -v runc >/dev/null || { echo "testenv: runc is not installed (scripts/install-deps.sh)" >&2; return 1; }
  if [[ $(id -u) -ne 0 ]]; then
    echo "testenv: containerd needs root (overlayfs mounts); run the tests as root" >&2
    return 1
  fi
  [[ -e "$dir/containerd.pid" ]] && { echo "testenv: a containerd already runs in $dir" >&2; return 1; }
  local home="$dir/containerd"
  mkdir -p "$home/root" "$home/state" "$home/certs.d" "$home/opt"
  local sock="$home/containerd.sock"
  # unix sockets are limited to 107 bytes; fail clearly instead of containerd's obscure bind error
  if ((${#sock} > 100)); then
    echo "testenv: containerd socket path is too long for a unix socket (${#sock} > 100): $sock; use a shorter DIR" >&2
    return 1
  fi
  cat >"$home/config.toml" <<TOML
version = 2
root = "$home/root"
state = "$home/state"
disabled_plugins = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]

[grpc]
  address = "$sock"

[ttrpc]
  address = "$sock.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$home/opt"
TOML
  spawn "$dir" containerd containerd --config "$home/config.toml" --log-level "${CONTAINERD_LOG_LEVEL:-info}"
  local deadline=$((SECONDS + 30))
  until ctr --address "$sock" version >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$dir/containerd.pid")" 2>/dev/null || ((SECONDS >= deadline)); then
      echo "testenv: containerd did not answer on $sock; log:" >&2
      tail -5 "$dir/containerd.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "export CONTAINERD_ADDRESS=$sock"
  echo "export CONTAINERD_ROOT=$home/root"
  echo "export CONTAINERD_STATE=$home/state"
  echo "export CONTAINERD_HOSTS_DIR=$home/certs.d"
  echo "export CONTAINERD_SNAPSHOTTER=overlayfs"
}

# Called by `testenv stop DIR` before the generic stop: ends the tasks (through containerd, so the
# shims clean up), stops containerd, ends shims that survived, then unmounts anything left under DIR.
stop_containerd() {
  local dir="$1" home="$1/containerd"
  [[ -d "$home" ]] || return 0
  local sock="$home/containerd.sock" ns task pid
  if [[ -e "$dir/containerd.pid" ]] && ctr --address "$sock" version >/dev/null 2>&1; then
    for ns in $(ctr --address "$sock" namespaces ls -q 2>/dev/null); do
      for task in $(ctr --address "$sock" -n "$ns" tasks ls -q 2>/dev/null); do
        ctr --address "$sock" -n "$ns" tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
        for _ in $(seq 30); do
          ctr --address "$sock" -n "$ns" tasks delete "$task" >/dev/null 2>&1 && break
          sleep 0.1
        done
      done
    done
  fi
  if [[ -e "$dir/containerd.pid" ]]; then
    pid="$(cat "$dir/containerd.pid")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/containerd.pid"
  fi
  # shims run in their own process group; find exactly the ones started for this socket
  local cmdline
  for cmdline in /proc/[0-9]*/cmdline; do
    if tr '\0' ' ' 2>/dev/null <"$cmdline" | grep -q -- "containerd-shim.* -address $sock "; then
      pid="${cmdline#/proc/}" && pid="${pid%/cmdline}"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  # deepest mount points first
  local mnt
  while IFS= read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v d="$home/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
}
