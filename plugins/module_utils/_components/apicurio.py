# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apicurio Registry 3: the schema registry on PostgreSQL (its own database and role) and its web console, one host
for both. The collection's own chart: Apicurio ships no maintained chart. Private to this collection."""
from __future__ import annotations

from .._platform import INGRESS_CLASS

API_PATH = "/apis"   # the registry's REST APIs (registry/v3, ccompat/v7); the console is everything else


def _env_from_secret(name: str, secret: str, key: str) -> dict:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def apicurio(u, release: dict) -> dict:
    """The collection's openlakes-apicurio chart. The app's settings are Apicurio 3's own environment variables (the
    ones its operator sets for PostgreSQL storage); the console calls the API on its own host, so a browser needs
    no CORS and sees the same basic auth."""
    pg, db = u.service("postgresql", "rw"), u.database()
    scheme = "https" if u.tls else "http"
    values = {
        "app": {
            "image": dict(u.image(release, 0), pullPolicy="IfNotPresent"),
            "resources": u.resources(),
            "env": [
                {"name": "APICURIO_STORAGE_KIND", "value": "sql"},
                {"name": "APICURIO_STORAGE_SQL_KIND", "value": "postgresql"},
                {"name": "APICURIO_DATASOURCE_URL", "value": f"jdbc:postgresql://{pg.address}/{db['name']}"},
                _env_from_secret("APICURIO_DATASOURCE_USERNAME", db["secret"], db["username_key"]),
                _env_from_secret("APICURIO_DATASOURCE_PASSWORD", db["secret"], db["password_key"]),
                # The image's launcher (run-java.sh) appends these to the JVM's options.
                {"name": "JAVA_OPTS_APPEND", "value": u.heap_options()},
            ],
        },
        "ui": {
            "image": dict(u.image(release, 1), pullPolicy="IfNotPresent"),
            "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
            "env": [{"name": "REGISTRY_API_URL", "value": f"{scheme}://{u.host_name()}{API_PATH}/registry/v3"}],
        },
        "ingress": {"enabled": False},
    }
    if u.enabled("traefik"):
        values["ingress"] = {"enabled": True, "className": INGRESS_CLASS, "host": u.host_name(), "apiPath": API_PATH,
                             "annotations": u.ingress_annotations()}
    return values


def monitors(u) -> list:
    """Quarkus' metrics on the registry's HTTP port."""
    return [u.monitor({"app.kubernetes.io/name": "apicurio-registry-app", "app.kubernetes.io/instance": "apicurio"})]


RELEASES = {"apicurio": apicurio}
