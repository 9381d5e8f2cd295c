# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cert-manager: the wildcard certificate by Let's Encrypt DNS-01 through Cloudflare. Private to this collection."""
from __future__ import annotations

CLOUDFLARE_TOKEN_SECRET = "openlakes-cloudflare-api-token"
CLOUDFLARE_TOKEN_KEY = "api-token"


def cert_manager(u, release: dict) -> dict:
    return {"crds": {"enabled": True, "keep": True}, "resources": u.resources()}


def cloudflare_token(u) -> dict:
    """The Secret (name, key) the ClusterIssuer reads the Cloudflare API token from."""
    token = u.config["networking"]["tls"]["cloudflare"]["api_token"]
    return token.get("existing_secret") or {"name": CLOUDFLARE_TOKEN_SECRET, "key": CLOUDFLARE_TOKEN_KEY}


def objects(u, build_values: bool) -> list:
    """The Cloudflare token kept in ansible-vault, written into cert-manager's namespace before the issuer reads it."""
    tls = u.config["networking"]["tls"]
    token = (tls.get("cloudflare") or {}).get("api_token") or {}
    if tls["mode"] != "cloudflare-dns01" or "vault_variable" not in token:
        return []
    return [{"name": "cloudflare-api-token", "namespace": u.ns, "before": ["ingress"],
             "objects": [{"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                          "metadata": {"name": CLOUDFLARE_TOKEN_SECRET, "namespace": u.ns}}],
             "data_from": {CLOUDFLARE_TOKEN_KEY: {"variable": token["vault_variable"]}}}]


RELEASES = {"cert-manager": cert_manager}
