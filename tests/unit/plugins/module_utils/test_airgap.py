"""plugins/module_utils/_airgap.py: the bundle's lists, chart verification, sums, loading into a directory or a
helm repository's upload API, the chart mirror check and the container runtime check. Against real helm and the
lab's stand-in charts: tests/integration/playbooks/test_airgap_lab.py."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from ansible_collections.openlakes.core.plugins.module_utils import _airgap

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402

PLAN = values_configs.plan(values_configs.configs()["lab+air-gap-everything"][0])


def tgz(name: str, version: str) -> bytes:
    """A chart archive as helm packages it (only Chart.yaml), the same bytes on every call: gzip's header time is
    fixed, so the test's second index (built anew) holds the same digests however slow the machine is."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        data = yaml.safe_dump({"apiVersion": "v2", "name": name, "version": version}).encode()
        info = tarfile.TarInfo(f"{name}/Chart.yaml")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class FakeHelm:
    """`helm pull` writes the repository's archive; `helm repo index` writes an index of the directory."""

    def __init__(self, archives: dict):
        self.archives, self.calls = archives, []

    def __call__(self, argv, what, env=None):
        self.calls.append(argv)
        if argv[1] == "pull":
            name = argv[2].rsplit("/", 1)[-1]
            version = argv[argv.index("--version") + 1]
            dest = argv[argv.index("--destination") + 1]
            Path(dest, f"{name}-{version}.tgz").write_bytes(self.archives[(name, version)])
            return "Pulled\nDigest: sha256:" + "a" * 64 if argv[2].startswith("oci://") else ""
        if argv[1:3] == ["repo", "index"]:
            Path(argv[3], "index.yaml").write_text("apiVersion: v1\nentries: {}\n")
        return ""


def index_of(archives: dict, corrupt=()) -> bytes:
    entries = {}
    for (name, version), data in archives.items():
        digest = hashlib.sha256(b"other" if name in corrupt else data).hexdigest()
        entries.setdefault(name, []).append({"version": version, "digest": digest, "urls": [f"{name}-{version}.tgz"]})
    return yaml.safe_dump({"apiVersion": "v1", "entries": entries}).encode()


def test_the_lists_hold_every_upstream_chart_and_every_image_once():
    charts = _airgap.charts_of(PLAN)
    assert ("longhorn", "1.12.1") in {(c["name"], c["version"]) for c in charts}
    assert not [c for c in charts if c["name"].startswith("openlakes-")], "the collection's charts ship inside it"
    assert sorted(next(c for c in charts if c["name"] == "minio")["releases"]) == ["minio", "minio-cold"]
    images = _airgap.images_of(PLAN)
    sources = [i["source"] for i in images]
    assert len(sources) == len(set(sources))
    mc = next(i for i in images if i["source"] == "docker.io/pgsty/mc:RELEASE.2026-03-13T08-57-32Z")
    assert sorted(mc["releases"]) == ["minio", "minio-cold", "minio-setup"] and mc["path"] == "pgsty/mc:RELEASE.2026-03-13T08-57-32Z"
    hooks = {i["source"] for i in images if i["hook"] == "test"}
    assert hooks == {"docker.io/library/busybox:latest", "docker.io/library/alpine:3.17"}
    assert _airgap.collisions(images) == []
    assert _airgap.collisions([{"source": "docker.io/a/b:1", "path": "a/b:1"},
                               {"source": "quay.io/a/b:1", "path": "a/b:1"}]) == [
        "docker.io/a/b:1 and quay.io/a/b:1 would both be a/b:1 in the mirror"]


def test_a_chart_is_kept_only_when_its_digest_is_the_index_digest(tmp_path, monkeypatch):
    archives = {("nessie", "0.108.4"): tgz("nessie", "0.108.4")}
    monkeypatch.setattr(_airgap, "run", FakeHelm(archives))
    chart = {"name": "nessie", "version": "0.108.4", "repository": "https://charts.projectnessie.org"}
    got = _airgap.pull_chart("helm", chart, str(tmp_path), get=lambda url: index_of(archives))
    assert got["verified"] == "index.yaml digest"
    assert got["sha256"] == hashlib.sha256(archives[("nessie", "0.108.4")]).hexdigest()
    with pytest.raises(_airgap.AirGapError, match="is not the index's digest .*; the file was removed"):
        _airgap.pull_chart("helm", chart, str(tmp_path), get=lambda url: index_of(archives, corrupt={"nessie"}))
    assert not (tmp_path / "nessie-0.108.4.tgz").exists()
    with pytest.raises(_airgap.AirGapError, match="has no version 0.108.4 of nessie"):
        _airgap.pull_chart("helm", chart, str(tmp_path), get=lambda url: b"entries: {}")


