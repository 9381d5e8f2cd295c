"""The air gap end to end on the lab (issue 14). The stand-in charts are the lab's upstream: packaged into a helm
repository served on 127.0.0.1 (as the internet would serve the real ones), playbooks/airgap-bundle.yml pulls each
pinned chart from it (verified by the index's digest) and lists every image; playbooks/airgap-load.yml loads the
bundle into a fresh chart mirror; preflight stops site.yml, before anything is deployed, listing a chart the mirror
lacks and every host whose container runtime does not know the image mirror; once both are right, site.yml deploys
from that mirror alone (the lab's own mirror moved away) and every pod's image is on the image mirror.

The image half is checked by its list: every image of every rendered stand-in and of the upstream values data is in
the bundle's manifest. No image is copied (no registry is reachable here, and no copy tool is installed).

Runs after test_site_lab.py (file order) on the lab it converged, or alone on a fresh lab."""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from openlakes_lab.charts import standins

from ..conftest import REPO
from .test_site_lab import recap

sys.path.insert(0, str(REPO / "tests" / "unit" / "plugins" / "module_utils"))
import values_configs  # noqa: E402
from test_images_upstream import found_images  # noqa: E402

INVENTORY = REPO / "inventories" / "lab" / "hosts.yml"
HOSTS = ["lab-node-1", "lab-node-2", "lab-node-3"]
REGISTRY = "registry.lab.internal:5000"
REGISTRIES_YAML = "/etc/rancher/k3s/registries.yaml"
STANDINS = REPO / "tests" / "standin-charts"
LAB_MIRROR = REPO / ".lab" / "chart-mirror"


def playbook(name: str, *extra, config: Path | None = None):
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=str(REPO / ".build" / "collections"),
               CONTAINERS_CONF=str(REPO / "lab" / "podman" / "containers.conf"))
    argv = ["ansible-playbook", "-i", str(INVENTORY), str(REPO / "playbooks" / name), *extra]
    if config:
        argv += ["-e", f"openlakes_core_config_file={config}"]
    t0 = time.monotonic()
    res = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO, check=False)
    res.wall = time.monotonic() - t0
    return res


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the requests are not the test's output
        pass


@pytest.fixture(scope="module")
def upstream(lab, tmp_path_factory):
    """The stand-ins as a helm repository on 127.0.0.1 (in this process: nothing to stop but a thread)."""
    root = tmp_path_factory.mktemp("upstream")
    helm = str(lab["bin"] / "helm")
    for chart in standins():
        subprocess.run([helm, "package", str(chart), "--destination", str(root)], check=True, capture_output=True)
    subprocess.run([helm, "repo", "index", str(root)], check=True, capture_output=True)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("airgap")


STATE: dict = {}


