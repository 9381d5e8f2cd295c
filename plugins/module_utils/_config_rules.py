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

import ipaddress
import math
import os
import re
from dataclasses import dataclass, field

from . import _sensitive
from ._config_report import Problem, did_you_mean, format_path, key_text, line_of, plain, quote

RULES = []
SYSTEM_DIRS = {"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/opt", "/proc", "/root",
               "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var", "/var/lib", "/var/log", "/mnt"}
MINIO_SET_SIZES = range(4, 17)
# Kernel names of disks and their partitions: another disk may get the name after a reboot.
KERNEL_NAME = re.compile(r"^/dev/(sd[a-z]+[0-9]*|vd[a-z]+[0-9]*|xvd[a-z]+[0-9]*|hd[a-z]+[0-9]*|nvme[0-9]+n[0-9]+(p[0-9]+)?|"
                         r"mmcblk[0-9]+(p[0-9]+)?|dm-[0-9]+|md[0-9]+(p[0-9]+)?|loop[0-9]+(p[0-9]+)?|sr[0-9]+)$")
# Names of the system disk, of a filesystem (which formatting replaces) or of no disk at all.
NOT_A_DATA_DISK = (
    (re.compile(r"^/dev/(root|rootfs|system)$"), "is an alias of the system disk"),
    (re.compile(r"^/dev/disk/by-(uuid|label|partlabel)/"),
     "names a filesystem or a partition label, which formatting the disk replaces"),
    (re.compile(r"^/dev/(mapper/|disk/by-id/dm-name-)?[^/]*[-_](root|swap|boot|home|var|usr)$|^/dev/[^/]+/(root|swap|boot)$"),
     "looks like a volume of the operating system (root, swap, boot)"),
    (re.compile(r"^/dev/(null|zero|full|random|urandom|tty[0-9]*|console|shm(/.*)?|pts(/.*)?|mqueue(/.*)?|fd(/.*)?|"
                r"std(in|out|err))$"), "is not a disk"),
)
# The same disk under two names: a WWN (wwn-0x..., scsi-3... and nvme-eui.... hold it) and partitions of it.
_DISK_IDENTITY = re.compile(r"^/dev/disk/by-id/(?:wwn-0x|scsi-3|nvme-eui\.)([0-9a-f]{16,32})(?:-part[0-9]+)?$", re.I)
_PARTITION = re.compile(r"^(/dev/disk/by-[a-z]+/.+)-part[0-9]+$")
RESERVED_TLDS = {"localhost", "local", "localdomain", "internal", "lan", "home", "corp", "intranet", "private",
                 "test", "invalid", "example", "arpa", "onion"}
MEMORY_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
                "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
SMALLEST_MEMORY = 2**20   # a plain byte count under 1Mi is a missing unit (512 means 512 bytes)


_ABSENT = object()


def _lookup(node, path, default):
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return default
    return node


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
        return _lookup(self.config, path, default)

    def was_given(self, *path) -> bool:
        """True when the file itself sets `path` (not a default)."""
        return _lookup(self.given, path, _ABSENT) is not _ABSENT

    def enabled(self, name: str) -> bool:
        comp = self.get("components", name, default={})
        return isinstance(comp, dict) and comp.get("enabled") is True

    def path(self, value: str) -> str:
        value = os.path.expanduser(value)
        return os.path.normpath(value if os.path.isabs(value) else os.path.join(self.base_dir, value))

    def is_file(self, value: str) -> bool:
        try:
            return os.path.isfile(self.path(value))
        except (ValueError, OSError):   # a NUL byte, a name too long
            return False

    def is_dir(self, value: str) -> bool:
        try:
            return os.path.isdir(self.path(value))
        except (ValueError, OSError):
            return False


def rule(fn):
    RULES.append(fn)
    return fn


