# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Traefik: the ingress, its TLS and the basic auth in front of UIs without a login. Private to this collection."""
from __future__ import annotations

from .._platform import INGRESS_CLASS
from . import cert_manager

TLS_SECRET = "openlakes-wildcard-tls"


def tls_secret_name(u) -> str:
    uc = u.config["networking"]["tls"].get("user_certificates") or {}
    return uc.get("existing_secret") or TLS_SECRET


def traefik(u, release: dict) -> dict:
    tls = u.config["networking"]["tls"]
    values = {
        "ingressClass": {"enabled": True, "isDefaultClass": True, "name": INGRESS_CLASS},
        # Ingresses in other namespaces use the basic-auth Middleware of the platform namespace.
        "providers": {"kubernetesCRD": {"allowCrossNamespace": True}},
        "deployment": {"replicas": 1 if u.profile == "compact" else 2},
        "resources": u.resources(),
        "ingressRoute": {"dashboard": {
            "enabled": True,
            "matchRule": f"Host(`{u.host_name()}`)",
            "entryPoints": ["websecure" if u.tls else "web"],
            "middlewares": [{"name": "ui-auth", "namespace": u.platform_ns}],
        }},
    }
    if u.tls:
        values["tlsStore"] = {"default": {"defaultCertificate": {"secretName": tls_secret_name(u)}}}
        values["ingressRoute"]["dashboard"]["tls"] = {}
        if tls["redirect_http"]:
            values["ports"] = {"web": {"http": {"redirections": {"entryPoint": {
                "to": "websecure", "scheme": "https", "permanent": True}}}}}
    return values


def ingress(u, release: dict) -> dict:
    """The collection's openlakes-ingress chart."""
    tls = u.config["networking"]["tls"]
    values = {"basicAuth": {"secretName": u.own_secret()}}
    if tls["mode"] == "cloudflare-dns01":
        cf = tls["cloudflare"]
        token = cert_manager.cloudflare_token(u)
        values["certificate"] = {
            "enabled": True, "namespace": u.ns, "secretName": TLS_SECRET, "domain": u.domain,
            "acme": {"email": cf["email"], "apiTokenSecret": {"name": token["name"], "key": token["key"]},
                     "server": ("https://acme-staging-v02.api.letsencrypt.org/directory" if cf.get("staging")
                                else "https://acme-v02.api.letsencrypt.org/directory")},
        }
    return values


def objects(u, build_values: bool) -> list:
    """The user's certificate files, written into Traefik's TLS Secret before Traefik serves it."""
    files = u.config["derived"]["tls_files"]
    if u.config["networking"]["tls"]["mode"] != "user-certificates" or not files:
        return []
    return [{"name": "tls-certificate", "namespace": u.ns, "before": ["traefik"],
             "objects": [{"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                          "metadata": {"name": TLS_SECRET, "namespace": u.ns}}],
             "data_from": {"tls.crt": {"file": files["cert"]}, "tls.key": {"file": files["key"]}}}]


def monitors(u) -> list:
    """Traefik's own metrics port on its pods (the chart's `metrics` entrypoint, 9100)."""
    return [u.monitor({"app.kubernetes.io/name": "traefik"})]


RELEASES = {"traefik": traefik, "ingress": ingress}