def test_an_oci_chart_records_the_manifest_digest(tmp_path, monkeypatch):
    archives = {("cert-manager", "v1.21.1"): tgz("cert-manager", "v1.21.1")}
    helm = FakeHelm(archives)
    monkeypatch.setattr(_airgap, "run", helm)
    chart = {"name": "cert-manager", "version": "v1.21.1", "repository": "oci://quay.io/jetstack/charts"}
    got = _airgap.pull_chart("helm", chart, str(tmp_path))
    assert got["verified"] == "OCI manifest sha256:" + "a" * 64
    assert helm.calls[0][:3] == ["helm", "pull", "oci://quay.io/jetstack/charts/cert-manager"]


def fake_bundle(tmp_path, monkeypatch, plan=None):
    plan = plan or PLAN
    archives = {(c["name"], c["version"]): tgz(c["name"], c["version"]) for c in _airgap.charts_of(plan)}
    helm = FakeHelm(archives)
    monkeypatch.setattr(_airgap, "run", helm)
    dest = tmp_path / "bundle"
    out = _airgap.build_bundle(plan, str(dest), chart_repository="http://upstream.lab", images_mode="list",
                               python=False, collection=False, version="0.2.0", get=lambda url: index_of(archives))
    return dest, out, helm


def test_a_bundle_has_a_manifest_and_sums_of_every_file(tmp_path, monkeypatch):
    dest, out, helm = fake_bundle(tmp_path, monkeypatch)
    assert out["changed"]
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest == out["manifest"]
    assert {c["file"] for c in manifest["charts"]} == {f"charts/{c['name']}-{c['version']}.tgz"
                                                       for c in _airgap.charts_of(PLAN)}
    assert all(h[3] == "--repo" and h[4] == "http://upstream.lab" for h in helm.calls if h[1] == "pull")
    assert set(manifest["files"]) == set(_airgap.files_under(str(dest))) - {"manifest.json"}
    assert _airgap.verify_sums(str(dest)) == []
    lines = (dest / "images" / "images.txt").read_text().splitlines()
    assert "docker.io/longhornio/longhorn-engine:v1.12.1 longhornio/longhorn-engine:v1.12.1" in lines
    assert "copy docker.io/library/traefik:v3.7.11 library/traefik:v3.7.11 images/library_traefik_v3.7.11.oci" in \
        (dest / "images" / "copy.sh").read_text()
    again = _airgap.build_bundle(PLAN, str(dest), chart_repository="http://upstream.lab", images_mode="list",
                                 python=False, collection=False, version="0.2.0",
                                 get=lambda url: index_of({(c["name"], c["version"]): tgz(c["name"], c["version"])
                                                           for c in _airgap.charts_of(PLAN)}))
    assert not again["changed"], "the same plan writes the same bundle"
    (dest / "charts" / "nessie-0.108.4.tgz").write_bytes(b"tampered")
    (dest / "extra").write_text("x")
    assert _airgap.verify_sums(str(dest)) == ["charts/nessie-0.108.4.tgz does not match its sha256 in SHA256SUMS",
                                              "extra is not in SHA256SUMS"]


def test_images_copy_needs_a_tool_and_a_collection_built_image_is_never_pulled(tmp_path):
    with pytest.raises(_airgap.AirGapError, match="images: copy needs skopeo or crane on the controller"):
        _airgap.build_bundle(PLAN, str(tmp_path / "b"), images_mode="copy", which=lambda _n: None)
    spark = next(i for i in _airgap.images_of(PLAN) if i["built_by"])
    assert f"# {spark['source']}: built by the collection" in _airgap.copy_script([spark])
    assert _airgap.pull_argv("skopeo", "/usr/bin/skopeo", spark, "/b/x.oci", "/b/d") == [
        "/usr/bin/skopeo", "copy", "--all", "--digestfile", "/b/d", f"docker://{spark['source']}", "oci-archive:/b/x.oci"]
    assert _airgap.push_argv("crane", "crane", "/b/x.oci", "reg:5000/a:1", tls_verify=False) == [
        "crane", "push", "--insecure", "--index", "/b/x.oci", "reg:5000/a:1"]
    assert _airgap.copy_tool("", which=lambda n: f"/usr/bin/{n}" if n == "crane" else None) == ("crane", "/usr/bin/crane")


def test_loading_checks_the_sums_first_then_fills_a_directory_and_prints_the_air_gap_block(tmp_path, monkeypatch):
    dest, _out, helm = fake_bundle(tmp_path, monkeypatch)
    archive = _airgap.write_archive(str(dest))
    mirror = tmp_path / "mirror"
    loaded = _airgap.load_bundle(archive, chart_mirror=str(mirror), image_registry="registry.internal:5000",
                                 which=lambda _n: None)
    assert loaded["changed"] and {c["done"] for c in loaded["charts"]} == {"copied"}
    assert (mirror / "index.yaml").exists() and (mirror / "longhorn-1.12.1.tgz").exists()
    assert loaded["air_gap_block"] == f'air_gap:\n  chart_mirror: "{mirror}"\n  image_registry: "registry.internal:5000"'
    rows = {i["source"]: i for i in loaded["images"]}
    assert rows["docker.io/library/redis:7.4.6"]["target"] == "registry.internal:5000/library/redis:7.4.6"
    assert rows["docker.io/library/redis:7.4.6"]["done"] == "not in the bundle"
    again = _airgap.load_bundle(str(dest), chart_mirror=str(mirror))
    assert not again["changed"] and {c["done"] for c in again["charts"]} == {"present"}
    (dest / "charts" / "nessie-0.108.4.tgz").write_bytes(b"tampered")
    with pytest.raises(_airgap.AirGapError, match="does not match its SHA256SUMS, nothing was loaded: "
                                                  "charts/nessie-0.108.4.tgz does not match"):
        _airgap.load_bundle(str(dest), chart_mirror=str(tmp_path / "other"))
    assert not (tmp_path / "other").exists()