def check_all(ctx: Context) -> list[Problem]:
    problems = []
    for fn in RULES:
        try:
            for path, message in fn(ctx):
                problems.append(Problem(tuple(path), message, line_of(ctx.lines, path)))
        except Exception as exc:  # noqa: BLE001 - one broken rule must not hide the others' problems
            problems.append(Problem((), f"the check '{fn.__name__}' failed on this file ({type(exc).__name__}); the "
                                        f"other checks ran; please report it with the file (secrets removed)"))
    return problems


def _names(value) -> list:
    """The host names of a list that the schema checks; other items are the schema's to report."""
    return [(i, v) for i, v in enumerate(value) if isinstance(v, str)] if isinstance(value, list) else []


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
        shown = ", ".join(key_text(h) for h in inv[:20]) + (f", ... ({len(inv)} hosts)" if len(inv) > 20 else "")
        return f"host '{key_text(name)}' is not in the inventory ({shown or 'no hosts'}){did_you_mean(name, inv)}"
    for name in _storage_hosts(ctx):
        if name not in inv:
            yield ("storage", "hosts", name), missing(name)
    for role in ("servers", "agents"):
        for i, name in _names(ctx.get("cluster", "kubernetes", role)):
            if name not in inv:
                yield ("cluster", "kubernetes", role, i), missing(name)


@rule
def kubernetes_topology(ctx):
    k = ctx.get("cluster", "kubernetes", default={})
    if not isinstance(k, dict):
        return
    servers, agents = _names(k.get("servers")), _names(k.get("agents"))
    base = ("cluster", "kubernetes")
    if k.get("source") == "k3s":
        yield base + ("source",), ("installing k3s is not implemented in this version of "
                                   "openlakes.core; install Kubernetes first and use source: existing")
        if not servers:
            yield base + ("servers",), "source 'k3s' needs at least one server host (1, 3 or 5)"
        elif len(servers) % 2 == 0:
            yield base + ("servers",), (f"{len(servers)} servers cannot keep etcd quorum through a "
                                        f"failure; use an odd number (1, 3 or 5)")
    elif k.get("source") == "existing":
        kubeconfig = k.get("kubeconfig")
        if ctx.check_files and isinstance(kubeconfig, str) and not ctx.is_file(kubeconfig):
            yield base + ("kubeconfig",), (f"no kubeconfig at {plain(ctx.path(kubeconfig), limit=200)}; point it "
                                           f"at the cluster's kubeconfig, or use source: k3s")
        for role in ("servers", "agents"):
            if ctx.was_given("cluster", "kubernetes", role) and k.get(role):
                yield base + (role,), (f"lists the hosts k3s is installed on, but source is 'existing' (the cluster "
                                       f"is already there); remove {role}")
    server_names = {name for _i, name in servers}
    for i, name in agents:
        if name in server_names:
            yield base + ("agents", i), f"host '{key_text(name)}' is listed as both server and agent; keep one"
    for role, names in (("servers", servers), ("agents", agents)):
        seen = set()
        for i, name in names:
            if name in seen:
                yield base + (role, i), f"host '{key_text(name)}' is listed twice"
            seen.add(name)


# --- storage -------------------------------------------------------------------

@rule
def storage_host_has_disks(ctx):
    for name, spec in _storage_hosts(ctx).items():
        if isinstance(spec, dict) and not _disks(spec, "longhorn_disks") and not _disks(spec, "minio_drives"):
            yield ("storage", "hosts", name), "lists no longhorn_disks and no minio_drives; add disks or remove the host"


def _disk_identities(dev: str) -> list:
    """What names the same disk: the normalised path, its WWN, and for a partition its disk's name."""
    norm = "/" + os.path.normpath(dev).lstrip("/")
    out = [("path", norm)]
    whole = _PARTITION.match(norm)
    if whole:
        out.append(("path", whole.group(1)))
    wwn = _DISK_IDENTITY.match(norm)
    if wwn:
        out.append(("wwn", wwn.group(1).lower()[-16:]))
    return out


