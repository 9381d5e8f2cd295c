"""playbooks/site.yml end to end on the lab: three systemd hosts with loop disks and the kwok
cluster. The first run prepares the hosts and deploys layers 01, 02, 03, 04 and 08 from the chart mirror; the second
run and a check-mode run change nothing; the cluster then holds what core-config.yaml describes,
and no credential appears in any release or in the playbook's output.

Figures (wall times, critical path) are printed with -s; they are not asserted."""
from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import time

from ..conftest import REPO

INVENTORY = REPO / "inventories" / "lab" / "hosts.yml"
HOSTS = ["lab-node-1", "lab-node-2", "lab-node-3"]
# Per slice: layer 08's kube-prometheus-stack (the monitoring CRDs) and Loki (Grafana's data source) deploy with
# layer 01, the first slice with a monitor.
LAYERS = {"01 storage": ["longhorn", "traefik", "ingress", "minio-volumes", "minio-cold", "minio", "minio-setup",
                         "cnpg-operator", "postgresql", "redis", "nessie", "kube-prometheus-stack", "loki"],
          "02 compute": ["spark-operator", "spark", "trino"],
          "03 streaming": ["strimzi", "kafka", "apicurio"],
          "04 orchestration": ["airflow"],
          "08 monitoring": ["alloy", "statsd-exporter"]}
RELEASES = [name for names in LAYERS.values() for name in names]
LINKS = 33   # the lab's declared links (consumer -> provider), each a row of the wiring table
LAYER03_LINKS = ["apicurio -> postgresql  service rw", "apicurio -> postgresql  database role (consumer side)",
                 "apicurio -> postgresql  database role (provider side)"]
# Layer 04: Airflow's metadata database and role, its MinIO user and endpoint (task logs), StatsD to layer 08.
LAYER04_LINKS = ["airflow -> postgresql  service rw", "airflow -> postgresql  database role (consumer side)",
                 "airflow -> postgresql  database role (provider side)", "airflow -> minio  service s3",
                 "airflow -> minio  MinIO user (consumer side)", "airflow -> minio  MinIO user (provider side)",
                 "airflow -> statsd_exporter  service statsd"]
LAYER08_LINKS = ["kube_prometheus_stack -> kube_prometheus_stack  service prometheus",
                 "kube_prometheus_stack -> loki  service http", "alloy -> loki  service http"]
# Each component's alerting rules (a PrometheusRule) and Grafana dashboards (ConfigMaps), from its own unit.
ALERTING = ["kube_prometheus_stack", "longhorn", "minio", "postgresql", "kafka"]
DASHBOARDS = {"kube_prometheus_stack": "platform-overview", "longhorn": "longhorn", "minio": "minio",
              "postgresql": "postgresql", "trino": "trino", "spark": "spark", "kafka": "kafka"}
MONITORED = ["longhorn", "traefik", "minio", "postgresql", "nessie", "spark", "trino", "kafka", "apicurio", "loki", "alloy",
             "statsd_exporter"]
RUNS: dict = {}


def site(*extra):
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=str(REPO / ".build" / "collections"),
               CONTAINERS_CONF=str(REPO / "lab" / "podman" / "containers.conf"))
    t0 = time.monotonic()
    res = subprocess.run(["ansible-playbook", "-i", str(INVENTORY), str(REPO / "playbooks" / "site.yml"), *extra],
                         capture_output=True, text=True, env=env, cwd=REPO, check=False)
    res.wall = time.monotonic() - t0
    return res


