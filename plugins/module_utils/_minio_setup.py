# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The MinIO setup Job of the collection's chart openlakes-minio-setup: its POSIX sh script and the
IAM policy documents it applies. Private to this collection.

`script(spec)` turns a spec into the script the Job runs with `mc`:

    {"hot": {"alias": "hot", "endpoint": "http://minio.<ns>.svc.cluster.local:9000",
             "credentials_dir": "/secrets/minio"},                 # files rootUser, rootPassword
     "cold": None | {"alias": "cold", "endpoint": "http://minio-cold.<ns>.svc.cluster.local:9000",
                     "credentials_dir": "/secrets/minio", "bucket": "openlakes-cold"},
     "buckets": [{"name": "openlakes", "versioning": True, "prefixes": ["raw/", "warehouse/"]}, ...],
     "users": [{"name": "nessie", "credentials_dir": "/secrets/nessie", "access_key_file": "s3-access-key",
                "secret_key_file": "s3-secret-key",
                "grants": [{"bucket": "openlakes", "prefix": "warehouse/", "access": "readwrite"}],
                "server": "hot"}],                        # "cold": the user and policy are the cold MinIO's
     "cold_buckets": [{"name": "openlakes-backups", "prefixes": ["postgresql/"]}],   # on the cold MinIO
     "tiering": None | {"tier": "COLD", "bucket": "openlakes", "prefix": "openlakes/",
                        "transition_days": 30, "noncurrent": True}}

What the script guarantees (issue 20):
- No credential on any command line: keys are read from the mounted Secret files and reach mc on its
  standard input (`mc alias set` and `mc admin user add` read them there), through printf, a shell
  builtin. The one exception is `mc ilm tier add`, which takes the remote tier's keys only as flags: the
  script gives it a user of its own on the cold MinIO, limited to the tier's prefix of the cold bucket,
  with a key it generates for that call (never the root password, which is shared by both servers).
- Ordered so that the first attempt succeeds: each server answers before anything is asked of it, the
  cold bucket exists before the tier, the tier before the lifecycle rule that names it.