def _device_problem(dev: str):
    if KERNEL_NAME.match(dev):
        return (f"{quote(dev)} can name another disk after a reboot; use a stable path "
                f"under /dev/disk/by-id/ or /dev/disk/by-path/")
    for pattern, what in NOT_A_DATA_DISK:
        if pattern.match("/" + os.path.normpath(dev).lstrip("/")):
            return (f"{quote(dev)} {what}; give a data disk by a stable path under /dev/disk/by-id/ or "
                    f"/dev/disk/by-path/")
    return ""


@rule
def devices_and_mounts(ctx):
    cold = ctx.get("storage", "cold_nas", default={})
    cold_mount = cold.get("mount") if isinstance(cold, dict) and cold.get("enabled") else None
    serials = {}
    if isinstance(cold_mount, str) and os.path.normpath(cold_mount) in SYSTEM_DIRS:
        yield ("storage", "cold_nas", "mount"), (f"{quote(cold_mount)} is a system directory; mount the NFS export on "
                                                 f"a dedicated path such as /cold-nas")
    for host, spec in _storage_hosts(ctx).items():
        devices, mounts = {}, {}
        if isinstance(cold_mount, str):
            mounts[os.path.normpath(cold_mount)] = ("storage", "cold_nas", "mount")
        for kind in ("longhorn_disks", "minio_drives"):
            for i, disk in enumerate(_disks(spec, kind)):
                base = ("storage", "hosts", host, kind, i)
                dev, mnt = disk.get("device"), disk.get("mount")
                if isinstance(dev, str) and dev.startswith("/dev/"):
                    problem = _device_problem(dev)
                    if problem:
                        yield base + ("device",), problem
                    for ident in _disk_identities(dev):
                        if ident in devices and devices[ident][0] != base:
                            where, other = devices[ident]
                            same = "is also used at" if ident[0] == "path" and other == dev else \
                                f"names the same disk as {quote(other)} at"
                            yield base + ("device",), (f"device {plain(dev)} {same} {format_path(where + ('device',))}; "
                                                       f"a device serves one purpose")
                            break
                    for ident in _disk_identities(dev):
                        devices.setdefault(ident, (base, dev))
                if isinstance(mnt, str) and mnt.startswith("/"):
                    norm = os.path.normpath(mnt)
                    if norm in SYSTEM_DIRS:
                        yield base + ("mount",), (f"{plain(mnt)} is a system directory; mount data disks on a dedicated "
                                                  f"path such as /mnt/minio/hot1")
                    for other, where in mounts.items():
                        if norm == other:
                            yield base + ("mount",), f"mount point {plain(mnt)} is also used at {format_path(where)}"
                        elif norm.startswith(other + "/") or other.startswith(norm + "/"):
                            yield base + ("mount",), (f"mount point {plain(mnt)} is nested with {plain(other)} "
                                                      f"({format_path(where)}); use separate paths")
                    mounts.setdefault(norm, base + ("mount",))
                if kind == "minio_drives" and ctx.was_given(*base, "filesystem") and disk.get("filesystem") != "xfs":
                    yield base + ("filesystem",), "MinIO drives must be XFS (MinIO's requirement); remove the key or set xfs"
                wipe = disk.get("wipe")
                serial = wipe.get("confirm_serial") if isinstance(wipe, dict) else None
                if isinstance(serial, str) and serial:
                    if serial in serials:
                        yield base + ("wipe", "confirm_serial"), (
                            f"the serial {quote(serial)} also confirms the wipe of "
                            f"{format_path(serials[serial])}; a serial names one disk: check `lsblk -dno SERIAL` "
                            f"on each host")
                    serials.setdefault(serial, base)


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
        detail = ", ".join(f"{key_text(h)}: {n}" for h, n in sorted(counts.items())[:20])
        yield ("storage", "hosts"), f"MinIO needs the same number of drives on every host, found {detail}"
        return
    total = sum(counts.values())
    if total < 4:
        yield ("storage", "hosts"), f"MinIO in distributed mode needs at least 4 drives in total, found {total}"
    elif not any(total % s == 0 for s in MINIO_SET_SIZES):
        yield ("storage", "hosts"), (f"{total} drives cannot form MinIO erasure sets (sizes 4 to 16 that divide the "
                                     f"total); use a drive count such as {total - total % 4}")


