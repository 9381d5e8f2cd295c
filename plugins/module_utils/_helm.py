# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helm releases: desired state, fingerprints, argv building and release
records. Private to this collection.

A release's fingerprint (chart identity and digest, canonical values,
namespace) is stored in the release's description, so one read of the
release record tells whether anything would change. The record is read from
helm's own storage (the release Secrets) through the Kubernetes API: no helm
subprocess runs when nothing changed.
"""
from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field

from . import _sensitive

FINGERPRINT_PREFIX = "openlakes.core fingerprint="
PENDING = ("pending-install", "pending-upgrade", "pending-rollback")
MASK = "********"


class HelmError(Exception):
    """A helm command failed. The message names the command, rc and stderr (secrets masked)."""

    def __init__(self, argv, rc, stderr, secrets=()):
        self.argv, self.rc = mask_text(" ".join(argv), secrets), rc
        self.stderr = mask_text((stderr or "").strip(), secrets)
        super().__init__(f"`{self.argv}` failed (rc={rc}): {self.stderr}")


# --- desired state ----------------------------------------------------------------

@dataclass
class ChartRef:
    """Where a chart comes from. Exactly one of path, repository or oci is used;
    a chart mirror (directory or URL) replaces the upstream location."""
    name: str
    version: str = ""
    repository: str = ""
    path: str = ""

    @classmethod
    def from_spec(cls, spec: dict, mirror: str = "") -> "ChartRef":
        name, version = spec.get("name", ""), str(spec.get("version", "") or "")
        repo, path = spec.get("repository", "") or "", spec.get("path", "") or ""
        if path:
            return cls(name, version, path=path)
        if mirror:
            if re.match(r"^(https?|oci)://", mirror):
                return cls(name, version, repository=mirror)
            return cls(name, version, path=os.path.join(mirror, f"{name}-{version}.tgz"))
        return cls(name, version, repository=repo)

    @property
    def is_oci(self) -> bool:
        return self.repository.startswith("oci://")

    def argv(self) -> list:
        if self.path:
            return [self.path]
        if self.is_oci:
            return [f"{self.repository.rstrip('/')}/{self.name}"] + (["--version", self.version] if self.version else [])
        return [self.name, "--repo", self.repository] + (["--version", self.version] if self.version else [])

    def identity(self) -> dict:
        """What the fingerprint knows of the chart: its version and, for local
        charts, a digest of its content (a rebuilt stand-in with the same version still differs)."""
        out = {"name": self.name, "version": self.version}
        if self.path:
            out["digest"] = content_digest(self.path)
        else:
            out["source"] = self.repository
        return out


def content_digest(path: str) -> str:
    h = hashlib.sha256()
    if os.path.isdir(path):
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for f in sorted(files):
                full = os.path.join(root, f)
                h.update(os.path.relpath(full, path).encode() + b"\0")
                with open(full, "rb") as fh:
                    h.update(fh.read())
    elif os.path.exists(path):
        with open(path, "rb") as fh:
            h.update(fh.read())
    else:
        return "missing"
    return "sha256:" + h.hexdigest()


def canonical(values) -> str:
    return json.dumps(values or {}, sort_keys=True, separators=(",", ":"), default=str)


def fingerprint(chart: ChartRef, values: dict, namespace: str) -> str:
    doc = canonical({"chart": chart.identity(), "values": values or {}, "namespace": namespace})
    return "sha256:" + hashlib.sha256(doc.encode()).hexdigest()


def fingerprint_of(description: str) -> str:
    if description and description.startswith(FINGERPRINT_PREFIX):
        return description[len(FINGERPRINT_PREFIX):].split()[0]
    return ""


# --- masking ------------------------------------------------------------------------

def secret_strings(values, extra=()) -> list:
    """Every credential in `values` as `_sensitive` finds them (each string under a credential key,
    credentials of env entries, `--flag=...` strings and URLs, well-known formats), plus `extra`."""
    found = [s for s in extra if s]
    found += [f.secret for f in _sensitive.find(values, under_key=True) if isinstance(f.value, str) and f.secret]
    return found


def mask_values(values, secrets=()):
    secrets = set(secrets)
    found = {f.path: f for f in _sensitive.find(values, under_key=True)}

    def walk(node, path):
        if isinstance(node, dict):
            return {k: walk(v, path + (k,)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, path + (i,)) for i, v in enumerate(node)]
        hit = found.get(path)
        if hit is not None and hit.kind in ("url", "assignment") and isinstance(node, str):
            return node.replace(hit.secret, MASK)
        if hit is not None or (isinstance(node, str) and node and node in secrets):
            return MASK
        return node
    return walk(values, ())


def mask_text(text: str, secrets=()) -> str:
    for s in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(s, MASK)
    return text


# --- release records (helm's storage) ---------------------------------------------------

@dataclass
class Record:
    """One revision of a release as helm stored it."""
    name: str
    namespace: str
    revision: int
    status: str
    description: str = ""
    chart_name: str = ""
    chart_version: str = ""
    values: dict = field(default_factory=dict)
    manifest: str = ""
    last_deployed: str = ""
    hooks: str = ""           # the rendered hooks (Jobs that may be gone once they succeeded)
    app_version: str = ""

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.description)


def decode_release(data: str) -> dict:
    """helm stores a release as base64(gzip(json)) inside the Secret's (base64) data."""
    raw = base64.b64decode(base64.b64decode(data))
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return json.loads(raw)


