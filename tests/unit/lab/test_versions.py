"""lab/versions.env is the one place the lab's versions are pinned: the Go
modules that build the control plane must agree with it."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def pins():
    out = {}
    for line in (REPO / "lab" / "versions.env").read_text().splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            out[key] = value
    return out


def test_kubernetes_module_matches_the_pin():
    gomod = (REPO / "lab" / "kube" / "go.mod").read_text()
    p = pins()
    assert f"\tk8s.io/kubernetes {p['KUBERNETES_VERSION']}\n" in gomod
    staging = [line for line in gomod.splitlines() if "=> k8s.io/" in line]
    assert staging, "no staging replacements"
    assert all(line.rstrip().endswith(p["KUBERNETES_STAGING_VERSION"]) for line in staging)
    assert p["KUBERNETES_STAGING_VERSION"] == "v0." + p["KUBERNETES_VERSION"].split(".", 1)[1]


def test_etcd_module_matches_the_pin():
    assert f"go.etcd.io/etcd/server/v3 {pins()['ETCD_VERSION']}\n" in (REPO / "lab" / "etcd" / "go.mod").read_text()


def test_every_tool_is_pinned():
    assert set(pins()) >= {"KUBERNETES_VERSION", "ETCD_VERSION", "KWOK_VERSION", "HELM_VERSION", "HELM3_VERSION"}


def test_promtool_module_matches_the_prometheus_the_platform_runs():
    """promtool is built from the Prometheus module of the version kube-prometheus-stack's Prometheus image runs
    (module v0.MMM.P is Prometheus v3.MM.P), so the rules are checked by the parser that will evaluate them."""
    import re

    import yaml

    gomod = (REPO / "lab" / "promtool" / "go.mod").read_text()
    (module,) = re.findall(r"^\tgithub.com/prometheus/prometheus (v0\.3\d\d\.\d+)\b", gomod, re.M)
    assert "\ntool github.com/prometheus/prometheus/cmd/promtool\n" in gomod
    manifest = yaml.safe_load((REPO / "platform" / "components.yml").read_text())
    (release,) = manifest["components"]["kube_prometheus_stack"]["releases"]
    refs = [i["image"] if isinstance(i, dict) else str(i) for i in release["images"]]
    (image,) = [r for r in refs if r.startswith("quay.io/prometheus/prometheus:")]
    tag = re.match(r"quay.io/prometheus/prometheus:v3\.(\d+)\.(\d+)", image)
    assert module == f"v0.3{int(tag.group(1)):02d}.{tag.group(2)}", (module, image)
