# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cross-field rules of core-config.yaml: what one key means for another.
Private to this collection.

Each rule is a generator of (path, message) for one concern; `check_all` runs
every rule, so one run reports every problem. Rules read the effective
configuration (defaults filled) and skip parts the schema already rejected.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ._config import Problem, did_you_mean, format_path, line_of

RULES = []
SYSTEM_DIRS = {"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/opt", "/proc", "/root",
               "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var", "/var/lib", "/var/log", "/mnt"}
# A key that holds a credential: refused as plaintext anywhere in the file.
CREDENTIAL_KEY = re.compile(r"(?i)^(.*[_-])?(password|passwd|secret|token|api[_-]?key|access[_-]?key|secret[_-]?key|"
                            r"rootpassword|rootuser|secretkey|accesskey)$")
# Keys that name a Secret (not its content) are fine.
REFERENCE_KEY = re.compile(r"(?i)(existing|secretname|secret_name|secretref|secret_ref|secretkeyref|"
                           r"valuefrom|existingsecret)")
MINIO_SET_SIZES = range(4, 17)


@dataclass
class Context:
    config: dict
    given: dict
    lines: dict
    manifest: dict
    inventory_hosts: list
    base_dir: str
    check_files: bool = True
    _components: dict = field(default=None, repr=False)

    def get(self, *path, default=None):
        node = self.config
        for part in path:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
            else:
                return default
        return node

    def was_given(self, *path) -> bool:
        return tuple(path) in self.lines

    def enabled(self, name: str) -> bool:
        comp = self.get("components", name, default={})
        return isinstance(comp, dict) and comp.get("enabled") is True

    def path(self, value: str) -> str:
        value = os.path.expanduser(value)
        return os.path.normpath(value if os.path.isabs(value) else os.path.join(self.base_dir, value))


def rule(fn):
    RULES.append(fn)
    return fn


def check_all(ctx: Context) -> list[Problem]:
    problems = []
    for fn in RULES:
        for path, message in fn(ctx):
            problems.append(Problem(tuple(path), message, line_of(ctx.lines, path)))
    return problems


def _storage_hosts(ctx):
    hosts = ctx.get("storage", "hosts", default={})
    return hosts if isinstance(hosts, dict) else {}


def _disks(spec, kind):
    items = spec.get(kind, []) if isinstance(spec, dict) else []
    return [d for d in items if isinstance(d, dict)] if isinstance(items, list) else []


# --- hosts ---------------------------------------------------------------------

@rule
def hosts_exist_in_inventory(ctx):
    inv = ctx.inventory_hosts

    def missing(name):
        return f"host '{name}' is not in the inventory ({', '.join(inv) or 'no hosts'}){did_you_mean(name, inv)}"
    for name in _storage_hosts(ctx):
        if name not in inv:
            yield ("storage", "hosts", name), missing(name)
    for role in ("servers", "agents"):
        names = ctx.get("cluster", "kubernetes", role, default=[])
        for i, name in enumerate(names if isinstance(names, list) else []):
            if name not in inv:
                yield ("cluster", "kubernetes", role, i), missing(name)


@rule
def kubernetes_topology(ctx):
    k = ctx.get("cluster", "kubernetes", default={})
    if not isinstance(k, dict):
        return
    servers, agents = k.get("servers") or [], k.get("agents") or []
    if not isinstance(servers, list) or not isinstance(agents, list):
        return
    if k.get("source") == "k3s":
        yield ("cluster", "kubernetes", "source"), ("installing k3s is not implemented in this version of "
                                                    "openlakes.core; install Kubernetes first and use source: existing")
        if not servers:
            yield ("cluster", "kubernetes", "servers"), "source 'k3s' needs at least one server host (1, 3 or 5)"
        elif len(servers) % 2 == 0:
            yield ("cluster", "kubernetes", "servers"), (f"{len(servers)} servers cannot keep etcd quorum through a "
                                                         f"failure; use an odd number (1, 3 or 5)")
    elif k.get("source") == "existing":
        if ctx.check_files and isinstance(k.get("kubeconfig"), str) and not os.path.isfile(ctx.path(k["kubeconfig"])):
            yield ("cluster", "kubernetes", "kubeconfig"), (f"no kubeconfig at {ctx.path(k['kubeconfig'])}; point it "
                                                            f"at the cluster's kubeconfig, or use source: k3s")
    for i, name in enumerate(agents):
        if name in servers:
            yield ("cluster", "kubernetes", "agents", i), f"host '{name}' is listed as both server and agent; keep one"
    for role, names in (("servers", servers), ("agents", agents)):
        seen = set()
        for i, name in enumerate(names):
            if name in seen:
                yield ("cluster", "kubernetes", role, i), f"host '{name}' is listed twice"
            seen.add(name)


