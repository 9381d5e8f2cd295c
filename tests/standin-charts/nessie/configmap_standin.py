"""STAND-IN of the Nessie chart's templates `configmap.yaml` (application.properties) and the env part
of `deployment.yaml` with its helpers (`nessie.applyCatalog*Options`, `nessie.catalogStorageEnv`,
`nessie.secretToEnv`), for chart 0.108.4: the Quarkus properties and the container environment the
chart makes from its values. The data path tier (tests/datapath) feeds them to a real Nessie.

Mirrored from projectnessie/nessie `helm/nessie/templates/` (read, not copied). Where the revision
read differed from 0.108.4's values (its configmap tests `eq "JDBC"`, while 0.108.4's values
document `JDBC2` and its deployment tests `hasPrefix "JDBC"`), the deployment's test is used for both.
0.108.4's values put the log level under `log:` while the revision read prints `logLevel`: no log
property is mirrored. Only what the collection's values reach is mirrored; anything else raises, so a new values key the
collection starts to set is noticed here instead of being silently dropped.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import chart_helpers  # noqa: E402  (what the stand-ins share)

CHART_VALUES = Path(__file__).resolve().parents[2] / "upstream-charts" / "nessie" / "0.108.4" / "values.yaml"
S3_BUCKET_OPTIONS = (  # values key -> property suffix (nessie.applyCatalogStorageS3BucketOptions)
    ("name", "name"), ("authority", "authority"), ("pathPrefix", "path-prefix"), ("region", "region"),
    ("endpoint", "endpoint"), ("externalEndpoint", "external-endpoint"), ("pathStyleAccess", "path-style-access"),
    ("accessPoint", "access-point"), ("allowCrossRegionAccessPoint", "allow-cross-region-access-point"),
    ("requestSigningEnabled", "request-signing-enabled"), ("urlSigningExpire", "url-signing-expire"),
    ("chunkedEncodingEnabled", "chunked-encoding-enabled"), ("authType", "auth-type"), ("stsEndpoint", "sts-endpoint"),
)


def fullname(values: dict, release: str) -> str:
    return chart_helpers.fullname(values, release, "nessie")


def _string(value) -> str:
    """Go's toString of a values scalar, as `printf "%s=%s"` writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def render(generated: dict, release: str = "nessie") -> dict:
    """{"properties": {name: value}, "env": [{"name", "value"} | {"name", "secret", "key"}]} for the
    collection's values `generated`, merged over the chart's own values.yaml as helm does."""
    values = chart_helpers.merge(yaml.safe_load(CHART_VALUES.read_text()), generated)
    props: dict = {}
    env: list = []
    store = values["versionStoreType"]
    props["nessie.version.store.type"] = store
    props["nessie.version.store.persist.cache-invalidations.service-names"] = f"{fullname(values, release)}-mgmt"
    # The chart's token is the sha1 of its rendered management Service; the stand-in's is of its name.
    props["nessie.version.store.persist.cache-invalidations.valid-tokens"] = hashlib.sha1(
        f"{fullname(values, release)}-mgmt".encode()).hexdigest()
    if values.get("logLevel"):
        for key in ("quarkus.log.level", "quarkus.log.console.level", "quarkus.log.file.level"):
            props[key] = values["logLevel"]
    if store.startswith("JDBC"):
        url = (values.get("postgres") or {}).get("jdbcUrl") or values["jdbc"]["jdbcUrl"]
        secret = (values.get("postgres") or {}).get("secret") or values["jdbc"]["secret"]
        kind = url.split(":")[1]
        props["nessie.version.store.persist.jdbc.datasource"] = kind
        props[f"quarkus.datasource.{kind}.jdbc.url"] = url
        for key in ("username", "password"):
            if secret.get("name") and secret.get(key):
                env.append({"name": f"quarkus.datasource.{kind}.{key}", "secret": secret["name"], "key": secret[key]})
    elif store not in ("IN_MEMORY", "INMEMORY"):
        raise NotImplementedError(f"stand-in: version store {store} is not mirrored")
    if values["authentication"]["enabled"] or values["authorization"]["enabled"] or values["tracing"]["enabled"]:
        raise NotImplementedError("stand-in: authentication, authorization and tracing are not mirrored")
    props["quarkus.oidc.tenant-enabled"] = False
    props["quarkus.otel.sdk.disabled"] = True
    if values["metrics"]["enabled"]:
        for name, value in (values["metrics"].get("tags") or {}).items():
            props[f"nessie.metrics.tags.{name}"] = value
    else:
        props["quarkus.micrometer.enabled"] = "false"
    catalog = values["catalog"]
    if catalog["enabled"]:
        ice = catalog["iceberg"]
        props["nessie.catalog.default-warehouse"] = ice.get("defaultWarehouse")
        props["nessie.catalog.object-stores.health-check.enabled"] = ice.get("objectStoresHealthCheckEnabled")
        for kind in ("configDefaults", "configOverrides"):
            for k, v in (ice.get(kind) or {}).items():
                props[f"nessie.catalog.iceberg-config-{kind[6:].lower()}.{k}"] = v
        for i, wh in enumerate(ice.get("warehouses") or []):
            if not wh.get("name"):
                raise ValueError(f"catalog.iceberg.warehouses[{i}]: missing warehouse name")
            props[f'nessie.catalog.warehouses."{wh["name"]}".location'] = wh.get("location")
            for kind in ("configDefaults", "configOverrides"):
                for k, v in (wh.get(kind) or {}).items():
                    props[f'nessie.catalog.warehouses."{wh["name"]}".iceberg-config-{kind[6:].lower()}.{k}'] = v
        if catalog["storage"].get("retryAfter"):
            props["nessie.catalog.service.throttled-retry-after"] = catalog["storage"]["retryAfter"]
        s3 = catalog["storage"]["s3"]
        if any(v is not None for v in (s3.get("transport") or {}).values()) or s3.get("buckets"):
            raise NotImplementedError("stand-in: S3 transport options and per-bucket options are not mirrored")
        opts = s3["defaultOptions"]
        for key, suffix in S3_BUCKET_OPTIONS:
            if opts.get(key) is not None:
                props[f"nessie.catalog.service.s3.default-options.{suffix}"] = opts[key]
        for iam in ("clientIam", "serverIam"):
            if any(v is not None for v in (opts.get(iam) or {}).values()):
                raise NotImplementedError(f"stand-in: S3 {iam} is not mirrored")
        secret = opts.get("accessKeySecret") or {}
        if secret.get("name") and secret.get("awsAccessKeyId"):
            midfix = "s3.default-options.access-key"
            env.append({"name": f"nessie.catalog.service.{midfix}", "value": f"urn:nessie-secret:quarkus:nessie-catalog-secrets.{midfix}"})
            env.append({"name": f"nessie-catalog-secrets.{midfix}.name", "secret": secret["name"], "key": secret["awsAccessKeyId"]})
        if secret.get("name") and secret.get("awsSecretAccessKey"):
            env.append({"name": "nessie-catalog-secrets.s3.default-options.access-key.secret", "secret": secret["name"],
                        "key": secret["awsSecretAccessKey"]})
    _advanced(values.get("advancedConfig") or {}, "", props)
    for extra in values.get("extraEnv") or []:
        env.append(dict(extra))
    return {"properties": {k: _string(v) for k, v in sorted(props.items())}, "env": env,
            "ports": {"http": values["service"]["ports"][0]["number"], "management": values["managementService"]["portNumber"]}}


def _advanced(config: dict, prefix: str, dest: dict) -> None:
    for key, value in config.items():
        name = key if not prefix else f"{prefix}.{key}"
        if isinstance(value, dict):
            _advanced(value, name, dest)
        else:
            dest[name] = value


def application_properties(rendered: dict) -> str:
    """The ConfigMap's application.properties, as the template prints it."""
    return "".join(f"{k}={v}\n" for k, v in rendered["properties"].items())
