# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helm values of each component, generated from the validated core-config.yaml,
the hosts' prepared disks and the names of the generated credential Secrets.
Private to this collection.

`layer_plan(inputs, layer)` turns one layer of platform/components.yml into
releases for openlakes.core.release_plan (name, namespace, chart, values,
depends_on) plus what must exist beside them (node labels for Longhorn).
Every values key set here exists in the pinned upstream chart's values.yaml
and validates against its values.schema.json; tests/unit/plugins/module_utils/
test_values_upstream.py checks that for every example configuration.

No credential is ever a value: charts get the *name* of a Secret and its keys.
"""
from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field

CLUSTER_DOMAIN = "cluster.local"
INGRESS_CLASS = "traefik"
MINIO_STORAGE_CLASS = "openlakes-minio-local"
LONGHORN_STORAGE_CLASS = "longhorn"
TLS_SECRET = "openlakes-wildcard-tls"
CLOUDFLARE_TOKEN_SECRET = "openlakes-cloudflare-api-token"
COLD_TIER_NAME = "COLD"
COLD_BUCKET = "openlakes-cold"
MIB = 1024 * 1024
# Services that get their own PostgreSQL database and user (when enabled), by component.
DATABASE_USERS = ("nessie", "airflow", "superset", "openmetadata")
MAIN_PREFIXES = ("raw/", "warehouse/", "spark-history/")
NOTEBOOK_PREFIXES = ("shared/", "workspace/", "published/", "artifacts/")


COLLECTION_CHARTS = "collection://charts"


def quantity_bytes(q) -> int:
    """A Kubernetes memory quantity (32Gi, 512M, 1e9, 1024) in bytes."""
    text = str(q).strip()
    for suffix, factor in (("Ki", 2 ** 10), ("Mi", 2 ** 20), ("Gi", 2 ** 30), ("Ti", 2 ** 40), ("Pi", 2 ** 50),
                           ("k", 10 ** 3), ("M", 10 ** 6), ("G", 10 ** 9), ("T", 10 ** 12), ("P", 10 ** 15)):
        if text.endswith(suffix):
            return int(float(text[:-len(suffix)]) * factor)
    return int(float(text or 0))


class PlanError(ValueError):
    """The inputs cannot make a plan (a host without prepared drives, a missing Secret)."""


@dataclass
class Inputs:
    config: dict                                   # openlakes_config: validated, defaults filled, `derived`
    hosts: dict = field(default_factory=dict)      # host -> {longhorn_disks: [{path}], minio_drives: [{path, size_bytes}]}
    secrets: dict = field(default_factory=dict)    # service -> {secret: NAME, keys: [...]}
    manifest: dict = field(default_factory=dict)   # platform/components.yml
    charts_dir: str = ""                           # where the collection's own charts are, on the controller
    node_memory: list = field(default_factory=list)  # each node's allocatable memory (quantities), for `auto`

    # --- what the values are made of ------------------------------------------------------
    @property
    def ns(self) -> str:
        return self.config["cluster"]["namespace"]

    @property
    def domain(self) -> str:
        return self.config["networking"]["domain"]

    @property
    def tls(self) -> bool:
        return self.config["networking"]["tls"]["mode"] != "none"

    @property
    def profile(self) -> str:
        chosen = self.config["resources"]["profile"]
        if chosen != "auto":
            return chosen
        gib = sum(quantity_bytes(q) for q in self.node_memory) / 1024 ** 3
        return "compact" if gib < 48 else "small" if gib < 192 else "full"

    def enabled(self, component: str) -> bool:
        return component in self.config["derived"]["enabled_components"]

    def component_namespace(self, component: str, release: dict | None = None) -> str:
        ns = (release or {}).get("namespace") or self.manifest["components"][component]["namespace"]
        return {"platform": self.ns, "monitoring": self.config["cluster"]["monitoring_namespace"]}.get(ns, ns)

    def secret(self, service: str) -> str:
        entry = self.secrets.get(service)
        if not entry:
            raise PlanError(f"no credentials Secret for {service}; the credentials role must run first")
        return entry["secret"]

    def sizing(self, component: str) -> dict:
        return self.manifest["components"][component].get("profiles", {}).get(self.profile, {})

    def requests(self, component: str) -> dict:
        prof = self.sizing(component)
        return {"requests": {k: str(prof[k]) for k in ("cpu", "memory") if k in prof}}

    def svc(self, name: str, port: int, scheme: str = "http") -> str:
        return f"{scheme}://{name}.{self.ns}.svc.{CLUSTER_DOMAIN}:{port}"

    def host_name(self, component: str) -> str:
        return f"{self.manifest['components'][component]['ui']}.{self.domain}"

    def ingress_annotations(self, component: str) -> dict:
        """Traefik routes a UI's Ingress: HTTPS with the default (wildcard) certificate when TLS is on,
        basic auth in front of UIs without a login."""
        out = {"traefik.ingress.kubernetes.io/router.entrypoints": "websecure" if self.tls else "web"}
        if self.tls:
            out["traefik.ingress.kubernetes.io/router.tls"] = "true"
        if self.manifest["components"][component].get("ui_auth"):
            out["traefik.ingress.kubernetes.io/router.middlewares"] = f"{self.ns}-ui-auth@kubernetescrd"
        return out

    def image(self, ref: str) -> dict:
        """`registry/path:tag` -> {repository, tag}; with an air-gap registry, that registry replaces
        the original one (docker.io/pgsty/minio -> registry.internal:5000/pgsty/minio)."""
        repo, _sep, tag = ref.rpartition(":")
        mirror = self.config["air_gap"]["image_registry"]
        if mirror:
            first, _sep, rest = repo.partition("/")
            repo = f"{mirror.rstrip('/')}/{rest if ('.' in first or ':' in first) and rest else repo}"
        return {"repository": repo, "tag": tag}


# --- layer 01: storage, ingress and data services ----------------------------------------

def longhorn(inp: Inputs, release: dict) -> dict:
    replicas = inp.config["derived"]["longhorn_replicas"]
    values = {
        "persistence": {
            "defaultClass": True,
            "defaultClassReplicaCount": replicas,
            "reclaimPolicy": inp.config["storage"]["longhorn"]["reclaim_policy"],
        },
        "defaultSettings": {
            # Disks come only from the node annotation written from node prep's result.
            "createDefaultDiskLabeledNodes": True,
            "defaultReplicaCount": json.dumps({"v1": str(replicas), "v2": str(replicas)}, separators=(",", ":")),
        },
        "longhornUI": {"replicas": 1 if inp.profile == "compact" else 2},
    }
    if inp.enabled("traefik"):
        values["ingress"] = {"enabled": True, "ingressClassName": INGRESS_CLASS, "host": inp.host_name("longhorn"),
                             "pathType": "Prefix", "annotations": inp.ingress_annotations("longhorn")}
    return values


def longhorn_nodes(inp: Inputs) -> list:
    """Per storage host with Longhorn disks: the label and annotation with which Longhorn creates exactly
    the disks node prep mounted (createDefaultDiskLabeledNodes)."""
    out = []
    for host in inp.config["derived"]["longhorn_hosts"]:
        disks = (inp.hosts.get(host) or {}).get("longhorn_disks") or []
        if not disks:
            raise PlanError(f"host {host}: core-config.yaml lists Longhorn disks but node preparation reported none; "
                            f"run the node_prep tag for {host} first")
        config = [{"name": f"openlakes-{i + 1}", "path": d["path"], "allowScheduling": True, "tags": ["openlakes"]}
                  for i, d in enumerate(disks)]
        out.append({"node": host, "labels": {"node.longhorn.io/create-default-disk": "config"},
                    "annotations": {"node.longhorn.io/default-disks-config": json.dumps(config, separators=(",", ":"))}})
    return out


def cert_manager(inp: Inputs, release: dict) -> dict:
    return {"crds": {"enabled": True, "keep": True}, "resources": inp.requests("cert_manager")}


def traefik(inp: Inputs, release: dict) -> dict:
    tls = inp.config["networking"]["tls"]
    values = {
        "ingressClass": {"enabled": True, "isDefaultClass": True, "name": INGRESS_CLASS},
        # Ingresses in other namespaces use the basic-auth Middleware of the platform namespace.
        "providers": {"kubernetesCRD": {"allowCrossNamespace": True}},
        "deployment": {"replicas": 1 if inp.profile == "compact" else 2},
        "resources": inp.requests("traefik"),
        "ingressRoute": {"dashboard": {
            "enabled": True,
            "matchRule": f"Host(`{inp.host_name('traefik')}`)",
            "entryPoints": ["websecure" if inp.tls else "web"],
            "middlewares": [{"name": "ui-auth", "namespace": inp.ns}],
        }},
    }
    if inp.tls:
        values["tlsStore"] = {"default": {"defaultCertificate": {"secretName": tls_secret_name(inp)}}}
        values["ingressRoute"]["dashboard"]["tls"] = {}
        if tls["redirect_http"]:
            values["ports"] = {"web": {"http": {"redirections": {"entryPoint": {
                "to": "websecure", "scheme": "https", "permanent": True}}}}}
    return values


def tls_secret_name(inp: Inputs) -> str:
    uc = inp.config["networking"]["tls"].get("user_certificates") or {}
    return uc.get("existing_secret") or TLS_SECRET


def ingress(inp: Inputs, release: dict) -> dict:
    """The collection's openlakes-ingress chart."""
    tls = inp.config["networking"]["tls"]
    values = {"basicAuth": {"secretName": inp.secret("ui-auth")}}
    if tls["mode"] == "cloudflare-dns01":
        cf = tls["cloudflare"]
        token = cf["api_token"].get("existing_secret") or {"name": CLOUDFLARE_TOKEN_SECRET, "key": "api-token"}
        values["certificate"] = {
            "enabled": True, "namespace": inp.component_namespace("traefik"), "secretName": TLS_SECRET,
            "domain": inp.domain,
            "acme": {"email": cf["email"], "apiTokenSecret": {"name": token["name"], "key": token["key"]},
                     "server": ("https://acme-staging-v02.api.letsencrypt.org/directory" if cf.get("staging")
                                else "https://acme-v02.api.letsencrypt.org/directory")},
        }
    return values