def recap(out: str) -> dict:
    return {m.group(1): {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
            for m in re.finditer(r"^(\S+)\s+:\s+(ok=.*)$", out, re.M)}


def summary(out: str) -> str:
    """The summary task's output (printed by the YAML callback of ansible.cfg)."""
    return out[out.rfind("TASK [openlakes.core.summary : Summary]"):out.rfind("PLAY RECAP")]


def release_actions(out: str) -> dict:
    """Per release in the summary: (outcome, action)."""
    return {m.group(1): (m.group(2), m.group(3))
            for m in re.finditer(r"^\s+- '\s+([a-z-]+)\s+release\s+(ok|failed|skipped)\s+(\w+)", summary(out), re.M)}


def wiring(out: str) -> list:
    """The wiring table's link lines (consumer -> provider, what, ok or FAILED)."""
    start = out.rfind("TASK [openlakes.core.status : Wiring table]")
    block = out[start:out.find("TASK [", start + 10)]
    return re.findall(r"^\s+- '?(\S+ -> \S+\s+.+?\s+(?:ok|FAILED.*?))'?$", block, re.M)


def test_first_run_prepares_the_hosts_and_deploys_layers_01_02_03_04_and_08(lab):
    res = site()
    RUNS["first"] = res
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]
    rc = recap(res.stdout)
    assert set(HOSTS) <= set(rc) and all(rc[h]["failed"] == 0 and rc[h]["unreachable"] == 0 for h in rc)
    text = re.sub(r"\s+", " ", summary(res.stdout))  # the YAML callback folds long lines
    assert "Layers (profile compact):" in text, text
    layers = []
    for title, names in LAYERS.items():
        layer = re.search(title + r": %d release\(s\), \d+ other node\(s\) in [0-9.]+ s \(critical path [0-9.]+ s\)"
                          % len(names), text)
        assert layer, text
        layers.append(layer.group(0))
    whole = re.search(r"Whole deploy: [0-9.]+ s over %d layer\(s\); critical path of the whole graph [0-9.]+ s"
                      % len(LAYERS), text)
    assert whole, text
    print(f"\nfirst run: {res.wall:.1f} s; {'; '.join(layers)}; {whole.group(0)}")
    rows = wiring(res.stdout)
    print("wiring table:\n  " + "\n  ".join(rows))
    assert len(rows) == LINKS and all(r.rstrip().endswith("ok") for r in rows), rows
    squeezed = [re.sub(r"\s+", " ", r) for r in rows]
    assert all(any(r.startswith(re.sub(r"\s+", " ", want)) for r in squeezed) for want in LAYER03_LINKS + LAYER04_LINKS + LAYER08_LINKS), rows
    actions = release_actions(res.stdout)
    assert actions == {name: ("ok", "install") for name in RELEASES}, actions
    assert "https://minio.openlakes.lab.internal" in text
    assert re.search(r"https://longhorn.openlakes.lab.internal \(basic auth", text)
    assert re.search(r"https://registry.openlakes.lab.internal \(basic auth", text)
    assert "https://airflow.openlakes.lab.internal" in text


def test_second_run_changes_nothing(lab):
    res = site()
    RUNS["second"] = res
    assert res.returncode == 0, res.stdout[-6000:]
    rc = recap(res.stdout)
    changed = {h: r["changed"] for h, r in rc.items()}
    print(f"\nsecond run: {res.wall:.1f} s; changed per host: {changed}")
    assert all(v == 0 for v in changed.values()), changed
    actions = release_actions(res.stdout)
    assert actions == {name: ("ok", "none") for name in RELEASES}, actions


def test_check_mode_changes_nothing(lab):
    res = site("--check")
    assert res.returncode == 0, res.stdout[-6000:]
    changed = {h: r["changed"] for h, r in recap(res.stdout).items()}
    print(f"\ncheck run: {res.wall:.1f} s; changed per host: {changed}")
    assert all(v == 0 for v in changed.values()), changed


def test_minio_pods_sit_on_their_drives(api):
    from kubernetes import client

    core = client.CoreV1Api(api)
    for i, host in enumerate(HOSTS):
        pod = core.read_namespaced_pod(f"minio-{i}", "openlakes")
        assert pod.spec.node_name == host
        assert pod.status.phase == "Running"
        for d in range(2):
            pvc = core.read_namespaced_persistent_volume_claim(f"export-{d}-minio-{i}", "openlakes")
            assert pvc.status.phase == "Bound" and pvc.spec.volume_name == f"openlakes-minio-{host}-{d}"
            pv = core.read_persistent_volume(pvc.spec.volume_name)
            assert pv.spec.local.path == f"/mnt/openlakes/minio/hot{d + 1}/data"
            assert pv.spec.persistent_volume_reclaim_policy == "Retain"
            term = pv.spec.node_affinity.required.node_selector_terms[0].match_expressions[0]
            assert (term.key, term.values) == ("kubernetes.io/hostname", [host])
    cold = core.read_namespaced_persistent_volume_claim("minio-cold", "openlakes")
    assert cold.status.phase == "Bound" and cold.spec.volume_name == "openlakes-minio-cold"