- Idempotent, and a second run changes nothing: buckets and `.keep` prefix markers are created only when
  absent; versioning is enabled where configured and never suspended (a bucket configured without it
  stays never-versioned; the cold bucket's versioning is never touched, as a suspended bucket is refused
  as a tier target); the tier is added only when `mc ilm tier check` says it is missing (`mc ilm tier
  info` exits 0 for a missing tier); the lifecycle rule's ID carries a hash of the rules, so the bucket's
  lifecycle is replaced as a whole only when it differs. Existing policies and users are re-applied with
  the same content (MinIO reorders a policy's actions, so documents cannot be compared in sh).
- Any failure exits non-zero with `FAILED at step <step>: <what mc said>`.
"""
from __future__ import annotations

import hashlib
import json
import re
import shlex

ACCESS = ("read", "readwrite")
POLICY_VERSION = "2012-10-17"
TIER_USER = "openlakes-tier"
RULE_ID_PREFIX = "openlakes-tier-"
WAIT_SECONDS = 180     # how long the script waits for a server to answer
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PREFIX = re.compile(r"^([A-Za-z0-9._-]+/)*$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ALIAS = re.compile(r"^[a-z][a-z0-9-]*$")
_TIER = re.compile(r"^[A-Z][A-Z0-9_-]*$")
_ENDPOINT = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]+)?/?$")
_DIR = re.compile(r"^/[A-Za-z0-9._/-]+$")


class SpecError(ValueError):
    """The spec cannot make a safe script (an unsafe name, an unknown access level)."""


def _check(pattern, value, what: str) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise SpecError(f"{what}: {value!r} is not allowed (must match {pattern.pattern})")
    return value


# --- policies ------------------------------------------------------------------------------

def policy(grants: list) -> dict:
    """The least-privilege IAM policy of `grants` ({bucket, prefix, access: read|readwrite}):
    GetBucketLocation on each bucket; ListBucket only for the granted prefixes (an `s3:prefix`
    condition; a whole-bucket grant, prefix "", lists without one); GetObject on `bucket/prefix*`,
    plus PutObject, DeleteObject and AbortMultipartUpload for readwrite (clients abort the multipart
    uploads they fail). A prefix granted twice keeps the wider access. GetObject also on each
    granted prefix's own name without its slash (`spark-history`): Hadoop's S3A probes a directory
    as a file (HEAD) before it lists it, and a refused probe fails the call (the data path tier:
    Spark's event log directory check, a streaming checkpoint's mkdirs of its parents)."""
    if not grants:
        raise SpecError("a policy needs at least one grant")
    access: dict = {}
    for i, grant in enumerate(grants):
        bucket = _check(_BUCKET, grant.get("bucket"), f"grants[{i}].bucket")
        prefix = _check(_PREFIX, grant.get("prefix") or "", f"grants[{i}].prefix")
        level = grant.get("access")
        if level not in ACCESS:
            raise SpecError(f"grants[{i}].access: {level!r} is not one of {', '.join(ACCESS)}")
        key = (bucket, prefix)
        access[key] = "readwrite" if "readwrite" in (level, access.get(key)) else "read"
    statements = []
    for bucket in sorted({b for b, _p in access}):
        arn = f"arn:aws:s3:::{bucket}"
        prefixes = sorted(p for b, p in access if b == bucket)
        statements.append({"Effect": "Allow", "Action": ["s3:GetBucketLocation"], "Resource": [arn]})
        listing = {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [arn]}
        if "" not in prefixes:
            listing["Condition"] = {"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}}
        statements.append(listing)
        for prefix in prefixes:
            actions = ["s3:GetObject"]
            if access[(bucket, prefix)] == "readwrite":
                actions += ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
            statements.append({"Effect": "Allow", "Action": actions, "Resource": [f"{arn}/{prefix}*"]})
        probes = [p.rstrip("/") for p in prefixes if p]
        if probes:
            statements.append({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{arn}/{k}" for k in probes]})
    return {"Version": POLICY_VERSION, "Statement": statements}


def _tier_policy(bucket: str, prefix: str) -> dict:
    """The cold MinIO user that the hot one tiers as: read-write on the tier's prefix. MinIO's check
    that a tier's prefix is not in use lists the prefix without its trailing slash (`openlakes`, not
    `openlakes/`), so that exact listing is allowed too (the cold bucket holds only tiered data)."""
    doc = policy([{"bucket": bucket, "prefix": prefix, "access": "readwrite"}])
    if prefix:
        for st in doc["Statement"]:
            if st["Action"] == ["s3:ListBucket"]:
                st["Condition"]["StringLike"]["s3:prefix"].insert(0, prefix.rstrip("/"))
    return doc


def lifecycle(tiering: dict) -> dict:
    """The tiered bucket's whole lifecycle configuration: one rule, whose ID carries a hash of the
    rule itself, so the script can tell an up-to-date configuration without parsing it."""
    days = tiering.get("transition_days")
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise SpecError(f"tiering.transition_days: {days!r} is not a whole number of days")
    tier = _check(_TIER, tiering.get("tier"), "tiering.tier")
    rule = {"Status": "Enabled", "Filter": {"Prefix": ""},
            "Transition": {"Days": days, "StorageClass": tier}}
    if tiering.get("noncurrent"):
        rule["NoncurrentVersionTransition"] = {"NoncurrentDays": days, "StorageClass": tier}
    digest = hashlib.sha256(json.dumps(rule, sort_keys=True).encode()).hexdigest()[:12]
    return {"Rules": [{"ID": RULE_ID_PREFIX + digest, **rule}]}


# --- the script ----------------------------------------------------------------------------

_PRELUDE = r"""#!/bin/sh
# MinIO setup of openlakes, generated by openlakes.core from core-config.yaml: do not edit.
# Buckets, prefixes, versioning, users and policies, the cold tier and the lifecycle rule.
# Idempotent: a second run changes nothing. No credential is ever an argument of a command.
set -u
: "${MC_CONFIG_DIR:?MC_CONFIG_DIR must name a writable directory}"
export MC_CONFIG_DIR
umask 077
step=start
changes=0
out=
fail() { echo "openlakes-minio-setup: FAILED at step $step: $*" >&2; exit 1; }
say() { echo "openlakes-minio-setup: $step: $*"; }
changed() { changes=$((changes + 1)); say "changed: $*"; }
need() { [ -r "$1" ] || fail "cannot read $1 (is its Secret mounted?)"; }
# mc, its output kept in $out for the messages; never a credential among its arguments.
m() { out=$(mc "$@" 2>&1); }
must() { m "$@" || fail "mc $*: $out"; }
alias_set() { # alias endpoint access-key-file secret-key-file
  step="alias $1"
  need "$3"; need "$4"
  printf '%s\n%s\n' "$(cat "$3")" "$(cat "$4")" | mc alias set "$1" "$2" --api S3v4 --path on >/dev/null 2>&1 ||
    fail "mc alias set $1 $2 failed"
}
wait_ready() { # alias: until the server answers an admin call (IAM is initialised after the object layer)
  step="wait for $1"
  deadline=$(($(date +%s) + __WAIT__))
  until m admin policy ls "$1"; do
    case $out in
      *InvalidAccessKeyId*|*SignatureDoesNotMatch*|*"signature we calculated does not match"*|*"Access Key Id you provided does not exist"*|*"Access Denied"*)
        fail "$1 refuses the credentials: $out" ;;
    esac
    [ "$(date +%s)" -lt "$deadline" ] || fail "$1 did not answer within __WAIT__ s: $out"
    sleep 2
  done
  say "answers"
}
bucket() { # alias bucket
  step="bucket $1/$2"
  if m stat "$1/$2"; then say "present"; else must mb "$1/$2"; changed "created"; fi
}
versioning_on() { # alias bucket: enabled where configured; nothing ever suspends it
  step="versioning $1/$2"
  must version info "$1/$2" --json
  case $out in
    *'"versioning":{"status":"Enabled"'*) say "enabled" ;;
    *) must version enable "$1/$2"; changed "enabled" ;;
  esac
}
marker() { # alias bucket prefix: a .keep object, written only when absent
  step="prefix $1/$2/$3"
  if m stat "$1/$2/$3.keep"; then say "present"
  else printf '' | mc pipe "$1/$2/$3.keep" >/dev/null 2>&1 || fail "cannot write $1/$2/$3.keep"; changed "marker written"; fi
}
policy_apply() { # alias name file
  step="policy $1 $2"
  if m admin policy info "$1" "$2"; then must admin policy create "$1" "$2" "$3"; say "re-applied"
  else must admin policy create "$1" "$2" "$3"; changed "created"; fi
}
user_apply() { # alias access-key-file secret-key-file policy
  step="user $1 $(basename "$2")"
  need "$2"; need "$3"
  key=$(cat "$2")
  [ -n "$key" ] || fail "$2 is empty"
  if m admin user info "$1" "$key" --json; then new=; else new=yes; fi
  printf '%s\n' "$(cat "$3")" | mc admin user add "$1" "$key" >/dev/null 2>&1 || fail "mc admin user add $1 $key failed"
  if [ -n "$new" ]; then changed "created $key"; else say "$key present (key re-applied)"; fi
  attach "$1" "$4" "$key"
}
attach() { # alias policy user: attached unless it already is
  must admin user info "$1" "$3" --json
  attached=$(printf '%s' "$out" | sed -n 's/.*"policyName":"\([^"]*\)".*/\1/p')
  case ",$attached," in
    *",$2,"*) say "policy $2 attached" ;;
    *) must admin policy attach "$1" "$2" --user "$3"; changed "policy $2 attached" ;;
  esac
}
"""


def _q(value) -> str:
    return shlex.quote(str(value))


def _server(entry: dict, what: str) -> dict:
    _check(_ALIAS, entry.get("alias"), f"{what}.alias")
    _check(_ENDPOINT, entry.get("endpoint"), f"{what}.endpoint")
    _check(_DIR, entry.get("credentials_dir"), f"{what}.credentials_dir")
    return entry


def _heredoc(path: str, doc: dict) -> list:
    return [f"cat > {path} <<'OPENLAKES_JSON'", json.dumps(doc, separators=(",", ":")), "OPENLAKES_JSON"]


def script(spec: dict) -> str:
    """The Job's POSIX sh script for `spec` (module docstring)."""
    hot = _server(spec["hot"], "hot")
    cold = spec.get("cold")
    tiering = spec.get("tiering")
    if tiering and not cold:
        raise SpecError("tiering needs the cold MinIO (spec.cold)")
    lines = [_PRELUDE.replace("__WAIT__", str(WAIT_SECONDS)).rstrip("\n"), ""]

    def root_alias(entry):
        d = entry["credentials_dir"]
        lines.append(f"alias_set {entry['alias']} {_q(entry['endpoint'])} {_q(d + '/rootUser')} {_q(d + '/rootPassword')}")

    root_alias(hot)
    if cold:
        _server(cold, "cold")
        _check(_BUCKET, cold.get("bucket"), "cold.bucket")
        root_alias(cold)
    lines.append(f"wait_ready {hot['alias']}")
    if cold:
        lines.append(f"wait_ready {cold['alias']}")

    lines += ["", "# Buckets (versioning only ever enabled) and their prefix markers."]
    names = []
    for i, b in enumerate(spec.get("buckets") or []):
        name = _check(_BUCKET, b.get("name"), f"buckets[{i}].name")
        names.append(name)
        lines.append(f"bucket {hot['alias']} {name}")
        if b.get("versioning"):
            lines.append(f"versioning_on {hot['alias']} {name}")
        for j, prefix in enumerate(b.get("prefixes") or []):
            _check(_PREFIX, prefix, f"buckets[{i}].prefixes[{j}]")
            if not prefix:
                raise SpecError(f"buckets[{i}].prefixes[{j}]: empty")
            lines.append(f"marker {hot['alias']} {name} {_q(prefix)}")

    users = spec.get("users") or []
    if users:
        lines += ["", "# One policy and one user per consuming service; keys from its Secret, on stdin."]
    for i, u in enumerate(users):
        uname = _check(_NAME, u.get("name"), f"users[{i}].name")
        udir = _check(_DIR, u.get("credentials_dir"), f"users[{i}].credentials_dir")
        akf = _check(_NAME, u.get("access_key_file"), f"users[{i}].access_key_file")
        skf = _check(_NAME, u.get("secret_key_file"), f"users[{i}].secret_key_file")
        doc = policy(u.get("grants") or [])
        pname = f"openlakes-{uname}"
        path = f'"$MC_CONFIG_DIR"/policy-{uname}.json'
        server = u.get("server", "hot")
        if server not in ("hot", "cold") or (server == "cold" and not cold):
            raise SpecError(f"users[{i}].server: {server!r} is not a server of this spec (hot, or cold with spec.cold)")
        alias = (cold if server == "cold" else hot)["alias"]
        lines += _heredoc(path, doc)
        lines.append(f"policy_apply {alias} {pname} {path}")
        lines.append(f"user_apply {alias} {_q(udir + '/' + akf)} {_q(udir + '/' + skf)} {pname}")

    if cold:
        lines += ["", "# The cold bucket: created only; its versioning is never touched."]
        lines.append(f"bucket {cold['alias']} {cold['bucket']}")
        for i, b in enumerate(spec.get("cold_buckets") or []):
            name = _check(_BUCKET, b.get("name"), f"cold_buckets[{i}].name")
            lines.append(f"bucket {cold['alias']} {name}")
            for j, prefix in enumerate(b.get("prefixes") or []):
                if not prefix:
                    raise SpecError(f"cold_buckets[{i}].prefixes[{j}]: empty")
                lines.append(f"marker {cold['alias']} {name} {_q(_check(_PREFIX, prefix, f'cold_buckets[{i}].prefixes[{j}]'))}")
    elif spec.get("cold_buckets"):
        raise SpecError("cold_buckets need the cold MinIO (spec.cold)")
    if tiering:
        lines += _tiering(hot, cold, tiering, names)
    else:
        lines += _untiered(hot, names)
    lines += ["", 'step=done', 'say "$changes change(s)"', ""]
    return "\n".join(lines)