# --- storage -------------------------------------------------------------------

@rule
def storage_host_has_disks(ctx):
    for name, spec in _storage_hosts(ctx).items():
        if isinstance(spec, dict) and not _disks(spec, "longhorn_disks") and not _disks(spec, "minio_drives"):
            yield ("storage", "hosts", name), "lists no longhorn_disks and no minio_drives; add disks or remove the host"


@rule
def devices_and_mounts(ctx):
    cold = ctx.get("storage", "cold_nas", default={})
    cold_mount = cold.get("mount") if isinstance(cold, dict) and cold.get("enabled") else None
    for host, spec in _storage_hosts(ctx).items():
        devices, mounts = {}, {}
        if cold_mount:
            mounts[os.path.normpath(cold_mount)] = ("storage", "cold_nas", "mount")
        for kind in ("longhorn_disks", "minio_drives"):
            for i, disk in enumerate(_disks(spec, kind)):
                base = ("storage", "hosts", host, kind, i)
                dev, mnt = disk.get("device"), disk.get("mount")
                if isinstance(dev, str):
                    if re.match(r"^/dev/(sd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme\d+n\d+|hd[a-z]+)$", dev):
                        yield base + ("device",), (f"'{dev}' can name another disk after a reboot; use a stable path "
                                                   f"under /dev/disk/by-id/ or /dev/disk/by-path/")
                    if dev in devices:
                        yield base + ("device",), (f"device {dev} is also used at {format_path(devices[dev])}; "
                                                   f"a device serves one purpose")
                    devices.setdefault(dev, base + ("device",))
                if isinstance(mnt, str) and mnt.startswith("/"):
                    norm = os.path.normpath(mnt)
                    if norm in SYSTEM_DIRS:
                        yield base + ("mount",), f"{mnt} is a system directory; mount data disks on a dedicated path such as /mnt/minio/hot1"
                    for other, where in mounts.items():
                        if norm == other:
                            yield base + ("mount",), f"mount point {mnt} is also used at {format_path(where)}"
                        elif norm.startswith(other + "/") or other.startswith(norm + "/"):
                            yield base + ("mount",), f"mount point {mnt} is nested with {other} ({format_path(where)}); use separate paths"
                    mounts.setdefault(norm, base + ("mount",))
                if kind == "minio_drives" and ctx.was_given(*base, "filesystem") and disk.get("filesystem") != "xfs":
                    yield base + ("filesystem",), "MinIO drives must be XFS (MinIO's requirement); remove the key or set xfs"


@rule
def minio_erasure_set(ctx):
    if not ctx.enabled("minio"):
        return
    counts = {h: len(_disks(s, "minio_drives")) for h, s in _storage_hosts(ctx).items()}
    counts = {h: n for h, n in counts.items() if n}
    if not counts:
        yield ("storage", "hosts"), ("MinIO is enabled but no host lists minio_drives; add at least 4 drives "
                                     "(e.g. 2 hosts x 2) or set components.minio.enabled: false")
        return
    if len(set(counts.values())) > 1:
        detail = ", ".join(f"{h}: {n}" for h, n in sorted(counts.items()))
        yield ("storage", "hosts"), f"MinIO needs the same number of drives on every host, found {detail}"
        return
    total = sum(counts.values())
    if total < 4:
        yield ("storage", "hosts"), f"MinIO in distributed mode needs at least 4 drives in total, found {total}"
    elif not any(total % s == 0 for s in MINIO_SET_SIZES):
        yield ("storage", "hosts"), (f"{total} drives cannot form MinIO erasure sets (sizes 4 to 16 that divide the "
                                     f"total); use a drive count such as {total - total % 4}")


