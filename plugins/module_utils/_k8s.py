# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access to one Kubernetes cluster from a kubeconfig. Private to this collection.

`Cluster.list_secrets()` answers the one read a no-op release needs with a
plain HTTPS request when the kubeconfig uses certificates or a token, so the
common path neither imports the (large) kubernetes client nor pays its first
call; anything else (exec plugins, auth providers, waiting) goes through the
kubernetes client, created on first use.
"""
from __future__ import annotations

import base64
import importlib.util
import json
import os
import ssl
import tempfile
import threading
import urllib.parse

from ansible.module_utils.urls import Request

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover
    HAS_YAML = False

HAS_KUBERNETES = importlib.util.find_spec("kubernetes") is not None
# Every watch stream holds a connection: a plan of many releases waits on many at once.
POOL_SIZE = 256


class Cluster:
    def __init__(self, kubeconfig: str = "", context: str = ""):
        self.kubeconfig = os.path.expanduser(kubeconfig) if kubeconfig else ""
        self.context = context or ""
        self._api = None
        self._rest = None
        self._rest_tried = False
        self._lock = threading.Lock()  # release plans share one Cluster between threads

    @property
    def api(self):
        """A kubernetes.client.ApiClient (imported and created on first use)."""
        with self._lock:
            return self._api_locked()

    def _api_locked(self):
        if self._api is None:
            from kubernetes import client, config

            cfg = client.Configuration()
            config.load_kube_config(config_file=self.kubeconfig or None, context=self.context or None,
                                    client_configuration=cfg)
            cfg.connection_pool_maxsize = POOL_SIZE
            self._api = client.ApiClient(cfg)
        return self._api

    def warm(self):
        """Import and create the kubernetes client in the background, while helm runs."""
        threading.Thread(target=lambda: self.api, daemon=True).start()
        return self

    def _rest_client(self):
        with self._lock:
            return self._rest_locked()

    def _rest_locked(self):
        if not self._rest_tried:
            self._rest_tried = True
            try:
                self._rest = _Rest.from_kubeconfig(self.kubeconfig, self.context)
            except (OSError, KeyError, ValueError, TypeError, IndexError, _Unsupported):
                self._rest = None
        return self._rest

    def list_secrets(self, namespace: str, label_selector: str) -> list:
        """Secrets as plain dicts ({"metadata": ..., "data": ...})."""
        rest = self._rest_client()
        if rest is not None:
            path = (f"/api/v1/namespaces/{urllib.parse.quote(namespace)}/secrets?"
                    + urllib.parse.urlencode({"labelSelector": label_selector}))
            return rest.get(path).get("items", [])
        from kubernetes import client

        items = client.CoreV1Api(self.api).list_namespaced_secret(namespace, label_selector=label_selector).items
        return [{"metadata": {"name": s.metadata.name}, "data": s.data or {}} for s in items]

    def list_nodes(self) -> list:
        """Nodes as plain dicts (the API's JSON)."""
        rest = self._rest_client()
        if rest is not None:
            return rest.get("/api/v1/nodes").get("items", [])
        from kubernetes import client

        return self.api.sanitize_for_serialization(client.CoreV1Api(self.api).list_node()).get("items", [])


class _Unsupported(Exception):
    pass


class _Rest:
    def __init__(self, server, ctx, headers):
        self.server, self.ctx, self.headers = server.rstrip("/"), ctx, headers

    @classmethod
    def from_kubeconfig(cls, path, context):
        path = path or os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or os.path.expanduser("~/.kube/config")
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
        base = os.path.dirname(os.path.abspath(path))
        ctx_name = context or doc.get("current-context")
        ctx = next(c["context"] for c in doc["contexts"] if c["name"] == ctx_name)
        cluster = next(c["cluster"] for c in doc["clusters"] if c["name"] == ctx["cluster"])
        user = next(u["user"] for u in doc["users"] if u["name"] == ctx["user"]) or {}
        if user.get("exec") or user.get("auth-provider") or cluster.get("proxy-url"):
            raise _Unsupported("exec/auth-provider/proxy kubeconfigs go through the kubernetes client")
        sslctx = ssl.create_default_context()
        if cluster.get("insecure-skip-tls-verify"):
            sslctx.check_hostname, sslctx.verify_mode = False, ssl.CERT_NONE
        elif cluster.get("certificate-authority-data"):
            sslctx.load_verify_locations(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
        elif cluster.get("certificate-authority"):
            sslctx.load_verify_locations(cafile=_rel(base, cluster["certificate-authority"]))
        cert, key = user.get("client-certificate"), user.get("client-key")
        if user.get("client-certificate-data"):
            with tempfile.TemporaryDirectory() as tmp:  # ssl only loads key pairs from files
                cert, key = os.path.join(tmp, "c"), os.path.join(tmp, "k")
                for f, data in ((cert, user["client-certificate-data"]), (key, user["client-key-data"])):
                    fd = os.open(f, os.O_WRONLY | os.O_CREAT, 0o600)
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(base64.b64decode(data))
                sslctx.load_cert_chain(cert, key)
        elif cert:
            sslctx.load_cert_chain(_rel(base, cert), _rel(base, key))
        headers = {"Accept": "application/json"}
        token = user.get("token") or (_read(_rel(base, user["tokenFile"])) if user.get("tokenFile") else None)
        if token:
            headers["Authorization"] = f"Bearer {token.strip()}"
        return cls(cluster["server"], sslctx, headers)

    def get(self, path):
        resp = Request(headers=self.headers, context=self.ctx, timeout=30, use_proxy=False).open("GET", self.server + path)
        return json.loads(resp.read())


def _rel(base, p):
    return p if os.path.isabs(p) else os.path.join(base, p)


def _read(p):
    with open(p, encoding="utf-8") as fh:
        return fh.read()