def test_the_bundle_holds_every_pinned_chart_verified_and_every_image(lab, upstream, work):
    res = playbook("airgap-bundle.yml", "-e", f"airgap_bundle_dir={work / 'bundle'}", "-e", f"airgap_chart_repository={upstream}",
                   "-e", "airgap_archive=true")
    print(f"\nairgap-bundle.yml: rc {res.returncode} in {res.wall:.1f} s")
    assert res.returncode == 0, res.stdout[-5000:] + res.stderr[-2000:]
    bundle = work / "bundle"
    manifest = json.loads((bundle / "manifest.json").read_text())
    plan = values_configs.plan(values_configs.configs()["lab"][0])
    pinned = {(n["chart"]["name"], str(n["chart"]["version"])) for n in plan["releases"] if "path" not in n["chart"]}
    assert {(c["name"], c["version"]) for c in manifest["charts"]} == pinned
    assert {c["verified"] for c in manifest["charts"]} == {"index.yaml digest"}
    check = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=bundle, capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert manifest["python"]["files"] and manifest["collections"] == ["collections/openlakes-core-0.2.0.tar.gz"]
    # The image half, by its list: what every rendered stand-in names and what the upstream values data hold.
    from ansible_collections.openlakes.core.plugins.module_utils import _images

    from ..lab.test_standins import rendered_images

    def helm(*args):
        return subprocess.run([str(lab["bin"] / "helm"), *args], capture_output=True, text=True, check=True)

    listed = {i["source"] for i in manifest["images"]}
    for rel in plan["releases"]:
        rendered = {_images.normal(i) for i in rendered_images(helm, work, rel)}
        upstream_data = {_images.normal(ref) for _p, ref in found_images(rel) if ref}
        assert rendered <= listed, (rel["name"], sorted(rendered - listed))
        assert upstream_data <= listed, (rel["name"], sorted(upstream_data - listed))
    STATE["bundle"] = manifest
    print("manifest.json (abbreviated):\n" + json.dumps(
        {"format": manifest["format"], "collection": manifest["collection"],
         "enabled_components": manifest["enabled_components"],
         "charts": [f"{c['file']} sha256:{c['sha256'][:12]}... ({c['verified']}) <- {c['source']}" for c in manifest["charts"]],
         "images": [f"{i['source']} -> <registry>/{i['path']}" + (f" [{i['hook']} hook]" if i["hook"] else "")
                    + (f" [built by {i['built_by']}]" if i["built_by"] else "") for i in manifest["images"]],
         "python": f"{len(manifest['python']['files'])} files for Python {manifest['python']['python']}",
         "collections": manifest["collections"], "files": f"{len(manifest['files'])} files, each with its sha256",
         "copy_tool": manifest["copy_tool"] or "none installed"}, indent=1))


def test_the_bundle_loads_into_a_fresh_mirror(lab, work):
    mirror = work / "fresh-mirror"
    res = playbook("airgap-load.yml", "-e", f"airgap_bundle={work / 'bundle.tar.gz'}", "-e", f"airgap_chart_mirror={mirror}",
                   "-e", f"airgap_image_registry={REGISTRY}")
    print(f"\nairgap-load.yml: rc {res.returncode} in {res.wall:.1f} s")
    print(res.stdout[res.stdout.rfind("TASK [What was loaded"):res.stdout.rfind("PLAY RECAP")])
    assert res.returncode == 0, res.stdout[-5000:]
    charts = sorted(p.name for p in mirror.glob("*.tgz"))
    assert charts == sorted(os.path.basename(c["file"]) for c in STATE["bundle"]["charts"])
    assert (mirror / "index.yaml").exists()
    assert f'chart_mirror: "{mirror}"' in res.stdout and f'image_registry: "{REGISTRY}"' in res.stdout


def air_gapped_config(work: Path) -> Path:
    """The lab's core-config.yaml with the fresh mirrors (paths made absolute)."""
    base = REPO / "inventories" / "lab"
    data = yaml.safe_load((base / "core-config.yaml").read_text())
    data["cluster"]["kubernetes"]["kubeconfig"] = str((base / data["cluster"]["kubernetes"]["kubeconfig"]).resolve())
    uc = data["networking"]["tls"]["user_certificates"]
    for key in ("certificate_file", "key_file"):
        uc[key] = str((base / uc[key]).resolve())
    data["air_gap"] = {"chart_mirror": str(work / "fresh-mirror"), "image_registry": REGISTRY}
    path = work / "core-config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def on_hosts(script: str, hosts=None):
    env = dict(os.environ, CONTAINERS_CONF=str(REPO / "lab" / "podman" / "containers.conf"))
    for host in HOSTS if hosts is None else hosts:
        subprocess.run(["podman", "exec", f"openlakes-{host}", "sh", "-c", script], check=True, env=env,
                       capture_output=True)


@contextlib.contextmanager
def moved(path: Path, where: Path):
    """`path` moved to `where` for the block, then back."""
    shutil.move(path, where)
    try:
        yield
    finally:
        shutil.move(where, path)


@contextlib.contextmanager
def runtime_configured(hosts):
    """k3s's registries.yaml naming the image mirror on `hosts` (and on no other) for the block."""
    script = (f"mkdir -p {os.path.dirname(REGISTRIES_YAML)} && printf 'mirrors:\\n  {REGISTRY}:\\n    endpoint: "
              f"[\"https://{REGISTRY}\"]\\n' > {REGISTRIES_YAML}")
    on_hosts(script, hosts)
    on_hosts(f"rm -f {REGISTRIES_YAML}", [h for h in HOSTS if h not in hosts])
    try:
        yield
    finally:
        on_hosts(f"rm -f {REGISTRIES_YAML}")