@rule
def minio_buckets(ctx):
    main = ctx.get("storage", "minio", "buckets", "main", "name")
    notebooks = ctx.get("storage", "minio", "buckets", "notebooks", "name")
    for which, name in (("main", main), ("notebooks", notebooks)):
        if isinstance(name, str) and (".." in name or "-." in name or ".-" in name or name.startswith("xn--")
                                      or name.endswith("-s3alias") or _is_ip(name)):
            yield ("storage", "minio", "buckets", which, "name"), (
                f"{quote(name)} is not a bucket name S3 accepts (no '..', no IP address, no xn-- prefix); use "
                f"lower-case words joined by '-', such as openlakes-data")
    if isinstance(main, str) and main == notebooks:
        yield ("storage", "minio", "buckets", "notebooks", "name"), (
            f"is the main bucket's name too ({quote(main)}); the two buckets must differ")


@rule
def cold_tier(ctx):
    cold = ctx.get("storage", "cold_nas", default={})
    if not isinstance(cold, dict):
        return
    if cold.get("enabled"):
        for key in ("server", "export"):
            if not cold.get(key):
                yield ("storage", "cold_nas", key), f"missing required key '{key}' (storage.cold_nas is enabled)"
        options = cold.get("options") if isinstance(cold.get("options"), list) else []
        for i, option in enumerate(options):
            if isinstance(option, str) and option.split("=")[0] in ("nfsvers", "vers"):
                yield ("storage", "cold_nas", "options", i), ("sets the NFS version, which nfs_version already sets; "
                                                              "remove it and set nfs_version")
    days = ctx.get("storage", "tiering", "cold_after_days")
    tiering = isinstance(days, int) and not isinstance(days, bool) and days > 0
    if ctx.was_given("storage", "tiering", "cold_after_days") and tiering and not cold.get("enabled"):
        yield ("storage", "tiering", "cold_after_days"), ("tiering needs the cold tier; enable storage.cold_nas "
                                                          "or set cold_after_days: 0")
    elif tiering and cold.get("enabled") is True and not ctx.enabled("minio"):
        yield ("storage", "cold_nas", "enabled"), ("the cold tier holds MinIO's older objects, but MinIO is disabled; "
                                                   "enable components.minio or disable storage.cold_nas")


# --- networking ----------------------------------------------------------------

def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
        return True
    except ValueError:
        return False


@rule
def domain_usable(ctx):
    domain = ctx.get("networking", "domain")
    if not isinstance(domain, str) or not domain:
        return
    where = ("networking", "domain")
    labels = domain.split(".")
    if all(label.isdigit() for label in labels):
        yield where, (f"{quote(domain)} is an IP address; UIs are served at <name>.<domain>, which needs a DNS "
                      f"name such as data.example.com")
        return
    if labels[-1].isdigit():
        yield where, f"{quote(domain)} ends in a number, and no top-level domain is a number; use a DNS name"
    urls = [(n, c["ui"]) for n, c in ctx.manifest["components"].items() if ctx.enabled(n) and c.get("ui")]
    longest = max(urls, key=lambda u: len(u[1]), default=None)
    if longest and len(longest[1]) + 1 + len(domain) > 253:
        yield where, (f"is {len(domain)} characters long, so {longest[0]}'s UI name {longest[1]}.<domain> is longer "
                      f"than the 253 characters DNS allows; use a domain of at most {252 - len(longest[1])} characters")


@rule
def acme_email(ctx):
    email = ctx.get("networking", "tls", "cloudflare", "email")
    if ctx.get("networking", "tls", "mode") != "cloudflare-dns01" or not isinstance(email, str) or "@" not in email:
        return
    domain = email.rsplit("@", 1)[1].lower().rstrip(".")
    if domain.rsplit(".", 1)[-1] in RESERVED_TLDS or domain in RESERVED_TLDS:
        yield ("networking", "tls", "cloudflare", "email"), (
            f"{quote(email)} is at a domain that is not on the public internet; Let's Encrypt (and every ACME "
            f"server) refuses such an account address: use one at a public domain, such as ops@your-company.com")


