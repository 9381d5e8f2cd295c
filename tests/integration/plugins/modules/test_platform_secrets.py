"""platform_secrets against the lab cluster, through ansible-playbook: generated
once, reused afterwards, and never printed."""
from __future__ import annotations

import base64
import os
import subprocess

from kubernetes import client

from ...conftest import REPO


def _play(tmp_path, kubeconfig, namespace, extra=""):
    play = tmp_path / "play.yml"
    play.write_text(f"""
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - openlakes.core.platform_secrets:
        kubeconfig: {kubeconfig}
        sets:
          - {{name: minio, secret: {extra or "openlakes-minio-credentials"}, existing: {"true" if extra else "false"},
             keys: {{rootUser: "user:admin", rootPassword: "password:40"}}, namespaces: [{namespace}]}}
          - {{name: airflow, secret: openlakes-airflow-credentials, namespaces: [{namespace}, {namespace}-other],
             keys: {{username: "fixed:airflow", password: password, fernet-key: fernet}}}}
      register: out
    - ansible.builtin.debug: {{var: out}}
""")
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=str(REPO / ".build" / "collections"))
    return subprocess.run(["ansible-playbook", "-vvv", str(play)], capture_output=True, text=True, env=env, check=False)


def test_generated_once_reused_and_never_printed(tmp_path, api, namespace, lab_cluster):
    first = _play(tmp_path, lab_cluster["kubeconfig"], namespace)
    assert first.returncode == 0, first.stdout[-2000:]
    assert "changed=1" in first.stdout
    core = client.CoreV1Api(api)
    secret = core.read_namespaced_secret("openlakes-minio-credentials", namespace)
    values = {k: base64.b64decode(v).decode() for k, v in secret.data.items()}
    assert set(values) == {"rootUser", "rootPassword"}
    for value in values.values():
        assert value not in first.stdout and value not in first.stderr, "a credential was printed"

    second = _play(tmp_path, lab_cluster["kubeconfig"], namespace)
    assert second.returncode == 0 and "changed=0" in second.stdout
    again = core.read_namespaced_secret("openlakes-minio-credentials", namespace)
    assert again.data == secret.data, "a credential was regenerated"
    assert again.metadata.labels["app.kubernetes.io/managed-by"] == "openlakes.core"
    # The same credential, readable in each namespace that reads it.
    airflow = core.read_namespaced_secret("openlakes-airflow-credentials", namespace).data
    assert core.read_namespaced_secret("openlakes-airflow-credentials", f"{namespace}-other").data == airflow


def test_a_key_declared_later_is_added_and_the_others_kept(tmp_path, api, namespace, lab_cluster):
    core = client.CoreV1Api(api)
    assert _play(tmp_path, lab_cluster["kubeconfig"], namespace).returncode == 0
    before = core.read_namespaced_secret("openlakes-airflow-credentials", namespace).data
    core.patch_namespaced_secret("openlakes-airflow-credentials", namespace, [{"op": "remove", "path": "/data/fernet-key"}])
    res = _play(tmp_path, lab_cluster["kubeconfig"], namespace)
    assert res.returncode == 0 and "changed=1" in res.stdout, res.stdout[-2000:]
    after = core.read_namespaced_secret("openlakes-airflow-credentials", namespace).data
    assert after["password"] == before["password"] and after["fernet-key"] and after["fernet-key"] != before["fernet-key"]


def test_missing_existing_secret_is_reported(tmp_path, namespace, lab_cluster):
    res = _play(tmp_path, lab_cluster["kubeconfig"], namespace, "my-own-minio")
    assert res.returncode != 0
    assert f"minio: the existing Secret {namespace}/my-own-minio named in core-config.yaml does not exist" in res.stdout