@rule
def cold_tier(ctx):
    cold = ctx.get("storage", "cold_nas", default={})
    if not isinstance(cold, dict):
        return
    if cold.get("enabled"):
        for key in ("server", "export"):
            if not cold.get(key):
                yield ("storage", "cold_nas", key), f"missing required key '{key}' (storage.cold_nas is enabled)"
    days = ctx.get("storage", "tiering", "cold_after_days")
    if ctx.was_given("storage", "tiering", "cold_after_days") and isinstance(days, int) and days > 0 \
            and not cold.get("enabled"):
        yield ("storage", "tiering", "cold_after_days"), ("tiering needs the cold tier; enable storage.cold_nas "
                                                          "or set cold_after_days: 0")


# --- networking ----------------------------------------------------------------

@rule
def tls_complete(ctx):
    tls = ctx.get("networking", "tls", default={})
    if not isinstance(tls, dict):
        return
    mode = tls.get("mode")
    base = ("networking", "tls")
    cf, uc = tls.get("cloudflare"), tls.get("user_certificates")
    if mode == "cloudflare-dns01":
        if not isinstance(cf, dict):
            yield base + ("cloudflare",), "mode cloudflare-dns01 needs cloudflare.email and cloudflare.api_token"
        else:
            for key in ("email", "api_token"):
                if key not in cf:
                    yield base + ("cloudflare", key), f"missing required key '{key}' for mode cloudflare-dns01"
        if not ctx.enabled("cert_manager"):
            yield ("components", "cert_manager", "enabled"), ("mode cloudflare-dns01 issues certificates with "
                                                              "cert-manager; enable components.cert_manager")
    elif mode == "user-certificates":
        if not isinstance(uc, dict):
            yield base + ("user_certificates",), ("mode user-certificates needs certificate_file and key_file, "
                                                  "or existing_secret")
        else:
            files = [k for k in ("certificate_file", "key_file") if k in uc]
            if "existing_secret" in uc and files:
                yield base + ("user_certificates",), "give either existing_secret or the two files, not both"
            elif "existing_secret" not in uc and len(files) != 2:
                missing = ({"certificate_file", "key_file"} - set(files)).pop()
                yield base + ("user_certificates", missing), (f"missing required key '{missing}' (or give "
                                                              f"existing_secret instead of files)")
            elif ctx.check_files:
                for key in files:
                    if isinstance(uc[key], str) and not os.path.isfile(ctx.path(uc[key])):
                        yield base + ("user_certificates", key), f"no file at {ctx.path(uc[key])}"
    for key, wanted in (("cloudflare", "cloudflare-dns01"), ("user_certificates", "user-certificates")):
        if key in tls and mode != wanted:
            yield base + (key,), f"is set but tls.mode is '{mode}'; set mode: {wanted} or remove this section"


# --- components ----------------------------------------------------------------

@rule
def component_dependencies(ctx):
    comps = ctx.manifest["components"]
    for name, comp in comps.items():
        if not ctx.enabled(name):
            continue
        for need in list(comp.get("requires", [])) + [p for p in comp.get("consumes") or {} if p not in comp.get("requires", [])]:
            if not ctx.enabled(need):
                yield ("components", name, "enabled"), (f"{name} needs {need}, which is disabled; enable "
                                                        f"components.{need} or disable {name}")


@rule
def components_implemented(ctx):
    for name, comp in ctx.manifest["components"].items():
        if ctx.enabled(name) and comp.get("implemented", True) is False:
            yield ("components", name, "enabled"), (f"{name} (layer {comp['layer']}) is not implemented in this "
                                                    f"version of openlakes.core; set enabled: false")


