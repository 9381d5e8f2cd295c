"""STAND-IN of the Trino chart's templates `configmap-coordinator.yaml`, `configmap-worker.yaml`,
`configmap-catalog.yaml` and the env, volume and security parts of the two deployments, for chart
1.42.2: the files the chart writes into the coordinator's and the workers' /etc/trino from its values,
and what their containers get (environment from Secrets, the password file). The data path tier
(tests/datapath) feeds them to a real Trino.

The chart's values are 1.42.2's (tests/upstream-charts/trino/1.42.2/values.yaml, merged under the
collection's as helm does: a null removes a default). Its templates were not readable here: the file
layout and property names follow the chart's documented values and earlier revisions of its templates
(trinodb/charts `charts/trino/templates/`, read, not copied). The fixed JVM options are Trino's own
recommended jvm.config; the image's `-agentpath` (libjvmkill, not in the server tarball) is left out.
Only what the collection's values reach is mirrored; anything else raises, so a values key the
collection starts to set is noticed here instead of being silently dropped.
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import chart_helpers  # noqa: E402  (what the stand-ins share)

CHART_VALUES = Path(__file__).resolve().parents[2] / "upstream-charts" / "trino" / "1.42.2" / "values.yaml"
# Values keys the stand-in mirrors (top level); the collection setting any other one raises.
MIRRORED = {"image", "server", "auth", "catalogs", "env", "additionalConfigProperties", "coordinator", "worker",
            "ingress", "service"}
# Trino's recommended JVM options (trino.io, "Deploying Trino": JVM config), after the heap and GC lines.
JVM_OPTIONS = ("-XX:+ExplicitGCInvokesConcurrent", "-XX:+HeapDumpOnOutOfMemoryError", "-XX:+ExitOnOutOfMemoryError",
               "-XX:-OmitStackTraceInFastThrow", "-XX:ReservedCodeCacheSize=512M",
               "-XX:PerMethodRecompilationCutoff=10000", "-XX:PerBytecodeRecompilationCutoff=10000",
               "-Djdk.attach.allowAttachSelf=true", "-Djdk.nio.maxCachedBufferSize=2000000", "-Dfile.encoding=UTF-8",
               "-XX:+EnableDynamicAgentLoading")


merge = chart_helpers.merge


def fullname(values: dict, release: str) -> str:
    return chart_helpers.fullname(values, release, "trino")


def _jvm(role: dict) -> str:
    jvm = role["jvm"]
    lines = ["-server"]
    for key, flag in (("maxHeapSize", "-Xmx{}"), ("minHeapSize", "-Xms{}"), ("maxHeapPercent", "-XX:MaxRAMPercentage={}"),
                      ("initialHeapPercent", "-XX:InitialRAMPercentage={}")):
        if jvm.get(key):
            lines.append(flag.format(jvm[key]))
    lines += [f"-XX:+{jvm['gcMethod']['type']}", f"-XX:G1HeapRegionSize={jvm['gcMethod']['g1']['heapRegionSize']}",
              *JVM_OPTIONS, *(role.get("additionalJVMConfig") or [])]
    return "".join(f"{line}\n" for line in lines)


def _config(values: dict, role: str, full: str) -> str:
    server, cfg = values["server"], values[role]["config"]
    port = values["service"]["port"]
    lines = [f"coordinator={'true' if role == 'coordinator' else 'false'}"]
    if role == "coordinator":
        lines.append(f"node-scheduler.include-coordinator={str(bool(cfg['nodeScheduler']['includeCoordinator'])).lower()}")
    lines += [f"http-server.http.port={port}", f"query.max-memory={server['config']['query']['maxMemory']}",
              f"query.max-memory-per-node={cfg['query']['maxMemoryPerNode']}"]
    if (cfg.get("memory") or {}).get("heapHeadroomPerNode"):
        lines.append(f"memory.heap-headroom-per-node={cfg['memory']['heapHeadroomPerNode']}")
    if role == "coordinator":
        lines.append(f"discovery.uri=http://localhost:{port}")
        if server["config"].get("authenticationType"):
            lines.append(f"http-server.authentication.type={server['config']['authenticationType']}")
    else:
        lines.append(f"discovery.uri=http://{full}:{port}")
    lines += list(values.get("additionalConfigProperties") or [])
    extra = server.get("coordinatorExtraConfig" if role == "coordinator" else "workerExtraConfig")
    if extra:
        lines += extra.splitlines()
    return "".join(f"{line}\n" for line in lines)


def render(generated: dict, release: str = "trino", paths: dict | None = None) -> dict:
    """The chart's files and container settings for the collection's values `generated`:
    {"fullname", "port", "workers", "catalogs": {name: text}, "env": [{"name", "value"} | {"name", "secret", "key"}],
     "password_secret": name or None, "uid", "gid", "coordinator": {file: text}, "worker": {file: text}}.
    `paths` sets the chart's own paths (`server.config.path`, `server.node.dataDir`, `server.node.pluginDir`)."""
    unknown = sorted(set(generated) - MIRRORED)
    if unknown:
        raise NotImplementedError(f"stand-in: values {', '.join(unknown)} are not mirrored")
    values = merge(yaml.safe_load(CHART_VALUES.read_text()), generated)
    paths = paths or {}
    node = values["server"]["node"]
    etc = paths.get("etc", values["server"]["config"]["path"])
    if values["server"]["config"]["https"]["enabled"] or values.get("accessControl") or values.get("resourceGroups") \
            or values["server"].get("exchangeManager") or values.get("additionalCatalogs"):
        raise NotImplementedError("stand-in: https, access control, resource groups, exchange manager and "
                                  "additionalCatalogs are not mirrored")
    full = fullname(values, release)
    files = {}
    for role in ("coordinator", "worker"):
        out = {"node.properties": f"node.environment={node['environment']}\n"
                                  f"node.data-dir={paths.get('data', node['dataDir'])}\n"
                                  f"plugin.dir={paths.get('plugin', node['pluginDir'])}\n"
                                  + "".join(f"{p}\n" for p in values.get("additionalNodeProperties") or []),
               "jvm.config": _jvm(values[role]),
               "config.properties": _config(values, role, full),
               "log.properties": f"io.trino={values['server']['log']['trino']['level']}\n"
                                 + "".join(f"{p}\n" for p in values.get("additionalLogProperties") or [])}
        if role == "coordinator" and values["server"]["config"].get("authenticationType") == "PASSWORD":
            out["password-authenticator.properties"] = ("password-authenticator.name=file\n"
                                                        f"file.password-file={etc}/auth/password.db\n")
        files[role] = out
    env = []
    for e in values.get("env") or []:
        ref = (e.get("valueFrom") or {}).get("secretKeyRef")
        env.append({"name": e["name"], "secret": ref["name"], "key": ref["key"]} if ref else {"name": e["name"], "value": e["value"]})
    if values.get("envFrom"):
        raise NotImplementedError("stand-in: envFrom is not mirrored")
    return {"fullname": full, "port": values["service"]["port"], "workers": int(values["server"]["workers"]),
            "catalogs": dict(values["catalogs"]), "env": env,
            "password_secret": (values.get("auth") or {}).get("passwordAuthSecret"),
            "uid": values["securityContext"]["runAsUser"], "gid": values["securityContext"]["runAsGroup"],
            "resources": {role: values[role].get("resources") or {} for role in ("coordinator", "worker")},
            "coordinator": files["coordinator"], "worker": files["worker"]}