def test_longhorn_knows_the_prepared_disks_and_is_the_default_class(api):
    from kubernetes import client

    core, storage = client.CoreV1Api(api), client.StorageV1Api(api)
    for host in HOSTS:
        node = core.read_node(host)
        assert node.metadata.labels["node.longhorn.io/create-default-disk"] == "config"
        disks = json.loads(node.metadata.annotations["node.longhorn.io/default-disks-config"])
        assert [d["path"] for d in disks] == ["/var/lib/openlakes/longhorn/disk1/data"]
    sc = storage.read_storage_class("longhorn")
    assert sc.reclaim_policy == "Retain" and sc.parameters["numberOfReplicas"] == "3"
    for claim in ("pgdata-postgresql-0", "data-redis-0"):
        pvc = core.read_namespaced_persistent_volume_claim(claim, "openlakes")
        assert pvc.spec.storage_class_name == "longhorn" and pvc.status.phase == "Bound"


def test_every_ui_is_routed_by_traefik_over_tls(api):
    from kubernetes import client

    net = client.NetworkingV1Api(api)
    hosts = {}
    for ing in net.list_ingress_for_all_namespaces().items:
        for rule in ing.spec.rules:
            hosts[rule.host] = ing.metadata.annotations or {}
    for ui in ("longhorn", "minio", "nessie", "spark", "trino", "registry", "grafana"):
        ann = hosts[f"{ui}.openlakes.lab.internal"]
        assert ann["traefik.ingress.kubernetes.io/router.entrypoints"] == "websecure"
        assert ann["traefik.ingress.kubernetes.io/router.tls"] == "true"
    for ui in ("longhorn", "spark", "registry"):   # no login of their own: basic auth in front
        assert hosts[f"{ui}.openlakes.lab.internal"]["traefik.ingress.kubernetes.io/router.middlewares"] == \
            "openlakes-ui-auth@kubernetescrd"
    assert "traefik.ingress.kubernetes.io/router.middlewares" not in hosts["trino.openlakes.lab.internal"]
    core = client.CoreV1Api(api)
    tls = core.read_namespaced_secret("openlakes-wildcard-tls", "traefik")
    assert tls.type == "kubernetes.io/tls"
    crt = base64.b64decode(tls.data["tls.crt"]).decode()
    assert crt == (REPO / ".lab" / "tls" / "wildcard.crt").read_text()


def test_no_credential_appears_in_any_release_or_output(api):
    from kubernetes import client

    from ansible_collections.openlakes.core.plugins.module_utils import _helm

    core = client.CoreV1Api(api)
    values = []
    for s in core.list_secret_for_all_namespaces(label_selector="app.kubernetes.io/managed-by=openlakes.core").items:
        values += [base64.b64decode(v).decode() for k, v in (s.data or {}).items()
                   if k not in ("username", "s3-access-key", "admin-user")]
    values = [v for v in values if len(v) >= 8]
    assert len(values) >= 6
    releases = core.list_secret_for_all_namespaces(label_selector="owner=helm").items
    assert len(releases) >= len(RELEASES)
    for rel in releases:
        text = json.dumps(_helm.decode_release(rel.data["release"]))
        leaked = [v[:4] + "..." for v in values if v in text]
        assert not leaked, f"{rel.metadata.name} holds a credential"
    for name, res in RUNS.items():
        assert not [v for v in values if v in res.stdout + res.stderr], f"the {name} run printed a credential"


