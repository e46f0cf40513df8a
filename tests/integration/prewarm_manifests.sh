#!/usr/bin/env bash
# coldstart prewarm manifests: every target emitted from the example plan (analyze of aigc v1..v5),
# every YAML document accepted by the project's validator (tests/tools/k8s-validate), the Dragonfly
# request and the containerd hosts.toml parsed as JSON and TOML; timeouts and sizes follow the
# image size and --bandwidth; bad input fails with one line.
source "$(dirname "$0")/lib/harness.sh"
validate="$SOURCE_DIR/tests/tools/k8s-validate"
images="$SOURCE_DIR/examples/images"

"$COLDSTART" -q analyze oci:"$images"/aigc:v{1,2,3,4,5} --plan-out "$tmp/plan.json" >/dev/null
ref=registry.example.com:5000/aigc/sd:v5

# The example plan is from OCI layouts: nodes need a registry reference.
rc=0; "$COLDSTART" prewarm manifests --plan "$tmp/plan.json" --target kruise >"$tmp/out" 2>"$tmp/err" || rc=$?
((rc == 2)) || fail "oci: plan without --image: exit $rc, expected 2"
grep -q -- '--image' "$tmp/err" && [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "not one line naming --image: $(cat "$tmp/err")"
[[ ! -s "$tmp/out" ]] || fail "output despite the error"

common=(--plan "$tmp/plan.json" --image "$ref" --node-selector nvidia.com/gpu.present=true)
for target in daemonset kruise kube-fledged eci acr-p2p; do
  "$COLDSTART" -q prewarm manifests "${common[@]}" --target "$target" --toleration '*' \
    --requests cpu=100m --requests memory=256Mi --limits memory=2Gi --pull-secret regcred >"$tmp/$target.yaml" \
    || fail "--target $target failed"
done
"$validate" "$tmp"/{daemonset,kruise,kube-fledged,eci}.yaml >"$tmp/v.out" 2>&1 || fail "manifests rejected: $(cat "$tmp/v.out")"
"$validate" --patch "$tmp/acr-p2p.yaml" >"$tmp/v.out" 2>&1 || fail "acr-p2p patch rejected: $(cat "$tmp/v.out")"
"$COLDSTART" -q prewarm manifests "${common[@]}" --target dragonfly --scheduler-cluster-id 1 >"$tmp/dragonfly.json"
"$COLDSTART" -q prewarm manifests "${common[@]}" --target containerd-hosts >"$tmp/hosts.toml"
"$COLDSTART" -q prewarm manifests "${common[@]}" --target containerd-hosts --peer-kind spegel --peer http://127.0.0.1:30020 >"$tmp/spegel.toml"
"$COLDSTART" -q prewarm manifests "${common[@]}" --target kruise -o json >"$tmp/kruise.json"

/usr/bin/python3 - "$tmp" "$ref" <<'PY'
import json, sys, tomllib, yaml
tmp, ref = sys.argv[1], sys.argv[2]
plan = json.load(open(f"{tmp}/plan.json"))
image_bytes = plan["images"][0]["totals"]["image_bytes"]

ds = list(yaml.safe_load_all(open(f"{tmp}/daemonset.yaml")))
assert [d["kind"] for d in ds] == ["ConfigMap", "DaemonSet"], [d["kind"] for d in ds]
carried = json.loads(ds[0]["data"]["plan.json"])
assert carried["kind"] == "coldstart-plan" and carried["images"][0]["newest"]["reference"] == ref
pod = ds[1]["spec"]["template"]["spec"]
cmd = pod["initContainers"][0]["command"]
assert cmd[:4] == ["coldstart", "prewarm", "pull", ref], cmd
for flag, value in (("--cache", "/var/lib/coldstart/cache"), ("--import", "containerd")):
    assert cmd[cmd.index(flag) + 1] == value, (flag, cmd)
# containerd cannot name a partial image, so the node imports the whole newest image
assert "--layers" not in cmd, cmd
assert pod["initContainers"][0]["image"].startswith("ghcr.io/coldstart/coldstart:")
assert pod["initContainers"][0]["resources"] == {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "2Gi"}}
assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
assert pod["tolerations"] == [{"operator": "Exists"}]
vols = {v["name"]: v for v in pod["volumes"]}
assert vols["containerd-sock"]["hostPath"] == {"path": "/run/containerd/containerd.sock", "type": "Socket"}
assert vols["cache"]["hostPath"]["path"] == "/var/lib/coldstart/cache"
# coldstart writes the layers into the snapshot directories containerd names: its root at the same path
assert vols["containerd-root"]["hostPath"] == {"path": "/var/lib/containerd", "type": "Directory"}
mounts = {m["name"]: m["mountPath"] for m in pod["initContainers"][0]["volumeMounts"]}
assert mounts["containerd-root"] == "/var/lib/containerd", mounts
assert pod["initContainers"][0]["securityContext"]["capabilities"] == {"add": ["SYS_ADMIN"]}
assert vols["plan"]["configMap"]["name"] == ds[0]["metadata"]["name"]