def _tiering(hot: dict, cold: dict, tiering: dict, names: list) -> list:
    tier = _check(_TIER, tiering.get("tier"), "tiering.tier")
    bucket = _check(_BUCKET, tiering.get("bucket"), "tiering.bucket")
    prefix = _check(_PREFIX, tiering.get("prefix") or "", "tiering.prefix")
    if bucket not in names:
        raise SpecError(f"tiering.bucket: {bucket!r} is not one of the buckets")
    lc = lifecycle(tiering)
    rule_id = lc["Rules"][0]["ID"]
    tier_policy = _tier_policy(cold["bucket"], prefix)
    h, c = hot["alias"], cold["alias"]
    out = ["", f"# The tier {tier}: {cold['endpoint']} bucket {cold['bucket']} prefix {prefix or '(none)'}."]
    out += _heredoc('"$MC_CONFIG_DIR"/policy-tier.json', tier_policy)
    out += [
        f"step='tier {h} {tier}'",
        f"if m ilm tier check {h} {tier}; then",
        '  say "present, check passed"',
        "else",
        '  case $out in *"not found"*|*"Not Found"*) ;; *) fail "the tier exists but its check fails: $out" ;; esac',
        f"  policy_apply {c} {TIER_USER} \"$MC_CONFIG_DIR\"/policy-tier.json",
        f"  step='tier {h} {tier}'",
        # mc ilm tier add takes keys only as flags: a key of the tier's own, made here, used once.
        "  tier_key=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \\n')",
        "  [ ${#tier_key} -eq 40 ] || fail 'cannot make a key for the tier user'",
        f"  printf '%s\\n' \"$tier_key\" | mc admin user add {c} {TIER_USER} >/dev/null 2>&1 ||"
        f" fail 'mc admin user add {c} {TIER_USER} failed'",
        f"  attach {c} {TIER_USER} {TIER_USER}",
        f"  step='tier {h} {tier}'",
        f"  m ilm tier add minio {h} {tier} --endpoint {_q(cold['endpoint'])} --access-key {TIER_USER}"
        f" --secret-key \"$tier_key\" --bucket {cold['bucket']}" + (f" --prefix {_q(prefix)}" if prefix else "")
        + " || fail \"mc ilm tier add: $out\"",
        "  tier_key=",
        f"  must ilm tier check {h} {tier}",
        '  changed "added, check passed"',
        "fi",
        "",
        f"# The lifecycle of {bucket}, replaced as a whole when its rule differs (the ID hashes the rule).",
    ]
    out += _heredoc(f'"$MC_CONFIG_DIR"/lifecycle-{bucket}.json', lc)
    out += [
        f"step='lifecycle {h}/{bucket}'",
        f"m ilm rule ls {h}/{bucket} --json",
        f"case $out in *'\"ID\":\"{rule_id}\"'*) present=yes ;; *) present= ;; esac",
        "count=$(printf '%s' \"$out\" | grep -o '\"ID\":' | wc -l)",
        'if [ -n "$present" ] && [ "$count" -eq 1 ]; then say "rule ' + rule_id + ' in place"',
        f"else mc ilm rule import {h}/{bucket} < \"$MC_CONFIG_DIR\"/lifecycle-{bucket}.json >/dev/null 2>&1 ||"
        f" {{ m ilm rule import {h}/{bucket} < \"$MC_CONFIG_DIR\"/lifecycle-{bucket}.json; fail \"$out\"; }}",
        f"  changed 'rules replaced by {rule_id}'",
        "fi",
    ]
    for other in names:
        if other != bucket:
            out += _drop_rules(h, other)
    return out


def _untiered(hot: dict, names: list) -> list:
    out = []
    for name in names:
        out += _drop_rules(hot["alias"], name)
    return out


def _drop_rules(alias: str, bucket: str) -> list:
    """Rules this script added earlier to a bucket that is no longer tiered: removed by ID only."""
    return [
        f"step='lifecycle {alias}/{bucket}'",
        f"if m ilm rule ls {alias}/{bucket} --json; then",
        f"  for id in $(printf '%s' \"$out\" | grep -o '\"ID\":\"{RULE_ID_PREFIX}[0-9a-f]*\"' | cut -d'\"' -f4); do",
        f"    must ilm rule rm --id \"$id\" {alias}/{bucket}; changed \"rule $id removed\"",
        "  done",
        "fi",
    ]