def test_kafka_is_kraft_on_longhorn_volumes_behind_its_bootstrap_service(api):
    from kubernetes import client

    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
    kafka = custom.get_namespaced_custom_object("kafka.strimzi.io", "v1", "openlakes", "kafkas", "kafka")
    assert {c["type"]: c["status"] for c in kafka["status"]["conditions"]}.get("Ready") == "True"
    assert kafka["status"]["listeners"][0]["bootstrapServers"] == "kafka-kafka-bootstrap.openlakes.svc:9092"
    pool = custom.get_namespaced_custom_object("kafka.strimzi.io", "v1", "openlakes", "kafkanodepools", "dual")
    assert pool["spec"]["roles"] == ["controller", "broker"] and pool["status"]["nodeIds"] == [0, 1, 2]
    assert pool["spec"]["storage"]["volumes"][0]["deleteClaim"] is False
    for i in range(3):
        assert core.read_namespaced_pod(f"kafka-dual-{i}", "openlakes").status.phase == "Running"
        pvc = core.read_namespaced_persistent_volume_claim(f"data-0-kafka-dual-{i}", "openlakes")
        assert pvc.spec.storage_class_name == "longhorn" and pvc.status.phase == "Bound"
    svc = core.read_namespaced_service("kafka-kafka-bootstrap", "openlakes")
    assert 9092 in [p.port for p in svc.spec.ports]
    brokers = core.read_namespaced_service("kafka-kafka-brokers", "openlakes")
    assert brokers.spec.cluster_ip == "None", "the brokers' own names resolve through the headless Service"


def test_strimzi_crds_are_the_collections_to_upgrade(api):
    from kubernetes import client

    ext = client.ApiextensionsV1Api(api)
    for plural in ("kafkas", "kafkanodepools", "kafkausers", "kafkatopics"):
        crd = ext.read_custom_resource_definition(f"{plural}.kafka.strimzi.io")
        assert any(c.type == "Established" and c.status == "True" for c in crd.status.conditions), plural
        assert "openlakes.core" in {m.manager for m in crd.metadata.managed_fields or []}, plural


def status(*extra):
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=str(REPO / ".build" / "collections"))
    return subprocess.run(["ansible-playbook", "-i", str(INVENTORY), str(REPO / "playbooks" / "status.yml"), *extra],
                          capture_output=True, text=True, env=env, cwd=REPO, check=False)


def test_status_proves_every_link_and_names_a_broken_one(lab, api):
    """Break one link at a time in the live cluster; status.yml names consumer, provider and what differs."""
    from kubernetes import client

    core = client.CoreV1Api(api)
    ok = status()
    assert ok.returncode == 0, ok.stdout[-4000:]
    assert len(wiring(ok.stdout)) == LINKS

    def broken(breaks, restore, expected):
        breaks()
        try:
            res = status()
            assert res.returncode != 0
            assert expected in res.stdout, res.stdout[-3000:]
        finally:
            restore()

    # A consumer pointing at a wrong port: Nessie's configuration names postgresql-rw on 5433.
    url = core.read_namespaced_config_map("nessie", "openlakes").data["quarkus.datasource.jdbc.url"]
    wrong = {"data": {"quarkus.datasource.jdbc.url": url.replace(":5432/", ":5433/")}}
    broken(lambda: core.patch_namespaced_config_map("nessie", "openlakes", wrong),
           lambda: core.patch_namespaced_config_map("nessie", "openlakes", {"data": {"quarkus.datasource.jdbc.url": url}}),
           "nessie -> postgresql (service rw): the live objects of nessie do not name the address "
           "postgresql-rw.openlakes.svc.cluster.local:5432")

    # A Secret key missing: Nessie's own MinIO secret key.
    key = core.read_namespaced_secret("openlakes-nessie-credentials", "openlakes").data["s3-secret-key"]
    broken(lambda: core.patch_namespaced_secret("openlakes-nessie-credentials", "openlakes",
                                                [{"op": "remove", "path": "/data/s3-secret-key"}]),
           lambda: core.patch_namespaced_secret("openlakes-nessie-credentials", "openlakes", {"data": {"s3-secret-key": key}}),
           "nessie -> minio (MinIO user (consumer side)): Secret openlakes/openlakes-nessie-credentials lacks the key s3-secret-key")

    # A Service removed (MinIO's, which no operator would make again; the lab's CloudNativePG player
    # recreates postgresql-rw within a second, as the real operator does).
    svc = core.read_namespaced_service("minio", "openlakes")
    body = client.V1Service(metadata=client.V1ObjectMeta(name="minio", labels=svc.metadata.labels,
                                                         annotations=svc.metadata.annotations),
                            spec=client.V1ServiceSpec(selector=svc.spec.selector, ports=svc.spec.ports))
    broken(lambda: core.delete_namespaced_service("minio", "openlakes"),
           lambda: core.create_namespaced_service("openlakes", body),
           "nessie -> minio (service s3): Service openlakes/minio does not exist")
    time.sleep(2)  # the EndpointSlice controller fills the new Service
    assert status().returncode == 0


