# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Nessie: the Iceberg REST catalog, its version store in PostgreSQL, its warehouse in MinIO. Private to this collection."""
from __future__ import annotations

from .._platform import INGRESS_CLASS

WAREHOUSE = "warehouse"


def nessie(u, release: dict) -> dict:
    main = u.config["storage"]["minio"]["buckets"]["main"]["name"]
    pg, db = u.service("postgresql", "rw"), u.database()
    s3, user = u.service("minio", "s3"), u.minio_user()
    values = {
        "versionStoreType": "JDBC2",
        "jdbc": {
            "jdbcUrl": f"jdbc:postgresql://{pg.address}/{db['name']}",
            "secret": {"name": db["secret"], "username": db["username_key"], "password": db["password_key"]},
        },
        "catalog": {
            "enabled": True,
            "iceberg": {"defaultWarehouse": WAREHOUSE,
                        "warehouses": [{"name": WAREHOUSE, "location": f"s3://{main}/warehouse/"}],
                        # The object-store health check is a HeadBucket, which MinIO allows only with s3:ListBucket
                        # on the whole bucket; Nessie's own user lists only under warehouse/ (the datapath tier
                        # saw readiness stay DOWN with 403). Nessie must depend on the MinIO setup Job instead.
                        "objectStoresHealthCheckEnabled": False},
            "storage": {"s3": {"defaultOptions": {
                "endpoint": s3.url + "/",
                "pathStyleAccess": True,
                "region": s3.region,
                "authType": "STATIC",
                # Nessie's own MinIO user, limited to the warehouse prefix.
                "accessKeySecret": {"name": user["secret"], "awsAccessKeyId": user["access_key"],
                                    "awsSecretAccessKey": user["secret_key"]},
            }}},
        },
        "resources": u.resources(),
        "extraEnv": [{"name": "JAVA_OPTS_APPEND", "value": u.heap_options()}],
    }
    if u.enabled("traefik"):
        values["ingress"] = {"enabled": True, "className": INGRESS_CLASS, "annotations": u.ingress_annotations(),
                             "pathType": "Prefix", "hosts": [{"host": u.host_name(), "paths": ["/"]}]}
    return values


def monitors(u) -> list:
    """Quarkus' management interface (health and metrics, the chart's management port)."""
    return [u.monitor({"app.kubernetes.io/name": "nessie", "app.kubernetes.io/instance": "nessie"})]


RELEASES = {"nessie": nessie}