def _minio_images(inp: Inputs, release: dict) -> dict:
    server, client = release["images"]
    return {"image": inp.image(server), "mcImage": inp.image(client)}


def minio_drive_size(inp: Inputs) -> str:
    """Every drive's PersistentVolume and claim have the smallest drive's size, in MiB (MinIO uses the
    smallest drive of an erasure set anyway)."""
    sizes = [d.get("size_bytes") or 0 for h in inp.config["derived"]["minio_hosts"]
             for d in (inp.hosts.get(h) or {}).get("minio_drives") or []]
    smallest = min(sizes) if sizes else 0
    # 0: not mounted yet (check mode on fresh hosts); the plan is only compared then, never applied.
    return f"{smallest // MIB}Mi" if smallest >= MIB else "1024Mi"


def minio_volumes(inp: Inputs, release: dict) -> dict:
    """The collection's openlakes-minio-volumes chart: pod ordinal i of the StatefulSet `minio` runs on the
    i-th MinIO host (sorted), and its claim `export-<d>-minio-<i>` is bound to that host's drive d."""
    hosts = inp.config["derived"]["minio_hosts"]
    per_host = inp.config["derived"]["minio_drives_per_host"]
    size = minio_drive_size(inp)
    volumes = []
    for ordinal, host in enumerate(hosts):
        drives = (inp.hosts.get(host) or {}).get("minio_drives") or []
        if len(drives) != per_host:
            raise PlanError(f"host {host}: core-config.yaml lists {per_host} MinIO drives but node preparation "
                            f"reported {len(drives)}; run the node_prep tag for {host} first")
        for d, drive in enumerate(drives):
            claim = f"export-{d}-minio-{ordinal}" if per_host > 1 else f"export-minio-{ordinal}"
            volumes.append({"name": f"openlakes-minio-{host}-{d}", "node": host, "path": drive["path"],
                            "size": size, "claim": claim})
    values = {"storageClassName": MINIO_STORAGE_CLASS, "volumes": volumes}
    if tiering_on(inp):
        cold = inp.config["storage"]["cold_nas"]
        values["cold"] = {"enabled": True, "path": f"{cold['mount'].rstrip('/')}/openlakes-minio-cold",
                          "nodes": hosts, "size": "100Gi", "claim": "minio-cold"}
    return values


