#!/usr/bin/env bash
# tests/tools/k8s-validate, the suite's manifest checker: for every kind it knows (built-in and
# custom resources) a valid document passes, and an unknown field, a missing required field and a
# wrong type are each caught, one line naming the document, kind and path. Exit 0/1/2.
source "$(dirname "$0")/lib/harness.sh"
validate="$SOURCE_DIR/tests/tools/k8s-validate"
[[ -x "$validate" ]] || fail "validator not found at $validate"

# One valid document per kind, and per kind three broken copies: (mutation, expected path).
python3 - "$tmp" <<'PY'
import copy, json, os, sys
out = sys.argv[1]
pod_spec = {"containers": [{"name": "c", "image": "busybox:1", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}
valid = {
  "daemonset": {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "d"},
                "spec": {"selector": {"matchLabels": {"a": "b"}},
                         "template": {"metadata": {"labels": {"a": "b"}}, "spec": pod_spec}}},
  "configmap": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"plan.json": "{}"}},
  "hpa": {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
          "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "x"}, "maxReplicas": 5,
                   "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}]}},
  "ahpa": {"apiVersion": "autoscaling.alibabacloud.com/v1beta1", "kind": "AdvancedHorizontalPodAutoscaler", "metadata": {"name": "a"},
           "spec": {"scaleStrategy": "auto", "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "x"},
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 40}}}],
                    "maxReplicas": 10, "minReplicas": 1, "prediction": {"quantile": 95, "scaleUpForward": 180}}},
  "ehpa": {"apiVersion": "autoscaling.crane.io/v1alpha1", "kind": "EffectiveHorizontalPodAutoscaler", "metadata": {"name": "e"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "x"}, "maxReplicas": 10,
                    "scaleStrategy": "Auto", "prediction": {"predictionWindowSeconds": 3600, "predictionAlgorithm": {"algorithmType": "dsp"}}}},
  "keda": {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "k"},
           "spec": {"scaleTargetRef": {"name": "x"}, "maxReplicaCount": 10,
                    "advanced": {"horizontalPodAutoscalerConfig": {"behavior": {"scaleUp": {"tolerance": "0"}}}},
                    "triggers": [{"type": "cron", "metadata": {"timezone": "UTC", "start": "0 8 * * *", "end": "0 20 * * *", "desiredReplicas": "5"}}]}},
  "kruise": {"apiVersion": "apps.kruise.io/v1alpha1", "kind": "ImagePullJob", "metadata": {"name": "j"},
             "spec": {"image": "r/x:1", "parallelism": 10, "completionPolicy": {"type": "Always", "activeDeadlineSeconds": 1200},
                      "pullPolicy": {"timeoutSeconds": 600, "backoffLimit": 3}}},
  "kubefledged": {"apiVersion": "kubefledged.io/v1alpha2", "kind": "ImageCache", "metadata": {"name": "f", "namespace": "kube-fledged"},
                  "spec": {"cacheSpec": [{"images": ["r/x:1"], "nodeSelector": {"gpu": "true"}}]}},
  "eci": {"apiVersion": "eci.alibabacloud.com/v1", "kind": "ImageCache", "metadata": {"name": "i"},
          "spec": {"images": ["r/x:1"], "imageCacheSize": 40, "retentionDays": 7}},
}
# kind -> [(name, path to mutate, action, value)]: unknown field, missing required, wrong type.
cases = {
  "daemonset": [("unknown", ["spec", "template", "spec", "containers", 0, "imagePullPolice"], "set", "Always"),
                ("missing", ["spec", "selector"], "del", None),
                ("type", ["spec", "template", "spec", "containers", 0, "image"], "set", 5)],
  "configmap": [("unknown", ["datas"], "set", {}), ("missing", ["metadata", "name"], "del", None), ("type", ["data"], "set", [1])],
  "hpa": [("unknown", ["spec", "minReplica"], "set", 1), ("missing", ["spec", "maxReplicas"], "del", None),
          ("type", ["spec", "maxReplicas"], "set", "five")],
  "ahpa": [("unknown", ["spec", "prediction", "quantiles"], "set", 95), ("missing", ["spec", "scaleTargetRef"], "del", None),
           ("type", ["spec", "prediction", "scaleUpForward"], "set", "180s")],
  "ehpa": [("unknown", ["spec", "predict"], "set", {}), ("missing", ["spec", "maxReplicas"], "del", None),
           ("type", ["spec", "minReplicas"], "set", "1")],
  "keda": [("unknown", ["spec", "triggers", 0, "metadatas"], "set", {}), ("missing", ["spec", "triggers"], "del", None),
           ("type", ["spec", "maxReplicaCount"], "set", 1.5),
           # the behaviour is KEDA's (with autoscaling/v2's tolerance), not the client's older model
           ("tolerance", ["spec", "advanced", "horizontalPodAutoscalerConfig", "behavior", "scaleUp", "tolerance"], "set", "-10%")],
  "kruise": [("unknown", ["spec", "pullPolicy", "timeout"], "set", 600), ("missing", ["spec", "completionPolicy"], "del", None),
             ("type", ["spec", "pullPolicy", "timeoutSeconds"], "set", "600")],
  "kubefledged": [("unknown", ["spec", "cacheSpec", 0, "nodeSelectors"], "set", {}), ("missing", ["spec", "cacheSpec"], "del", None),
                  ("type", ["spec", "cacheSpec", 0, "images"], "set", "r/x:1")],
  "eci": [("unknown", ["spec", "imageCacheSizeGiB"], "set", 40), ("missing", ["spec", "images"], "del", None),
          ("type", ["spec", "retentionDays"], "set", "7")],
}
def dotted(path):
    s = ""
    for p in path:
        s += f"[{p}]" if isinstance(p, int) else (f".{p}" if s else p)
    return s
