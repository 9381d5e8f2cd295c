"""playbooks/site.yml refuses a broken core-config.yaml before any host is
contacted: the hosts here do not exist, so touching one would show as unreachable."""
from __future__ import annotations

import os
import subprocess

from ..conftest import REPO

INVENTORY = """
all:
  vars:
    openlakes_core_config_file: "{{ inventory_dir }}/core-config.yaml"
  hosts:
    node-a: {ansible_host: 192.0.2.1, ansible_connection: ssh}
    node-b: {ansible_host: 192.0.2.2, ansible_connection: ssh}
"""

BROKEN = """
apiVersion: openlakes.io/v1alpha1
networking: {domain: localhost}
storage:
  hosts:
    node-c:
      minio_drives: [{device: /dev/sdb, mount: /var}]
credentials: {minio: {rootPassword: admin123}}
"""


# Secret-looking values in the wrong places; none may appear in the output, even at -vvv.
SECRETS = ("ghp_R8dKq2LmZx7VbN4tY1cWs9pHf3jU6aEo0GiT", "Sup3r$ecret!Pass", "hunter2-plaintext-pw", "s3cretT0kenXyz",
           "xoxb-2048-abcd-Efgh-9911", "6231336539666234306139346433")
BROKEN_WITH_SECRETS = f"""
apiVersion: openlakes.io/v1alpha1
networking:
  domain: data.example.com
  tls:
    mode: cloudflare-dns01
    cloudflare: {{email: ops@example.com, api_token: {SECRETS[0]}}}
credentials:
  existing_secrets: {{minio: "{SECRETS[1]}"}}
air_gap: {{chart_mirror: "https://bot:{SECRETS[3]}@charts.example.com/x"}}
components:
  cert_manager: {{enabled: true}}
  minio:
    values:
      rootPassword: {SECRETS[2]}
      extraEnv: [{{name: SLACK_TOKEN, value: {SECRETS[4]}}}]
      kms: !vault |
        $ANSIBLE_VAULT;1.1;AES256
        {SECRETS[5]}
"""


def run_site(tmp_path, config, *extra):
    (tmp_path / "hosts.yml").write_text(INVENTORY)
    (tmp_path / "core-config.yaml").write_text(config)
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=str(REPO / ".build" / "collections"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(["ansible-playbook", "-i", str(tmp_path / "hosts.yml"), str(REPO / "playbooks" / "site.yml"),
                           *extra], capture_output=True, text=True, env=env, cwd=REPO, check=False)


def test_broken_config_stops_before_any_host(tmp_path):
    for extra in ((), ("--check",)):
        res = run_site(tmp_path, BROKEN, *extra)
        out = res.stdout
        assert res.returncode != 0
        assert "nothing was changed on any host" in out
        for expected in ("networking.domain: 'localhost' is not valid",
                         "storage.hosts.node-c: host 'node-c' is not in the inventory (node-a, node-b)",
                         "storage.hosts.node-c.minio_drives[0].device: '/dev/sdb' can name another disk",
                         "storage.hosts.node-c.minio_drives[0].mount: /var is a system directory",
                         "credentials.minio: unknown key 'minio'",
                         "credentials.minio.rootPassword: looks like a plaintext credential"):
            assert expected in out, out[-3000:]
        assert "unreachable=0" in out and "UNREACHABLE" not in out, "a host was contacted"
        assert "PLAY [Preflight" not in out


def test_broken_config_with_secrets_prints_none_of_them(tmp_path):
    res = run_site(tmp_path, BROKEN_WITH_SECRETS, "-vvv")
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert "nothing was changed on any host" in out
    for expected in ("networking.tls.cloudflare.api_token: must be an object, not a string of 40 characters (not shown",
                     "credentials.existing_secrets.minio: the value of 16 characters (not shown",
                     "components.minio.values.rootPassword: looks like a plaintext credential",
                     "components.minio.values.extraEnv[0].value: the environment variable SLACK_TOKEN holds",
                     "air_gap.chart_mirror: holds a URL with a credential in it",
                     "components.minio.values.kms: an ansible-vault value (!vault) is not read here"):
        assert expected in out, out[-3000:]
    for secret in SECRETS:
        assert secret not in out, secret
    assert "unreachable=0" in out and "UNREACHABLE" not in out, "a host was contacted"