def tiering_on(inp: Inputs) -> bool:
    return bool(inp.config["storage"]["cold_nas"]["enabled"] and inp.config["storage"]["tiering"]["cold_after_days"] > 0)


def minio(inp: Inputs, release: dict) -> dict:
    values = {
        "mode": "distributed",
        **_minio_images(inp, release),
        "existingSecret": inp.secret("minio"),
        "replicas": len(inp.config["derived"]["minio_hosts"]),
        "drivesPerNode": inp.config["derived"]["minio_drives_per_host"],
        "pools": 1,
        "persistence": {"enabled": True, "storageClass": MINIO_STORAGE_CLASS, "size": minio_drive_size(inp),
                        "accessMode": "ReadWriteOnce"},
        "resources": inp.requests("minio"),
        # The chart's default creates a user `console` with a well-known password.
        "users": [],
        # Buckets, prefixes, versioning, users, the tier and lifecycle are the collection's own setup Job
        # (charts/openlakes-minio-setup, _minio_setup.py): the chart's own job races, suspends versioning
        # and puts the root password on mc's command line (issue 20).
        "buckets": [],
        "customCommands": [],
    }
    if inp.enabled("traefik"):
        values["consoleIngress"] = {"enabled": True, "ingressClassName": INGRESS_CLASS, "path": "/",
                                    "hosts": [inp.host_name("minio")], "annotations": inp.ingress_annotations("minio")}
    return values