@rule
def features_not_implemented(ctx):
    if ctx.get("credentials", "vault_mirror", "enabled") is True:
        yield ("credentials", "vault_mirror", "enabled"), ("mirroring credentials to an ansible-vault file is not "
                                                           "implemented in this version; set enabled: false (the "
                                                           "credentials are in Kubernetes Secrets)")


@rule
def no_plaintext_credentials(ctx):
    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                sub = path + (key,)
                if isinstance(key, str) and CREDENTIAL_KEY.match(key) and not REFERENCE_KEY.search(key) \
                        and isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
                    yield sub, ("looks like a plaintext credential; credentials are generated into Kubernetes "
                                "Secrets (or referenced: credentials.existing_secrets, {vault_variable: NAME})")
                else:
                    yield from walk(value, sub)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                yield from walk(item, path + (i,))
    yield from walk(ctx.given, ())


@rule
def files_exist(ctx):
    mirror = ctx.get("air_gap", "chart_mirror")
    if ctx.check_files and isinstance(mirror, str) and mirror and not re.match(r"^(https?|oci)://", mirror):
        if not os.path.isdir(ctx.path(mirror.removeprefix("file://"))):
            yield ("air_gap", "chart_mirror"), f"no directory at {ctx.path(mirror.removeprefix('file://'))}"


# --- derived values --------------------------------------------------------------

def derive(ctx: Context) -> dict:
    """Facts every role needs and that follow from the configuration alone."""
    hosts = _storage_hosts(ctx)
    minio_hosts = sorted(h for h, s in hosts.items() if _disks(s, "minio_drives"))
    longhorn_hosts = sorted(h for h, s in hosts.items() if _disks(s, "longhorn_disks"))
    per_host = len(_disks(hosts[minio_hosts[0]], "minio_drives")) if minio_hosts else 0
    domain = ctx.get("networking", "domain")
    enabled = [n for n in ctx.manifest["components"] if ctx.enabled(n)]
    tls = ctx.get("networking", "tls", "mode") != "none"
    urls = {n: f"{'https' if tls else 'http'}://{c['ui']}.{domain}"
            for n, c in ctx.manifest["components"].items() if n in enabled and c.get("ui")}
    replicas = ctx.get("storage", "longhorn", "replicas")
    certs = ctx.get("networking", "tls", "user_certificates", default={}) or {}
    return {
        "enabled_components": enabled,
        # Layer number -> name; layer NN's role is layerNN_<name> and records layerNN_<name>_result.
        "layers": {num: layer["name"] for num, layer in ctx.manifest["layers"].items()},
        "storage_hosts": sorted(hosts),
        "minio_hosts": minio_hosts,
        "minio_drives_per_host": per_host,
        "minio_drives_total": per_host * len(minio_hosts),
        "longhorn_hosts": longhorn_hosts,
        "longhorn_replicas": max(1, min(replicas, len(longhorn_hosts) or 1)),
        "ui_urls": urls,
        # UIs without a login of their own, which Traefik puts basic auth in front of (Secret of ui-auth).
        "ui_auth": sorted(n for n in urls if ctx.manifest["components"][n].get("ui_auth")),
        "kubeconfig": ctx.path(ctx.get("cluster", "kubernetes", "kubeconfig")),
        # user-certificates files, resolved against core-config.yaml's directory like every path in it
        "tls_files": ({"cert": ctx.path(certs["certificate_file"]), "key": ctx.path(certs["key_file"])}
                      if "certificate_file" in certs else {}),
        "chart_mirror": (ctx.path(ctx.get("air_gap", "chart_mirror").removeprefix("file://"))
                         if ctx.get("air_gap", "chart_mirror") and not re.match(r"^(https?|oci)://", ctx.get("air_gap", "chart_mirror"))
                         else ctx.get("air_gap", "chart_mirror")),
    }
