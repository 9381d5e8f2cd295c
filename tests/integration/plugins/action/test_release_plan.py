"""release_plan's action plugin against the lab cluster, through ansible-playbook: a graph where nothing would
change is answered in the controller's process (the module is never shipped), a change runs the module."""
from __future__ import annotations

import os
import subprocess

from ...conftest import FIXTURE_CHARTS, REPO


def _play(tmp_path, lab_cluster, namespace, replicas: int):
    play = tmp_path / "play.yml"
    releases = "".join(f"""
          - {{name: {name}, namespace: {namespace}, chart: {{name: app, version: 0.1.0, path: "{FIXTURE_CHARTS / 'app'}"}},
             values: {{replicas: {replicas}}}, depends_on: {deps}}}""" for name, deps in (("db", "[]"), ("api", "[db]")))
    play.write_text(f"""
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - openlakes.core.release_plan:
        kubeconfig: {lab_cluster["kubeconfig"]}
        helm_binary: {lab_cluster["bin"] / "helm"}
        releases:{releases}
""")
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=str(REPO / ".build" / "collections"))
    out = subprocess.run(["ansible-playbook", "-vvv", str(play)], capture_output=True, text=True, env=env, check=False)
    assert out.returncode == 0, out.stdout[-3000:]
    return out.stdout


def test_nothing_to_do_is_answered_without_the_module(tmp_path, lab_cluster, namespace):
    first = _play(tmp_path, lab_cluster, namespace, 1)
    assert "changed=1" in first and "plugins/modules/release_plan.py" in first, "an install runs the module"
    again = _play(tmp_path, lab_cluster, namespace, 1)
    assert "changed=0" in again
    assert "plugins/modules/release_plan.py" not in again, "an up-to-date graph was answered in the controller's process"
    changed = _play(tmp_path, lab_cluster, namespace, 2)
    assert "changed=1" in changed and "plugins/modules/release_plan.py" in changed, "a change runs the module"