def minio_cold(inp: Inputs, release: dict) -> dict:
    """A single-drive MinIO whose drive is a directory on the /cold-nas NFS mount: MinIO tiers only to
    an S3-compatible remote, so the cold tier is served as one."""
    return {
        "mode": "standalone",
        **_minio_images(inp, release),
        "existingSecret": inp.secret("minio"),
        "replicas": 1,
        "persistence": {"enabled": True, "existingClaim": "minio-cold"},
        # One process per drive: never two pods on the same NFS directory during an update.
        "deploymentUpdate": {"type": "Recreate"},
        "resources": {"requests": {"cpu": "100m", "memory": "512Mi"}},
        "users": [],
        # The cold bucket is the setup Job's too: never with versioning suspended (issue 20 fault 1b).
        "buckets": [],
    }


def postgresql_operator(inp: Inputs, release: dict) -> dict:
    return {"crds": {"create": True}, "resources": inp.requests("postgresql")}


def database_services(inp: Inputs) -> list:
    return [s for s in DATABASE_USERS if inp.enabled(s)]


def postgresql(inp: Inputs, release: dict) -> dict:
    """CloudNativePG `cluster` chart: instances over the Longhorn hosts (at most 3), one role and one
    database per service, each role's password from that service's Secret."""
    hosts = len(inp.config["derived"]["longhorn_hosts"]) or 1
    users = {s: s for s in database_services(inp)}  # role name = the `username` key each policy generates
    return {
        "fullnameOverride": "postgresql",
        "type": "postgresql",
        "mode": "standalone",
        "version": {"postgresql": "16"},
        "cluster": {
            "instances": min(3, hosts),
            "imageName": "{repository}:{tag}".format(**inp.image(release["images"][0])),
            "storage": {"size": str(inp.sizing("postgresql").get("storage", "5Gi")), "storageClass": LONGHORN_STORAGE_CLASS},
            "enableSuperuserAccess": True,
            "superuserSecret": inp.secret("postgresql"),
            "resources": inp.requests("postgresql"),
            "roles": [{"name": user, "ensure": "present", "login": True, "superuser": False,
                       "passwordSecret": {"name": inp.secret(svc)}} for svc, user in users.items()],
        },
        "databases": [{"name": svc, "owner": user, "ensure": "present"} for svc, user in users.items()],
    }


def redis(inp: Inputs, release: dict) -> dict:
    """The collection's openlakes-redis chart."""
    return {
        "image": inp.image(release["images"][0]),
        "auth": {"existingSecret": inp.secret("redis"), "passwordKey": "password"},
        "persistence": {"storageClass": LONGHORN_STORAGE_CLASS, "size": str(inp.sizing("redis").get("storage", "1Gi"))},
        "resources": inp.requests("redis"),
    }