expect = []
for kind, doc in valid.items():
    json.dump(doc, open(os.path.join(out, f"{kind}.ok.json"), "w"))
    for name, path, action, value in cases[kind]:
        bad = copy.deepcopy(doc)
        node = bad
        for p in path[:-1]:
            node = node[p]
        if action == "del":
            del node[path[-1]]
        else:
            node[path[-1]] = value
        json.dump(bad, open(os.path.join(out, f"{kind}.{name}.json"), "w"))
        expect.append(f"{kind}.{name}.json\t{doc['kind']}\t{dotted(path)}")
open(os.path.join(out, "expect.tsv"), "w").write("\n".join(expect) + "\n")
PY

# All valid documents in one run (the Kubernetes client takes a second to import).
oks=("$tmp"/*.ok.json)
((${#oks[@]} == 9)) || fail "expected 9 kinds, found ${#oks[@]}"
"$validate" "${oks[@]}" >"$tmp/out" 2>&1 || fail "a valid document was rejected: $(cat "$tmp/out")"

# Every broken copy in one run: exit 1, and each problem reported at its path.
bads=()
while IFS=$'\t' read -r file kind path; do bads+=("$tmp/$file"); done <"$tmp/expect.tsv"
rc=0
"$validate" "${bads[@]}" >"$tmp/out" 2>/dev/null || rc=$?
((rc == 1)) || fail "broken documents: exit $rc, expected 1: $(cat "$tmp/out")"
while IFS=$'\t' read -r file kind path; do
  # One line per problem: FILE#INDEX KIND PATH: what
  grep -qF "$tmp/$file#0 $kind $path: " "$tmp/out" || fail "$file: no problem reported at $path: $(grep -F "$file" "$tmp/out")"
  # and only that problem: a mutation must not be reported as something else as well
  [[ $(grep -cF "$tmp/$file#" "$tmp/out") -eq 1 ]] || fail "$file: more than one problem: $(grep -F "$file" "$tmp/out")"
done <"$tmp/expect.tsv"

# Several documents in one stream, read from stdin: the index tells which one is wrong.
{ cat "$tmp/kruise.ok.json"; echo; echo '---'; cat "$tmp/eci.unknown.json"; } | "$validate" - >"$tmp/out" 2>/dev/null && fail "stream with a bad document passed"
grep -q '^-#1 ImageCache spec.imageCacheSizeGiB: ' "$tmp/out" || fail "stdin document index not reported: $(cat "$tmp/out")"
grep -q '^-#0' "$tmp/out" && fail "the valid first document was reported: $(cat "$tmp/out")"

# A kind nobody knows is a problem, not a pass.
printf 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n' >"$tmp/widget.yaml"
"$validate" "$tmp/widget.yaml" >"$tmp/out" 2>/dev/null && fail "unknown kind passed"
grep -q 'no schema for apiVersion example.com/v1 kind Widget' "$tmp/out" || fail "unknown kind not named"

# --patch: partial documents (strategic merge patches) skip required fields, still reject unknown ones.
printf 'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    metadata:\n      labels: {a: b}\n' >"$tmp/patch.yaml"
"$validate" --patch "$tmp/patch.yaml" >/dev/null 2>&1 || fail "valid patch rejected"
"$validate" "$tmp/patch.yaml" >/dev/null 2>&1 && fail "partial document passed without --patch"
printf 'apiVersion: apps/v1\nkind: Deployment\nspec:\n  templates: {}\n' >"$tmp/badpatch.yaml"
"$validate" --patch "$tmp/badpatch.yaml" >/dev/null 2>&1 && fail "patch with an unknown field passed"

# Unreadable input: exit 2 with one line on stderr.
rc=0; "$validate" "$tmp/does-not-exist.yaml" >/dev/null 2>"$tmp/err" || rc=$?
((rc == 2)) || fail "missing file: exit $rc, expected 2"
[[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "missing file: not one error line: $(cat "$tmp/err")"
rc=0; printf 'a: [\n' | "$validate" - >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "broken YAML: exit $rc, expected 2"
echo "k8s_validate: ok"