job = yaml.safe_load(open(f"{tmp}/kruise.yaml"))
assert job["apiVersion"] == "apps.kruise.io/v1alpha1" and job["spec"]["image"] == ref
assert job["spec"]["pullPolicy"]["timeoutSeconds"] == 300  # a 1 MiB image: the 5-minute floor
assert job["spec"]["pullSecrets"] == ["regcred"]
assert json.load(open(f"{tmp}/kruise.json"))["documents"][0]["spec"]["image"] == ref

fledged = yaml.safe_load(open(f"{tmp}/kube-fledged.yaml"))
assert fledged["apiVersion"] == "kubefledged.io/v1alpha2" and fledged["metadata"]["namespace"] == "kube-fledged"
assert fledged["spec"]["cacheSpec"] == [{"images": [ref], "nodeSelector": {"nvidia.com/gpu.present": "true"}}]

eci = yaml.safe_load(open(f"{tmp}/eci.yaml"))
assert eci["spec"]["imageCacheSize"] == 20 and eci["spec"]["retentionDays"] >= 1
assert eci["spec"]["imagePullSecrets"] == ["coldstart:regcred"]

patch = yaml.safe_load(open(f"{tmp}/acr-p2p.yaml"))
assert patch["spec"]["template"]["metadata"]["labels"] == {"k8s.aliyun.com/image-accelerate-mode": "p2p"}

lines = open(f"{tmp}/dragonfly.json").read().splitlines()
assert len(lines) == 1, lines
pre = json.loads(lines[0])
assert pre["type"] == "preheat" and pre["scheduler_cluster_ids"] == [1]
assert pre["args"]["type"] == "image" and pre["args"]["scope"] == "all_peers"
assert pre["args"]["url"] == "https://registry.example.com:5000/v2/aigc/sd/manifests/v5", pre["args"]["url"]
assert pre["args"]["timeout"] == 300 * 10**9

hosts = tomllib.loads(open(f"{tmp}/hosts.toml").read())
assert hosts["server"] == "https://registry.example.com:5000"
peer = hosts["host"]["http://127.0.0.1:65001"]
assert peer["capabilities"] == ["pull", "resolve"] and peer["header"]["X-Dragonfly-Registry"] == "https://registry.example.com:5000"
spegel = tomllib.loads(open(f"{tmp}/spegel.toml").read())
assert "header" not in spegel["host"]["http://127.0.0.1:30020"]
assert open(f"{tmp}/hosts.toml").readline() == "# file: /etc/containerd/certs.d/registry.example.com:5000/hosts.toml\n"

# A 20 GB release: the same plan with its sizes scaled, for the sizing checks below.
plan["images"][0]["totals"]["image_bytes"] = 20_000_000_000
json.dump(plan, open(f"{tmp}/big-plan.json", "w"))
PY
[[ $? -eq 0 ]] || fail "emitted manifests are not as expected"