def nessie(inp: Inputs, release: dict) -> dict:
    main = inp.config["storage"]["minio"]["buckets"]["main"]["name"]
    values = {
        "image": inp.image(release["images"][0]),
        "versionStoreType": "JDBC2",
        "jdbc": {
            "jdbcUrl": f"jdbc:postgresql://postgresql-rw.{inp.ns}.svc.{CLUSTER_DOMAIN}:5432/nessie",
            "secret": {"name": inp.secret("nessie"), "username": "username", "password": "password"},
        },
        "catalog": {
            "enabled": True,
            "iceberg": {"defaultWarehouse": "warehouse",
                        "warehouses": [{"name": "warehouse", "location": f"s3://{main}/warehouse/"}]},
            "storage": {"s3": {"defaultOptions": {
                "endpoint": inp.svc("minio", 9000) + "/",
                "pathStyleAccess": True,
                "region": "us-east-1",
                "authType": "STATIC",
                "accessKeySecret": {"name": inp.secret("minio"), "awsAccessKeyId": "rootUser",
                                    "awsSecretAccessKey": "rootPassword"},
            }}},
        },
        "resources": inp.requests("nessie"),
    }
    if inp.enabled("traefik"):
        values["ingress"] = {"enabled": True, "className": INGRESS_CLASS, "annotations": inp.ingress_annotations("nessie"),
                             "pathType": "Prefix",
                             "hosts": [{"host": inp.host_name("nessie"), "paths": ["/"]}]}
    return values


# Release name -> values builder. A release without one gets only core-config's extra values.
BUILDERS = {
    "longhorn": longhorn, "cert-manager": cert_manager, "traefik": traefik, "ingress": ingress,
    "minio-volumes": minio_volumes, "minio-cold": minio_cold, "minio": minio,
    "cnpg-operator": postgresql_operator, "postgresql": postgresql, "redis": redis, "nessie": nessie,
}


# --- the plan -------------------------------------------------------------------------------

def deep_merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _included(inp: Inputs, release: dict) -> bool:
    return release.get("role") != "cold-tier" or tiering_on(inp)


def layer_plan(inp: Inputs, layer: str) -> dict:
    """The layer's releases (in manifest order) and the Longhorn node settings. Releases of disabled
    components are left out, and so are dependencies on them."""
    comps = inp.manifest["components"]
    releases, components = [], {}
    for name, comp in comps.items():
        if comp["layer"] != layer or not inp.enabled(name):
            continue
        override = inp.config.get("components", {}).get(name, {})
        for rel in comp.get("releases", []):
            if not _included(inp, rel):
                continue
            builder = BUILDERS.get(rel["name"])
            values = builder(inp, rel) if builder else {}
            main = rel is comp["releases"][-1]
            if main:
                values = deep_merge(values, override.get("values") or {})
            chart = dict(rel["chart"])
            if chart.get("repository") == COLLECTION_CHARTS:
                # Shipped inside the collection: a path on the controller, never fetched or mirrored.
                chart = {"name": chart["name"], "version": chart["version"],
                         "path": os.path.join(inp.charts_dir, chart["name"])}
            if main and override.get("chart_version"):
                chart["version"] = override["chart_version"]
            releases.append({"name": rel["name"], "namespace": inp.component_namespace(name, rel), "chart": chart,
                             "values": values, "depends_on": list(rel.get("depends_on", [])),
                             "timeout": inp.config["timeouts"]["release_seconds"]})
            components[rel["name"]] = name
    present = {r["name"] for r in releases}
    for r in releases:
        r["depends_on"] = [d for d in r["depends_on"] if d in present]
    nodes = longhorn_nodes(inp) if layer == "01" and inp.enabled("longhorn") else []
    return {"releases": releases, "components": components, "longhorn_nodes": nodes,
            "secrets_to_write": secrets_to_write(inp, {r["name"]: r["namespace"] for r in releases})}


def secrets_to_write(inp: Inputs, namespaces: dict) -> dict:
    """Secrets the role writes from controller-side input before the releases that read them: the user's
    certificate files (`tls`) and the Cloudflare token kept in ansible-vault (`cloudflare_token`)."""
    tls = inp.config["networking"]["tls"]
    out = {}
    if tls["mode"] == "user-certificates" and inp.config["derived"]["tls_files"] and "traefik" in namespaces:
        out["tls"] = {"name": TLS_SECRET, "namespace": namespaces["traefik"]}
    token = (tls.get("cloudflare") or {}).get("api_token") or {}
    if tls["mode"] == "cloudflare-dns01" and "vault_variable" in token and "cert-manager" in namespaces:
        out["cloudflare_token"] = {"name": CLOUDFLARE_TOKEN_SECRET, "key": "api-token",
                                   "namespace": namespaces["cert-manager"], "variable": token["vault_variable"]}
    return out
