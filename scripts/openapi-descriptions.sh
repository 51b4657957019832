#!/usr/bin/env bash
# Regenerates the apiserver's Kubernetes field descriptions (what `kubectl explain` prints) from the published
# `kubernetes-types` npm package, which carries the descriptions of Kubernetes' OpenAPI spec for every type and
# field. Output: apiserver/src/main/resources/dev/keelson/apiserver/openapi/kubernetes-descriptions.json.gz,
# a map from "GROUP/VERSION.Type" to {"": type description, field: description}.
# Usage: scripts/openapi-descriptions.sh [VERSION]   (needs npm and python3; run again when moving to a newer API)
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-1.30.0}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "kubernetes-types@$version" >/dev/null && tar xzf kubernetes-types-*.tgz)
out=apiserver/src/main/resources/dev/keelson/apiserver/openapi/kubernetes-descriptions.json.gz
mkdir -p "$(dirname "$out")"
python3 - "$work/package" "$out" "$version" <<'PY'
import gzip, json, os, re, sys

root, out, version = sys.argv[1], sys.argv[2], sys.argv[3]
FIELD = re.compile(r'^\s+"?([A-Za-z0-9_$.-]+)"?\??:')
types = {}
for dirpath, _, files in os.walk(root):
    for f in sorted(files):
        if not f.endswith(".d.ts"):
            continue
        gv = os.path.relpath(os.path.join(dirpath, f), root)[:-len(".d.ts")]
        lines = open(os.path.join(dirpath, f), encoding="utf-8").read().split("\n")
        pending, current, i = None, None, 0
        while i < len(lines):
            line = lines[i]
            s = line.strip()
            if s.startswith("/**"):
                doc = [s]
                while "*/" not in doc[-1]:
                    i += 1
                    doc.append(lines[i].strip())
                body = " ".join(doc) if len(doc) == 1 else "\n".join(doc)
                text = []
                for part in body.split("\n"):
                    part = part.strip()
                    part = re.sub(r"^/\*\*\s?", "", part)
                    part = re.sub(r"\s?\*/$", "", part)
                    part = re.sub(r"^\*\s?", "", part) if part != "*" else ""
                    text.append(part)
                pending = "\n".join(text).strip().replace("*\\/", "*/")
            elif s.startswith("export interface "):
                current = re.match(r"export interface (\w+)", s).group(1)
                entry = types.setdefault(gv + "." + current, {})
                if pending:
                    entry[""] = pending
                pending = None
            elif current and line.startswith("}"):
                current, pending = None, None
            elif current and FIELD.match(line):
                if pending:
                    types[gv + "." + current][FIELD.match(line).group(1)] = pending
                pending = None
            elif s and not s.startswith("export type"):
                pending = None if current else pending
            i += 1
types["_source"] = {"": "kubernetes-types@" + version}
with gzip.GzipFile(out, "wb", mtime=0) as g:
    g.write(json.dumps(types, sort_keys=True, separators=(",", ":")).encode("utf-8"))
print("%d types written to %s" % (len(types) - 1, out))
PY