@rule
def tls_complete(ctx):
    tls = ctx.get("networking", "tls", default={})
    if not isinstance(tls, dict):
        return
    mode = tls.get("mode")
    base = ("networking", "tls")
    cf, uc = tls.get("cloudflare"), tls.get("user_certificates")
    if mode in ("cloudflare-dns01", "user-certificates") and not ctx.enabled("traefik"):
        yield base + ("mode",), (f"mode {mode} serves the certificate through Traefik, which is disabled; enable "
                                 f"components.traefik or set mode: none")
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
                    if isinstance(uc[key], str) and not ctx.is_file(uc[key]):
                        yield base + ("user_certificates", key), f"no file at {plain(ctx.path(uc[key]), limit=200)}"
    for key, wanted in (("cloudflare", "cloudflare-dns01"), ("user_certificates", "user-certificates")):
        if key in tls and mode != wanted:
            yield base + (key,), f"is set but tls.mode is {quote(mode)}; set mode: {wanted} or remove this section"


# --- components ----------------------------------------------------------------

@rule
def component_dependencies(ctx):
    comps = ctx.manifest["components"]
    for name, comp in comps.items():
        if not ctx.enabled(name):
            continue
        consumed = [p for p, decl in (comp.get("consumes") or {}).items()
                    if not decl.get("optional") and p not in comp.get("requires", [])]
        for need in list(comp.get("requires", [])) + consumed:
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
def collection_built_images(ctx):
    """An image the collection builds from its own recipe (`built_by`) is in no public registry: core-config says
    where the user pushed it."""
    mirror = ctx.get("air_gap", "image_registry")
    for name, comp in ctx.manifest["components"].items():
        if not ctx.enabled(name) or mirror:
            continue
        for rel in comp.get("releases", []):
            image = ctx.get("components", name, "image", default=None) if rel.get("main") else None
            if rel.get("built_by") and not (isinstance(image, dict) and image.get("repository")):
                first = rel["images"][0]
                yield ("components", name, "image"), (
                    f"{name}'s image {first['image'] if isinstance(first, dict) else first} is built by the "
                    f"collection ({rel['built_by']}/, "
                    f"`make image-{name}`) and is in no public registry; push it to your registry and set "
                    f"components.{name}.image.repository (and tag), or set air_gap.image_registry")


@rule
def storage_tiers_not_built(ctx):
    if ctx.was_given("storage", "tiers", "cache"):
        yield ("storage", "tiers", "cache"), ("an Alluxio cache tier in front of MinIO is not built in this version "
                                              "of openlakes.core; remove storage.tiers.cache (Spark and Trino read "
                                              "MinIO directly)")


@rule
def backup_target(ctx):
    """components.backup: what is built (PostgreSQL to the cold tier) and what is refused with a sentence."""
    if not ctx.enabled("backup"):
        return
    base = ("components", "backup")
    if ctx.get(*base, "target") == "s3":
        yield base + ("target",), ("an external S3 as the backup target is not built in this version of openlakes.core; "
                                   "set target: cold (MinIO's cold tier on storage.cold_nas)")
    elif not ctx.get("storage", "cold_nas", "enabled"):
        yield base + ("target",), ("backups to the cold tier need it: enable storage.cold_nas (the NFS export the cold "
                                   "MinIO serves)")
    for key, what in (("minio_mirror", "mirroring MinIO's buckets"), ("longhorn", "backing up Longhorn volumes")):
        if ctx.was_given(*base, key) and ctx.get(*base, key) is not None:
            yield base + (key,), (f"{what} is not built in this version of openlakes.core; remove "
                                  f"components.backup.{key} (PostgreSQL is backed up; see docs/design.md, Backup and "
                                  f"restore)")


