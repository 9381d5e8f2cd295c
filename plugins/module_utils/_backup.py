# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backups on demand, their listing, and restores into a new Cluster (playbooks/backup.yml, restore.yml).
Private to this collection.

What is backed up comes from the plan (`backups`: each component's unit declares its own). For CloudNativePG
(`kind: cloudnative-pg`, the barman-cloud plugin):

- `take`: a `Backup` (method `plugin`) of the Cluster, waited on until its `status.phase` is `completed` (or it
  fails, with the operator's `status.error`).
- `listing`: every `Backup` of the Cluster with its phase, start and stop times, backup ID and WAL range (the
  Backup's status), and the object store's recovery window (the ObjectStore's status); each backup's size is what
  the object store holds under its directory, read by a short Job in the cluster (`store_sizes`: `mc ls` with the
  backup component's own user; the controller does not reach the store), otherwise unknown and said why.
- `restore`: a NEW Cluster (a name no Cluster has, never the running one) bootstrapped by recovery from the chosen
  completed Backup through the plugin (`externalClusters[].plugin` with the ObjectStore and the origin's server
  name, `recoveryTarget.backupID`), with the origin's image, storage and resources; it archives nothing (no
  `plugins`), so it never writes into the origin's backups. Waited on until Ready.
"""
from __future__ import annotations

import datetime
import re
import time

CNPG = ("postgresql.cnpg.io", "v1")
BARMAN = ("barmancloud.cnpg.io", "v1")
DONE, FAILED = "completed", "failed"
NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,48}[a-z0-9])?$")
LABEL = "openlakes.io/backup"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done, or failed: the message says why and what to do."""


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def backup_name(cluster: str, now: datetime.datetime | None = None) -> str:
    return f"{cluster}-{(now or _now()).strftime('%Y%m%d%H%M%S')}"


def backup_object(item: dict, name: str) -> dict:
    """The on-demand Backup of the item's Cluster through its plugin."""
    return {"apiVersion": "/".join(CNPG), "kind": "Backup",
            "metadata": {"name": name, "namespace": item["namespace"],
                         "labels": {"app.kubernetes.io/part-of": "openlakes", LABEL: "on-demand"}},
            "spec": {"cluster": {"name": item["cluster"]}, "method": "plugin",
                     "pluginConfiguration": {"name": item["plugin"]}}}


def row(obj: dict, sizes: dict | None = None) -> dict:
    """One Backup as the listing shows it."""
    status = obj.get("status") or {}
    meta = obj["metadata"]
    backup_id = status.get("backupId") or ""
    size = (sizes or {}).get(backup_id)
    return {"name": meta["name"], "phase": status.get("phase") or "pending", "backup_id": backup_id,
            "started": status.get("startedAt") or "", "stopped": status.get("stoppedAt") or "",
            "method": (obj.get("spec") or {}).get("method") or "", "begin_wal": status.get("beginWal") or "",
            "end_wal": status.get("endWal") or "", "error": status.get("error") or "",
            "scheduled": bool((meta.get("labels") or {}).get("cnpg.io/scheduled-backup")),
            "size_bytes": size, "created": meta.get("creationTimestamp") or ""}


def line(r: dict) -> str:
    size = f"{r['size_bytes']} bytes" if isinstance(r["size_bytes"], int) else "size unknown"
    when = r["stopped"] or r["started"] or r["created"]
    extra = f", error: {r['error']}" if r["error"] else ""
    kind = "scheduled" if r["scheduled"] else "on demand"
    return f"{r['name']}: {r['phase']} at {when or '-'} ({kind}, backup ID {r['backup_id'] or '-'}, {size}{extra})"


def restore_object(item: dict, origin: dict, chosen: dict, new_name: str) -> dict:
    """The new Cluster: recovery from `chosen` (a completed Backup of `origin`) through the plugin."""
    spec = origin.get("spec") or {}
    keep = {k: spec[k] for k in ("imageName", "storage", "resources", "postgresql") if k in spec}
    return {"apiVersion": "/".join(CNPG), "kind": "Cluster",
            "metadata": {"name": new_name, "namespace": item["namespace"],
                         "labels": {"app.kubernetes.io/part-of": "openlakes", LABEL: "restored"},
                         "annotations": {"openlakes.io/restored-from": chosen["metadata"]["name"],
                                         "openlakes.io/restored-backup-id": chosen["status"]["backupId"]}},
            "spec": {**keep, "instances": 1,
                     "bootstrap": {"recovery": {"source": "origin",
                                                "recoveryTarget": {"backupID": chosen["status"]["backupId"]}}},
                     "externalClusters": [{"name": "origin", "plugin": {
                         "name": item["plugin"],
                         "parameters": {"barmanObjectName": item["object_store"], "serverName": item["cluster"]}}}]}}


LISTER_MOUNT = "/secrets/store"
LISTER_SECONDS = 120   # how long a listing may take before the sizes are reported unknown


def lister_job(item: dict, name: str) -> dict:
    """A Job that lists what the object store holds under the Cluster's base backups (`mc ls --recursive --json`),
    with the backup component's own MinIO user; its keys reach mc on standard input, never as arguments."""
    lst = item["lister"]
    base = f"store/{lst['bucket']}/{lst['prefix']}{item['cluster']}/base/"
    script = "\n".join([
        "set -eu", "export MC_CONFIG_DIR=/tmp/mc", "umask 077",
        f'printf "%s\\n%s\\n" "$(cat {LISTER_MOUNT}/{lst["access_key"]})" "$(cat {LISTER_MOUNT}/{lst["secret_key"]})" |'
        f" mc alias set store {lst['endpoint']} --api S3v4 --path on >/dev/null",
        f"mc ls --recursive --json {base}", ""])
    labels = {"app.kubernetes.io/part-of": "openlakes", LABEL: "listing"}
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "namespace": item["namespace"], "labels": labels},
            "spec": {"backoffLimit": 0, "activeDeadlineSeconds": 300, "ttlSecondsAfterFinished": 600,
                     "template": {"metadata": {"labels": labels}, "spec": {
                         "restartPolicy": "Never", "automountServiceAccountToken": False,
                         "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000,
                                             "fsGroup": 1000},
                         "containers": [{"name": "list", "image": lst["image"], "command": ["/bin/sh", "-c", script],
                                         "securityContext": {"allowPrivilegeEscalation": False,
                                                             "readOnlyRootFilesystem": True,
                                                             "capabilities": {"drop": ["ALL"]}},
                                         "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                                         "volumeMounts": [{"name": "keys", "mountPath": LISTER_MOUNT, "readOnly": True},
                                                          {"name": "mc", "mountPath": "/tmp/mc"}]}],
                         "volumes": [{"name": "keys", "secret": {"secretName": lst["secret"], "defaultMode": 0o440}},
                                     {"name": "mc", "emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}}]}}}}


def sizes_of(listing_log: str) -> dict:
    """Bytes per backup ID from `mc ls --recursive --json` of `<server>/base/` (keys `<backupId>/<file>`)."""
    import json

    out: dict = {}
    for text in listing_log.splitlines():
        try:
            entry = json.loads(text)
        except ValueError:
            continue
        key = str(entry.get("key") or "")
        if entry.get("type") != "file" or not key or not isinstance(entry.get("size"), int):
            continue
        parts = key.split("/base/", 1)[-1].strip("/").split("/")
        if len(parts) > 1:
            out[parts[0]] = out.get(parts[0], 0) + entry["size"]
    return out


class Backups:
    def __init__(self, cluster, timeout: float = 1800, poll: float = 2.0):
        from kubernetes import client

        self.custom = client.CustomObjectsApi(cluster.api)
        self.batch, self.core = client.BatchV1Api(cluster.api), client.CoreV1Api(cluster.api)
        self.timeout, self.poll = timeout, poll

    def store_sizes(self, item: dict) -> tuple:
        """(bytes per backup ID, "") from a listing Job in the cluster, or ({}, why not). The Job is removed."""
        from kubernetes.client.rest import ApiException

        if not item.get("lister"):
            return {}, "no listing is declared for this store"
        name = f"{item['cluster']}-backup-listing-{_now().strftime('%Y%m%d%H%M%S')}"
        ns = item["namespace"]
        if self._get(BARMAN, ns, "objectstores", item["object_store"]) is None:
            return {}, "the ObjectStore does not exist"
        saved, self.timeout = self.timeout, min(self.timeout, LISTER_SECONDS)
        try:
            self.batch.create_namespaced_job(ns, lister_job(item, name))
            job = self._wait(lambda: self.batch.read_namespaced_job(name, ns),
                             lambda j: bool(j.status.succeeded or j.status.failed), f"the listing Job {ns}/{name}")
            pods = self.core.list_namespaced_pod(ns, label_selector=f"job-name={name}").items
            log = self.core.read_namespaced_pod_log(pods[0].metadata.name, ns) if pods else ""
            if job.status.failed:
                return {}, f"the listing Job failed: {(log or '').strip()[-300:] or 'no log'}"
            if not (log or "").strip():
                return {}, "the listing Job printed nothing (the store holds no base backup, or its log is not served)"
            return sizes_of(log), ""
        except (ApiException, BackupError, IndexError) as exc:
            return {}, f"the object store could not be listed: {getattr(exc, 'reason', None) or exc}"
        finally:
            self.timeout = saved
            try:
                self.batch.delete_namespaced_job(name, ns, propagation_policy="Background")
            except ApiException:
                pass

    # --- reading -----------------------------------------------------------------------
    def _get(self, group, ns: str, plural: str, name: str):
        from kubernetes.client.rest import ApiException

        try:
            return self.custom.get_namespaced_custom_object(*group, ns, plural, name)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def backups(self, item: dict) -> list:
        items = self.custom.list_namespaced_custom_object(*CNPG, item["namespace"], "backups").get("items", [])
        mine = [b for b in items if ((b.get("spec") or {}).get("cluster") or {}).get("name") == item["cluster"]]
        return sorted(mine, key=lambda b: ((b.get("status") or {}).get("startedAt") or b["metadata"].get(
            "creationTimestamp") or "", b["metadata"]["name"]))

    def listing(self, item: dict, sizes: dict | None = None) -> dict:
        store = self._get(BARMAN, item["namespace"], "objectstores", item["object_store"])
        if store is None:
            raise BackupError(f"the ObjectStore {item['namespace']}/{item['object_store']} does not exist: backups are "
                              f"not deployed; enable components.backup in core-config.yaml and run site.yml")
        window = ((store.get("status") or {}).get("serverRecoveryWindow") or {}).get(item["cluster"]) or {}
        rows = [row(b, sizes) for b in self.backups(item)]
        return {"cluster": item["cluster"], "namespace": item["namespace"], "destination": item["destination"],
                "sizes_read": sizes is not None,
                "first_recoverability_point": window.get("firstRecoverabilityPoint") or "",
                "last_successful_backup": window.get("lastSuccessfulBackupTime") or "", "backups": rows,
                "lines": [line(r) for r in rows] or ["no backup yet"]}

    # --- taking ------------------------------------------------------------------------
    def take(self, item: dict, check: bool) -> dict:
        cluster = self._get(CNPG, item["namespace"], "clusters", item["cluster"])
        if cluster is None:
            raise BackupError(f"the Cluster {item['namespace']}/{item['cluster']} does not exist; nothing to back up")
        name = backup_name(item["cluster"])
        body = backup_object(item, name)
        if check:
            return {"name": name, "phase": "would be taken", "changed": True}
        self.custom.create_namespaced_custom_object(*CNPG, item["namespace"], "backups", body)
        obj = self._wait(lambda: self._get(CNPG, item["namespace"], "backups", name),
                         lambda o: ((o or {}).get("status") or {}).get("phase") in (DONE, FAILED),
                         f"the Backup {item['namespace']}/{name}")
        r = row(obj)
        if r["phase"] != DONE:
            raise BackupError(f"the Backup {item['namespace']}/{name} failed: {r['error'] or 'no error reported'}; "
                              f"see kubectl describe backup -n {item['namespace']} {name} and the plugin's log "
                              f"(deployment in the operator's namespace)")
        return dict(r, changed=True)

    # --- restoring -----------------------------------------------------------------------
    def restore(self, item: dict, backup: str, new_name: str, check: bool) -> dict:
        ns = item["namespace"]
        if not NAME.match(new_name or ""):
            raise BackupError(f"{new_name!r} is not a Cluster name (lower-case letters, digits and '-', at most 50)")
        if new_name == item["cluster"]:
            raise BackupError(f"a restore never overwrites the running Cluster {item['cluster']}; name a new one "
                              f"(-e openlakes_restore_cluster=<name>)")
        origin = self._get(CNPG, ns, "clusters", item["cluster"])
        if origin is None:
            raise BackupError(f"the Cluster {ns}/{item['cluster']} does not exist: the restore takes its image and "
                              f"storage from it")
        candidates = self.backups(item)
        done = [b for b in candidates if (b.get("status") or {}).get("phase") == DONE]
        chosen = next((b for b in candidates if b["metadata"]["name"] == backup), None)
        if chosen is None:
            names = ", ".join(b["metadata"]["name"] for b in done) or "none"
            raise BackupError(f"no Backup {backup!r} of the Cluster {item['cluster']}; the completed ones: {names}")
        if (chosen.get("status") or {}).get("phase") != DONE or not chosen["status"].get("backupId"):
            raise BackupError(f"the Backup {backup} is {(chosen.get('status') or {}).get('phase') or 'pending'}, not "
                              f"completed: a backup that cannot be verified is not restored from")
        body = restore_object(item, origin, chosen, new_name)
        existing = self._get(CNPG, ns, "clusters", new_name)
        if existing is not None:
            ann = existing["metadata"].get("annotations") or {}
            if ann.get("openlakes.io/restored-from") != backup:
                raise BackupError(f"a Cluster {ns}/{new_name} exists already and is not a restore of {backup}; a "
                                  f"restore never overwrites a Cluster: name a new one")
            changed = False   # the same restore, run again: waited on, not made twice
        else:
            changed = True
            if check:
                return {"cluster": new_name, "backup": backup, "backup_id": chosen["status"]["backupId"],
                        "changed": True, "ready": False}
            self.custom.create_namespaced_custom_object(*CNPG, ns, "clusters", body)
        if check:
            return {"cluster": new_name, "backup": backup, "backup_id": chosen["status"]["backupId"],
                    "changed": False, "ready": _ready(existing)}
        obj = self._wait(lambda: self._get(CNPG, ns, "clusters", new_name), _ready, f"the restored Cluster {ns}/{new_name}")
        return {"cluster": new_name, "backup": backup, "backup_id": chosen["status"]["backupId"], "changed": changed,
                "ready": _ready(obj), "services": {"rw": f"{new_name}-rw.{ns}"}}

    def _wait(self, read, done, what: str):
        deadline = time.monotonic() + self.timeout
        obj = read()
        while not done(obj):
            if time.monotonic() > deadline:
                status = (obj or {}).get("status") or {}
                raise BackupError(f"{what} was not done after {self.timeout:.0f} s (phase "
                                  f"{status.get('phase') or '-'}; {_conditions(status)})")
            time.sleep(self.poll)
            obj = read()
        return obj


def _ready(obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in ((obj or {}).get("status") or {}).get("conditions") or [])


def _conditions(status: dict) -> str:
    return "; ".join(f"{c.get('type')}={c.get('status')} {c.get('message') or ''}".strip()
                     for c in status.get("conditions") or []) or "no conditions"


def item_of(backups: list, component: str = "postgresql") -> dict:
    """The plan's backup item of `component`, or a refusal saying how to turn backups on."""
    for item in backups:
        if item.get("component") == component and item.get("kind") == "cloudnative-pg":
            return item
    raise BackupError(f"{component} is not backed up in this configuration: enable components.backup in "
                      f"core-config.yaml (with storage.cold_nas and cert_manager) and run site.yml")