def test_a_helm_repository_gets_each_chart_through_its_upload_api(tmp_path, monkeypatch):
    dest, _out, _helm = fake_bundle(tmp_path, monkeypatch)
    sent = []
    loaded = _airgap.load_bundle(str(dest), chart_mirror="https://charts.internal/api-repo/", auth=("ci", "pw"),
                                 put=lambda url, data, method, auth: sent.append((method, url, auth)) or 201)
    assert {c["done"] for c in loaded["charts"]} == {"uploaded"}
    assert ("POST", "https://charts.internal/api-repo/api/charts", ("ci", "pw")) in sent
    sent.clear()
    _airgap.load_bundle(str(dest), chart_mirror="https://nexus.internal/repository/helm/", chart_upload="put",
                        put=lambda url, data, method, auth: sent.append((method, url)) or 201)
    assert ("PUT", "https://nexus.internal/repository/helm/nessie-0.108.4.tgz") in sent


def test_an_unsafe_archive_is_not_unpacked(tmp_path):
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        info = tarfile.TarInfo("../escape")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(_airgap.AirGapError, match="member ../escape is not a plain file inside the bundle"):
        _airgap.unpack(str(bad))


def test_the_chart_mirror_check_names_every_missing_chart(tmp_path):
    charts = _airgap.charts_of(PLAN)
    (tmp_path / "longhorn-1.12.1.tgz").write_bytes(b"x")
    rows = _airgap.check_rows(PLAN, str(tmp_path))
    assert rows["checks"][0] == {"check": f"chart mirror {tmp_path}", "expected": "answers",
                                 "found": f"answers ({len(charts)} pinned charts)", "ok": True,
                                 "summary": f"chart mirror {tmp_path} (expected answers, found answers ({len(charts)} pinned charts))"}
    assert len(rows["missing"]) == len(charts) - 1 and "longhorn-1.12.1" not in rows["missing"]
    assert [r["ok"] for r in rows["checks"] if r["check"] == "chart longhorn 1.12.1"] == [True]
    gone = _airgap.check_rows(PLAN, str(tmp_path / "nowhere"))
    assert [r["ok"] for r in gone["checks"]] == [False] and len(gone["missing"]) == len(charts)
    index = yaml.safe_dump({"entries": {"nessie": [{"version": "0.108.4"}]}}).encode()
    http = _airgap.check_rows(PLAN, "https://charts.internal", get=lambda url: index)
    assert http["missing"] == [f"{c['name']}-{c['version']}" for c in charts if c["name"] != "nessie"]

    def refuse(url):
        raise _airgap.AirGapError(f"GET {url}: Connection refused")
    down = _airgap.check_rows(PLAN, "https://charts.internal", get=refuse)
    assert down["checks"][0]["found"] == "GET https://charts.internal/index.yaml: Connection refused"


@pytest.mark.parametrize("path, content, ok", [
    ("/etc/rancher/k3s/registries.yaml", "mirrors:\n  registry.internal:5000: {endpoint: ['https://registry.internal:5000']}\n", True),
    ("/etc/rancher/k3s/registries.yaml", "configs:\n  registry.internal:5000: {tls: {ca_file: /etc/ssl/reg.pem}}\n", True),
    ("/etc/rancher/k3s/registries.yaml", "mirrors:\n  docker.io: {endpoint: ['http://registry.internal:50001']}\n", False),
    ("/etc/rancher/rke2/registries.yaml", "mirrors: {'*': {endpoint: ['registry.internal:5000/v2']}}\n", True),
    ("/etc/rancher/k3s/registries.yaml", ": not yaml: [", False),
    ("/etc/containerd/config.toml", '[plugins."io.containerd.grpc.v1.cri".registry.mirrors."registry.internal:5000"]\n', True),
    ("/etc/docker/daemon.json", '{"insecure-registries": ["registry.internal:5000"]}', True),
    ("/etc/docker/daemon.json", '{"insecure-registries": ["registry.internal:50000"]}', False),
    ("/etc/containerd/certs.d/registry.internal:5000/hosts.toml", "", True),
])
def test_the_runtime_check_reads_each_runtimes_own_file(path, content, ok):
    got = _airgap.runtime_pulls_from("registry.internal:5000/mirror", {path: {"exists": True, "content": content}})
    assert got["ok"] is ok, got
    if ok:
        assert got["found"] == f"registry.internal:5000 in {path}"