def _cpu_cores(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and re.match(r"^[0-9]+(\.[0-9]+)?m?$", value):
        return float(value[:-1]) / 1000 if value.endswith("m") else float(value)
    return None


def _memory_bytes(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    m = re.match(r"^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$", value) if isinstance(value, str) else None
    return float(m.group(1)) * MEMORY_UNITS[m.group(2) or ""] if m else None


@rule
def resource_quantities(ctx):
    comps = ctx.get("components", default={})
    for name, comp in (comps.items() if isinstance(comps, dict) else []):
        res = comp.get("resources") if isinstance(comp, dict) else None
        if not isinstance(res, dict):
            continue
        parsed = {}
        for side in ("requests", "limits"):
            quantities = res.get(side) if isinstance(res.get(side), dict) else {}
            for kind, parse in (("cpu", _cpu_cores), ("memory", _memory_bytes)):
                where = ("components", name, "resources", side, kind)
                value = parse(quantities.get(kind)) if kind in quantities else None
                if value is None:
                    continue
                if value < 0:
                    continue   # the schema's (minimum: 0)
                if not math.isfinite(value):
                    yield where, f"{quote(quantities[kind])} is not a quantity Kubernetes accepts; give a positive " \
                                 f"{'CPU quantity such as 500m or 2' if kind == 'cpu' else 'memory quantity such as 512Mi'}"
                    continue
                raw = quantities[kind]
                if kind == "memory" and (isinstance(raw, int) or str(raw).isdigit()) and value < SMALLEST_MEMORY:
                    yield where, (f"{raw} means {raw} bytes, which no workload runs in (a unit is missing?); write "
                                  f"{raw}Mi or {raw}Gi, or a byte count of at least {SMALLEST_MEMORY}")
                    continue
                parsed[side, kind] = (value, raw)
        for kind in ("cpu", "memory"):
            if ("requests", kind) in parsed and ("limits", kind) in parsed \
                    and parsed["requests", kind][0] > parsed["limits", kind][0]:
                yield ("components", name, "resources", "requests", kind), (
                    f"requests {quote(parsed['requests', kind][1])}, more than its limit "
                    f"{quote(parsed['limits', kind][1])}; Kubernetes refuses a request above the limit: lower the "
                    f"request or raise the limit")


@rule
def features_not_implemented(ctx):
    if ctx.get("credentials", "vault_mirror", "enabled") is True:
        yield ("credentials", "vault_mirror", "enabled"), ("mirroring credentials to an ansible-vault file is not "
                                                           "implemented in this version; set enabled: false (the "
                                                           "credentials are in Kubernetes Secrets)")


PLAINTEXT = ("credentials are generated into Kubernetes Secrets (or referenced: credentials.existing_secrets, "
             "{vault_variable: NAME})")


@rule
def no_plaintext_credentials(ctx):
    for found in _sensitive.find(ctx.given):
        if found.kind == "key":
            yield found.path, f"looks like a plaintext credential; {PLAINTEXT}"
        elif found.kind == "env":
            yield found.path, (f"the environment variable {key_text(found.detail)} holds a plaintext credential; take "
                               f"it from a Secret instead (valueFrom.secretKeyRef)")
        elif found.kind == "assignment":
            yield found.path, (f"passes {key_text(found.detail)}=... as a plaintext credential; take it from a Secret "
                               f"instead (an environment variable with valueFrom.secretKeyRef)")
        elif found.kind == "url":
            yield found.path, ("holds a URL with a credential in it (user:password@); remove it from the URL: "
                               "core-config.yaml never holds a secret")
        else:
            yield found.path, f"holds {found.detail} in plaintext; {PLAINTEXT}"


@rule
def files_exist(ctx):
    mirror = ctx.get("air_gap", "chart_mirror")
    if not isinstance(mirror, str) or not mirror:
        return
    if ctx.check_files and not re.match(r"^(https?|oci)://", mirror) and not ctx.is_dir(mirror.removeprefix("file://")):
        yield ("air_gap", "chart_mirror"), f"no directory at {plain(ctx.path(mirror.removeprefix('file://')), limit=200)}"


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