def test_every_monitor_exists_and_selects_its_targets(api):
    """Each component's monitor is in the cluster (its CRD from kube-prometheus-stack's chart, applied by the
    collection); a ServiceMonitor's selector matches a Service with the named port, a PodMonitor's matches pods."""
    from kubernetes import client

    core, custom, ext = client.CoreV1Api(api), client.CustomObjectsApi(api), client.ApiextensionsV1Api(api)
    for plural in ("servicemonitors", "podmonitors", "prometheusrules"):
        crd = ext.read_custom_resource_definition(f"{plural}.monitoring.coreos.com")
        assert "openlakes.core" in {m.manager for m in crd.metadata.managed_fields or []}, plural
    rows = []
    for name in MONITORED:
        found = []
        for plural in ("servicemonitors", "podmonitors"):
            found += custom.list_cluster_custom_object("monitoring.coreos.com", "v1", plural,
                                                       label_selector=f"openlakes.io/component={name}")["items"]
        assert len(found) == 1, (name, found)
        mon = found[0]
        ns = mon["spec"]["namespaceSelector"]["matchNames"][0]
        selector = ",".join(f"{k}={v}" for k, v in mon["spec"]["selector"]["matchLabels"].items())
        if mon["kind"] == "ServiceMonitor":
            ep = mon["spec"]["endpoints"][0]
            services = core.list_namespaced_service(ns, label_selector=selector).items
            assert any(ep["port"] in [p.name for p in s.spec.ports] for s in services), (name, selector, ep["port"])
        else:
            ep = mon["spec"]["podMetricsEndpoints"][0]
            assert core.list_namespaced_pod(ns, label_selector=selector).items, (name, selector)
        rows.append(f"{name}: {mon['kind']} {ns}/{mon['metadata']['name']} port {ep['port']} path {ep['path']}")
    print("\nmonitors:\n  " + "\n  ".join(rows))


def test_every_alert_rule_and_dashboard_is_in_the_cluster(api):
    """Layer 08 on: each component's PrometheusRule is in the cluster with its alerts, and each dashboard is a
    ConfigMap carrying the label Grafana's sidecar loads, in the component's namespace."""
    from kubernetes import client

    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
    rows = []
    for name in ALERTING:
        (rule,) = custom.list_cluster_custom_object("monitoring.coreos.com", "v1", "prometheusrules",
                                                    label_selector=f"openlakes.io/component={name}")["items"]
        alerts = [r["alert"] for g in rule["spec"]["groups"] for r in g["rules"]]
        assert alerts and all(a.startswith("OpenLakes") for a in alerts), (name, alerts)
        rows.append(f"{name}: PrometheusRule {rule['metadata']['namespace']}/{rule['metadata']['name']} "
                    f"({', '.join(alerts)})")
    for name, uid in DASHBOARDS.items():
        maps = core.list_config_map_for_all_namespaces(
            label_selector=f"openlakes.io/component={name},grafana_dashboard=1").items
        assert [m.metadata.name for m in maps] == [f"openlakes-dashboard-{uid}"], (name, maps)
        doc = json.loads(next(iter(maps[0].data.values())))
        assert doc["panels"], name
        rows.append(f"{name}: dashboard {maps[0].metadata.namespace}/{maps[0].metadata.name} ({len(doc['panels'])} panels)")
    print("\nalerts and dashboards:\n  " + "\n  ".join(rows))