# Sizing: 20 GB at 50 MB/s = 60 + 2 x 400 s = 860 s -> 900 s per pull (Kruise's 600 s would fail),
# 4 attempts -> 3600 s job deadline; ECI: 2 x 18.6 GiB -> 38 GiB; kube-fledged: 15m.
big=(--plan "$tmp/big-plan.json" --image "$ref" --bandwidth 50MB/s)
"$COLDSTART" -q prewarm manifests "${big[@]}" --target kruise >"$tmp/big-kruise.yaml"
grep -q 'timeoutSeconds: 900$' "$tmp/big-kruise.yaml" || fail "kruise timeout not sized: $(cat "$tmp/big-kruise.yaml")"
grep -q 'activeDeadlineSeconds: 3600$' "$tmp/big-kruise.yaml" || fail "kruise deadline not sized"
"$COLDSTART" -q prewarm manifests "${big[@]}" --target eci >"$tmp/big-eci.yaml"
grep -q 'imageCacheSize: 38$' "$tmp/big-eci.yaml" || fail "eci size not 2 x image: $(cat "$tmp/big-eci.yaml")"
"$COLDSTART" -q prewarm manifests "${big[@]}" --target kube-fledged >"$tmp/big-fledged.yaml"
grep -q -- '--image-pull-deadline-duration=15m' "$tmp/big-fledged.yaml" || fail "kube-fledged deadline not given"
"$validate" "$tmp"/big-{kruise,eci,fledged}.yaml >/dev/null 2>&1 || fail "sized manifests rejected"

# A fleet plan of two repositories: one pull per image, in plan order, with one --image each.
"$COLDSTART" -q analyze oci:"$images"/aigc:v5 oci:"$images"/llm:v2 --plan-out "$tmp/fleet.json" >/dev/null
fleet=(--plan "$tmp/fleet.json" --image r.example.com/aigc:v5 --image r.example.com/llm:v2)
"$COLDSTART" -q prewarm manifests "${fleet[@]}" --target daemonset >"$tmp/fleet-ds.yaml"
"$COLDSTART" -q prewarm manifests "${fleet[@]}" --target kruise >"$tmp/fleet-kruise.yaml"
"$validate" "$tmp"/fleet-{ds,kruise}.yaml >/dev/null 2>&1 || fail "fleet manifests rejected"
[[ $(grep -c '^kind: ImagePullJob' "$tmp/fleet-kruise.yaml") -eq 2 ]] || fail "not one ImagePullJob per image"
grep -A6 'name: pull-1-' "$tmp/fleet-ds.yaml" | grep -q 'r.example.com/llm:v2' || fail "second init container does not pull the second image"
rc=0; "$COLDSTART" -q prewarm manifests --plan "$tmp/fleet.json" --image r.example.com/aigc:v5 --target kruise >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "fleet plan with one --image for two oci: images: exit $rc, expected 2"

# Bad input: one line each, exit 1 (unreadable or wrong plan) or 2 (usage).
echo '{"kind": "something-else"}' >"$tmp/not-a-plan.json"
echo '{not json' >"$tmp/broken.json"
check_error() {
  local want=$1; shift
  local rc=0
  "$COLDSTART" prewarm manifests "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  ((rc == want)) || fail "$*: exit $rc, expected $want: $(cat "$tmp/err")"
  [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "$*: not one error line: $(cat "$tmp/err")"
  [[ ! -s "$tmp/out" ]] || fail "$*: output despite the error"
}
check_error 1 --plan "$tmp/not-a-plan.json" --target kruise --image "$ref"
check_error 1 --plan "$tmp/broken.json" --target kruise --image "$ref"
check_error 2 --plan "$tmp/plan.json" --target helm --image "$ref"
check_error 2 --plan "$tmp/plan.json" --target kruise --image "$ref" --bandwidth fast
check_error 2 --plan "$tmp/plan.json" --target daemonset --image "$ref" --toleration 'a=b:Sometimes'
check_error 2 --plan "$tmp/plan.json" --target acr-p2p --image "$ref" --workload Service/x
check_error 2 --plan "$tmp/plan.json" --target kruise --image 'Not A Reference'
echo "prewarm_manifests: ok"