def test_preflight_lists_every_missing_item_before_anything_is_deployed(lab, work):
    """The mirror lacks one chart and one host's runtime does not know the image mirror: the first host's table
    names the chart, the third host's its runtime, and the run stops there (the second host passes)."""
    config = air_gapped_config(work)
    with moved(work / "fresh-mirror" / "nessie-0.108.4.tgz", work / "nessie-0.108.4.tgz"), runtime_configured(HOSTS[:2]):
        res = playbook("site.yml", config=config)
    print(f"\nsite.yml with a chart missing and one runtime not configured: rc {res.returncode} in {res.wall:.1f} s")
    assert res.returncode != 0
    text = re.sub(r"\s+", " ", res.stdout)
    failures = {m.group(1): m.group(0) for m in re.finditer(r"fatal: \[(lab-node-\d)\].*?Nothing was changed\.", text)}
    for _host, failure in sorted(failures.items()):
        print("  " + failure[:600])
    assert sorted(failures) == ["lab-node-1", "lab-node-3"], sorted(failures)
    assert "chart nessie 0.108.4 (expected in the chart mirror, found no nessie-0.108.4.tgz)" in failures["lab-node-1"]
    assert "container runtime" not in failures["lab-node-1"]
    assert ("container runtime pulls from the mirror (expected configured for registry.lab.internal:5000, found "
            "registry.lab.internal:5000 in none of /etc/containerd") in failures["lab-node-3"]
    assert "PLAY [Node preparation]" not in res.stdout and "Deploy one layer" not in res.stdout
    assert all(r["changed"] == 0 for r in recap(res.stdout).values())


def test_site_deploys_from_the_fresh_mirror_with_every_image_on_the_mirror(lab, api, work):
    from kubernetes import client

    config = air_gapped_config(work)
    # The lab's own mirror is out of reach for the run: only the fresh one is.
    with moved(LAB_MIRROR, LAB_MIRROR.with_name("chart-mirror.away")), runtime_configured(HOSTS):
        res = playbook("site.yml", config=config)
    print(f"\nsite.yml from the fresh mirror: rc {res.returncode} in {res.wall:.1f} s")
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]
    table = res.stdout[res.stdout.find("TASK [openlakes.core.preflight : Show this host's preflight table]"):]
    rows = [line.strip(" -'") for line in table[:table.find("TASK [", 10)].splitlines()
            if "chart mirror" in line or "container runtime" in line or re.search(r"chart \S+ \S+ ", line)]
    print("preflight (first host):\n  " + "\n  ".join(rows))
    summary = res.stdout[res.stdout.rfind("TASK [openlakes.core.summary : Summary]"):res.stdout.rfind("PLAY RECAP")]
    actions = re.findall(r"^\s+- '\s+([a-z-]+)\s+release\s+(ok|failed|skipped)\s+(\w+)", summary, re.M)
    print("releases: " + ", ".join(f"{n} {o} {a}" for n, o, a in actions))
    plan = values_configs.plan(values_configs.configs()["lab"][0])
    assert {n for n, _o, _a in actions} == {r["name"] for r in plan["releases"]}
    assert all(o == "ok" for _n, o, _a in actions), actions
    core = client.CoreV1Api(api)
    images = {}
    for ns in sorted({r["namespace"] for r in plan["releases"]}):
        for pod in core.list_namespaced_pod(ns).items:
            for c in (pod.spec.containers or []) + (pod.spec.init_containers or []):
                images[c.image] = f"{ns}/{pod.metadata.name}"
    off = {i: where for i, where in images.items() if not i.startswith(REGISTRY + "/")}
    print(f"{len(images)} distinct pod images, {len(images) - len(off)} on {REGISTRY}")
    assert images and not off, off
