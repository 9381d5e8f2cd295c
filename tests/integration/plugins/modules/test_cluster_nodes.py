"""cluster_nodes against the lab cluster, through ansible-playbook: the Ready nodes pass and give their memory,
a host without a Node fails the task naming it."""
from __future__ import annotations

import json
import os
import subprocess

from kubernetes import client

from ...conftest import REPO


def _play(tmp_path, kubeconfig, hosts):
    play = tmp_path / "play.yml"
    play.write_text(f"""
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - openlakes.core.cluster_nodes:
        kubeconfig: {kubeconfig}
        hosts: {json.dumps(hosts)}
      register: out
    - ansible.builtin.copy: {{content: "{{{{ kubernetes_node_memory | to_json }}}}", dest: "{tmp_path}/memory.json", mode: "0600"}}
""")
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=str(REPO / ".build" / "collections"))
    return subprocess.run(["ansible-playbook", str(play)], capture_output=True, text=True, env=env, check=False)


def test_ready_nodes_pass_and_a_missing_host_is_named(tmp_path, api, lab_cluster):
    nodes = client.CoreV1Api(api).list_node().items
    ready = [n.metadata.name for n in nodes
             if any(c.type == "Ready" and c.status == "True" for c in n.status.conditions or [])]
    assert ready, "the lab cluster has Ready nodes"
    ok = _play(tmp_path, lab_cluster["kubeconfig"], ready)
    assert ok.returncode == 0, ok.stdout[-2000:]
    assert "changed=1" in ok.stdout, "only the copy of the fact changes anything"
    memory = json.loads((tmp_path / "memory.json").read_text())
    assert memory == [n.status.allocatable["memory"] for n in nodes]
    bad = _play(tmp_path, lab_cluster["kubeconfig"], [ready[0], "no-such-host"])
    assert bad.returncode != 0
    assert "These storage hosts have no Ready Kubernetes Node: no-such-host." in bad.stdout