def record_from_release(rel: dict) -> Record:
    info, meta = rel.get("info", {}), rel.get("chart", {}).get("metadata", {})
    return Record(name=rel.get("name", ""), namespace=rel.get("namespace", ""), revision=int(rel.get("version", 0)),
                  status=info.get("status", ""), description=info.get("description", ""),
                  chart_name=meta.get("name", ""), chart_version=str(meta.get("version", "")),
                  app_version=str(meta.get("appVersion", "") or ""),
                  values=rel.get("config") or {}, manifest=rel.get("manifest", ""),
                  last_deployed=info.get("last_deployed", ""),
                  hooks="\n---\n".join(h.get("manifest", "") for h in rel.get("hooks") or []))


def read_records(cluster, name: str, namespace: str) -> list:
    """All revisions of a release, newest first, from helm's Secrets (one API call).
    `cluster` is a `_k8s.Cluster`."""
    records = []
    for s in cluster.list_secrets(namespace, f"owner=helm,name={name}"):
        data = s.get("data") or {}
        if data.get("release"):
            records.append(record_from_release(decode_release(data["release"])))
    return sorted(records, key=lambda r: r.revision, reverse=True)


# --- the helm command ----------------------------------------------------------------------

@contextlib.contextmanager
def _values_file(values):
    """The values as a JSON file only this user can read (mkstemp makes it 0600), removed afterwards."""
    fd, path = tempfile.mkstemp(prefix="openlakes-values-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(values or {}, fh)
        yield path
    finally:
        os.unlink(path)


@dataclass
class Helm:
    """Runs one helm binary (v3.17+ or v4) against one cluster."""
    binary: str = "helm"
    kubeconfig: str = ""
    context: str = ""
    secrets: list = field(default_factory=list)
    calls: list = field(default_factory=list)  # argv of every helm run, for reporting and tests

    def global_args(self) -> list:
        out = []
        if self.kubeconfig:
            out += ["--kubeconfig", self.kubeconfig]
        if self.context:
            out += ["--kube-context", self.context]
        return out

    def upgrade_argv(self, name, namespace, chart: ChartRef, values_file, description, *, install=True,
                     create_namespace=True, timeout_s=None, openapi_validation=False, skip_crds=False) -> list:
        argv = [self.binary, "upgrade", name, *chart.argv(), "--namespace", namespace, "--values", values_file,
                "--description", description, "--output", "json"]
        if install:
            argv.append("--install")
        if create_namespace:
            argv.append("--create-namespace")
        if timeout_s:
            argv += ["--timeout", f"{int(timeout_s)}s"]
        if not openapi_validation:
            # The API server validates every object it is given; helm's own check first downloads
            # the cluster's whole OpenAPI document, about half of helm's time per release.
            argv.append("--disable-openapi-validation")
        if skip_crds:
            # The chart's crds/ were applied by the collection (`crds: apply`); helm would only install them once.
            argv.append("--skip-crds")
        return argv + self.global_args()

    def rollback_argv(self, name, namespace, revision) -> list:
        return [self.binary, "rollback", name, str(revision), "--namespace", namespace] + self.global_args()

    def template_argv(self, name, namespace, chart: ChartRef, values_file) -> list:
        """helm template with the chart's crds/ (each document names its source: `# Source: <chart>/crds/...`)."""
        return [self.binary, "template", name, *chart.argv(), "--namespace", namespace, "--values", values_file,
                "--include-crds"]

    def uninstall_argv(self, name, namespace, timeout_s=None) -> list:
        """helm uninstall, waiting until the release's objects are gone (`--wait` alone: helm 3's wait, helm 4's
        watcher), so that what depends on them is gone before what they depend on is removed."""
        argv = [self.binary, "uninstall", name, "--namespace", namespace, "--wait"]
        if timeout_s:
            argv += ["--timeout", f"{int(timeout_s)}s"]
        return argv + self.global_args()

    def run(self, argv, input_text=None) -> str:
        self.calls.append(argv)
        env = dict(os.environ)
        env.setdefault("HELM_CACHE_HOME", os.path.join(tempfile.gettempdir(), "openlakes-helm-cache"))
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, env=env, input=input_text, check=False)
        except OSError as exc:
            raise HelmError(argv, 127, f"cannot run {argv[0]}: {exc.strerror}; install helm 3.17+ or 4.x on the "
                                       f"controller, or set helm_binary (the roles' variable openlakes_helm_binary) "
                                       f"to its path") from exc
        if proc.returncode != 0:
            raise HelmError(argv, proc.returncode, proc.stderr or proc.stdout, self.secrets)
        return proc.stdout

    def upgrade(self, name, namespace, chart, values, description, **kw) -> str:
        with _values_file(values) as path:
            return self.run(self.upgrade_argv(name, namespace, chart, path, description, **kw))

    def show_chart(self, chart: ChartRef) -> dict:
        """The chart's Chart.yaml (`helm show chart`)."""
        import yaml

        return yaml.safe_load(self.run([self.binary, "show", "chart", *chart.argv()])) or {}

    def template(self, name, namespace, chart, values) -> str:
        with _values_file(values) as path:
            return self.run(self.template_argv(name, namespace, chart, path))

    def show_crds(self, chart: ChartRef) -> list:
        """The CustomResourceDefinitions in the chart's crds/ directory (`helm show crds`), as objects."""
        import yaml

        out = self.run([self.binary, "show", "crds", *chart.argv()])
        return [d for d in yaml.safe_load_all(out) if isinstance(d, dict) and d.get("kind") == "CustomResourceDefinition"]

    def rollback(self, name, namespace, revision) -> str:
        return self.run(self.rollback_argv(name, namespace, revision))

    def uninstall(self, name, namespace, timeout_s=None) -> str:
        return self.run(self.uninstall_argv(name, namespace, timeout_s))

    def version(self) -> str:
        return self.run([self.binary, "version", "--short"]).strip()
