"""lab/openlakes_lab/cluster.py: kwok's own stages, adapted for faults, delays and simulated provisioners."""
import yaml

from openlakes_lab import cluster
from openlakes_lab.state import LAB_DIR


def _fake_kwok_stages(tmp_path):
    def stage(rel, kind, exprs):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump({"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Stage",
                                        "metadata": {"name": path.stem},
                                        "spec": {"resourceRef": {"apiGroup": "v1", "kind": kind},
                                                 "selector": {"matchExpressions": exprs}}}))
    stage("node/fast/node-initialize.yaml", "Node", [])
    stage("node/heartbeat-with-lease/node-heartbeat-with-lease.yaml", "Node", [])
    for name in ("pod-ready", "pod-complete", "pod-delete"):
        stage(f"pod/fast/{name}.yaml", "Pod", [])
    for name, kind in (("pvc-provision", "PersistentVolumeClaim"), ("pvc-delete", "PersistentVolumeClaim"),
                       ("pv-bind", "PersistentVolume"), ("pv-delete", "PersistentVolume")):
        stage(f"volume/fast/{name}.yaml", kind, [{"cel": {"expression": "self.spec.storageClassName == 'kwok-volume'"}}])
    return tmp_path


def test_stages_exclude_faulted_objects_and_delay_readiness(tmp_path):
    docs = {d["metadata"]["name"]: d for d in cluster.stages(_fake_kwok_stages(tmp_path), 1500)}
    not_faulted = {"key": '.metadata.labels["lab.openlakes.io/fault"]', "operator": "DoesNotExist"}
    for name in ("node-initialize", "node-heartbeat-with-lease", "pod-ready"):
        assert not_faulted in docs[name]["spec"]["selector"]["matchExpressions"]
    delay = docs["pod-ready"]["spec"]["delay"]
    assert delay["durationMilliseconds"] == 1500
    assert "lab.openlakes.io/ready-delay" in delay["durationFrom"]["expressionFrom"]


def test_volume_stages_serve_the_simulated_provisioners(tmp_path):
    docs = {d["metadata"]["name"]: d for d in cluster.stages(_fake_kwok_stages(tmp_path), 1000)}
    exprs = docs["pvc-provision"]["spec"]["selector"]["matchExpressions"]
    text = yaml.safe_dump(exprs)
    assert "kwok-volume" not in text
    assert "driver.longhorn.io" in text and "volume.kubernetes.io/storage-provisioner" in text
    assert "pv.kubernetes.io/provisioned-by" in yaml.safe_dump(docs["pv-bind"]["spec"]["selector"])


def test_fault_stages_cover_every_documented_fault():
    faults = yaml.safe_dump_all(yaml.safe_load_all((LAB_DIR / "kwok" / "fault-stages.yaml").read_text()))
    for fault in ("CrashLoopBackOff", "ImagePullBackOff", "ExitNonZero", "NotReady"):
        assert f"- {fault}" in faults
