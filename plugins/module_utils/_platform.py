# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform plan: every enabled component of every layer as one dependency graph.
Private to this collection.

`plan(inputs)` reads platform/components.yml, asks each component's unit
(`_components/<name>.py`) for its releases' values and extra objects, and returns:

- `nodes`: Helm releases and object sets (namespaces, node labels, Secrets written from
  controller-side files or ansible-vault), each with its layer, its slice and `depends_on`;
- `slices`: per layer, the nodes it deploys and, for each dependency outside it, a `require`
  (checked deployed with one read before anything of the slice runs);
- `credentials`: every credential set, its keys (generator specs) and the namespaces it must exist in;
- `wiring`: every declared link (consumer -> provider), what `playbooks/status.yml` checks live.

A builder reaches another component only through `Unit`: `u.service("postgresql", "rw")`,
`u.credential("redis", "client")`, `u.database()`, `u.minio_user()`, `u.kafka_user()`. Each is checked against the
consuming component's `consumes` declaration; the names, ports and keys come from the provider's
`provides` declaration. No builder types another component's Service name, port or Secret key.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field

from . import _images, _monitoring, _plan, _secrets

CLUSTER_DOMAIN = "cluster.local"
INGRESS_CLASS = "traefik"
COLLECTION_CHARTS = "collection://charts"
MIB = 1024 * 1024
NS_PREFIX = "namespace/"
HEAP_PERCENT = 70   # a JVM's heap, in percent of its container's memory limit (Unit.heap_options)


@dataclass(frozen=True)
class Account:
    """A kind of consumption that gives the consumer an account of its own at the provider: `consumes.<provider>.
    <kind>` asks for it, the provider's `provides.<provided>.release` makes it from keys added to the consumer's own
    credential set (`keys`: role -> (Secret key, generator spec; `{name}` is the consumer's name))."""
    kind: str
    provided: str
    label: str
    keys: tuple

    def key_specs(self, name: str) -> dict:
        return {key: spec.format(name=name) for _role, (key, spec) in self.keys}


# Every kind of account a consumption can ask for; one table for the credential keys, the implied dependencies,
# the namespaces a set must be readable in and the wiring links.
ACCOUNTS = (
    Account("database", "databases", "database role",
            (("username", ("username", "fixed:{name}")), ("password", ("password", "password")))),
    Account("grants", "grants", "MinIO user",
            (("access_key", ("s3-access-key", "fixed:{name}")), ("secret_key", ("s3-secret-key", "password:40")))),
    Account("user", "users", "Kafka user",
            (("username", ("kafka-username", "fixed:{name}")), ("password", ("kafka-password", "password:32")))),
)
ACCOUNT = {a.kind: a for a in ACCOUNTS}


class PlanError(ValueError):
    """The inputs cannot make a plan (a host without prepared drives, an undeclared link, a missing unit)."""


def quantity_bytes(q) -> int:
    """A Kubernetes memory quantity (32Gi, 512M, 1e9, 1024) in bytes."""
    text = str(q).strip()
    for suffix, factor in (("Ki", 2 ** 10), ("Mi", 2 ** 20), ("Gi", 2 ** 30), ("Ti", 2 ** 40), ("Pi", 2 ** 50),
                           ("k", 10 ** 3), ("M", 10 ** 6), ("G", 10 ** 9), ("T", 10 ** 12), ("P", 10 ** 15)):
        if text.endswith(suffix):
            return int(float(text[:-len(suffix)]) * factor)
    return int(float(text or 0))


def deep_merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass
class Inputs:
    config: dict                                   # openlakes_config: validated, defaults filled, `derived`
    manifest: dict                                 # platform/components.yml
    hosts: dict = field(default_factory=dict)      # host -> {longhorn_disks: [{path}], minio_drives: [{path, size_bytes}]}
    charts_dir: str = ""                           # where the collection's own charts are, on the controller
    node_memory: list = field(default_factory=list)  # each node's allocatable memory (quantities), for `auto`
    used: set = field(default_factory=set)         # (consumer, provider, what, item) the builders asked for

    @property
    def ns(self) -> str:
        return self.config["cluster"]["namespace"]

    @property
    def profile(self) -> str:
        chosen = self.config["resources"]["profile"]
        if chosen != "auto":
            return chosen
        gib = sum(quantity_bytes(q) for q in self.node_memory) / 1024 ** 3
        return "compact" if gib < 48 else "small" if gib < 192 else "full"

    def enabled(self, component: str) -> bool:
        return component in self.config["derived"]["enabled_components"]

    def namespace(self, component: str, release: dict | None = None) -> str:
        ns = (release or {}).get("namespace") or self.manifest["components"][component]["namespace"]
        return {"platform": self.ns, "monitoring": self.config["cluster"]["monitoring_namespace"]}.get(ns, ns)

    def tiering_on(self) -> bool:
        storage = self.config["storage"]
        return bool(storage["cold_nas"]["enabled"] and storage["tiering"]["cold_after_days"] > 0)

    def cold_tier_on(self) -> bool:
        """The cold MinIO on /cold-nas runs: for tiering, or as the target of the backups (components.backup)."""
        backups = self.enabled("backup") and (self.config.get("components") or {}).get("backup", {}).get("target", "cold") == "cold"
        return bool(self.config["storage"]["cold_nas"]["enabled"] and (self.tiering_on() or backups))

    def included(self, release: dict) -> bool:
        return release.get("role") != "cold-tier" or self.cold_tier_on()

    def bucket(self, ref: str) -> str:
        """A grant's bucket: `main` and `notebooks` are core-config's buckets, anything else literal."""
        buckets = self.config["storage"]["minio"]["buckets"]
        return buckets[ref]["name"] if ref in buckets else ref


# --- declarations -----------------------------------------------------------------------

def credential_set(manifest: dict, component: str) -> str | None:
    """The name of the component's own credential set, or None when it has none."""
    comp = manifest["components"][component]
    return (comp.get("credentials") or {}).get("set", component) if set_keys(manifest, component) else None


def set_keys(manifest: dict, component: str) -> dict:
    """Every key of the component's own credential set: its own, plus those its consumption adds."""
    comp = manifest["components"][component]
    keys = dict((comp.get("credentials") or {}).get("keys") or {})
    for decl in (comp.get("consumes") or {}).values():
        for account in ACCOUNTS:
            if decl.get(account.kind):
                keys.update(account.key_specs(component))
    return keys


def all_credential_sets(manifest: dict) -> list:
    """Every credential set any component can have: the one list (schema enum, docs, tests)."""
    return sorted({s for name in manifest["components"] if (s := credential_set(manifest, name))})


@dataclass
class Endpoint:
    """A provided Service port, as a consumer reaches it."""
    service: str
    namespace: str
    port: int
    scheme: str = "http"
    path: str = ""
    region: str = ""

    @property
    def host(self) -> str:
        return f"{self.service}.{self.namespace}.svc.{CLUSTER_DOMAIN}"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.address}{self.path}"


class Unit:
    """One component's view of the platform while its values are built."""

    def __init__(self, inp: Inputs, name: str):
        self.inp, self.name = inp, name
        self.comp = inp.manifest["components"][name]
        self.config = inp.config
        self.override = (inp.config.get("components") or {}).get(name) or {}

    # --- this component --------------------------------------------------------------
    @property
    def ns(self) -> str:
        return self.inp.namespace(self.name)

    @property
    def platform_ns(self) -> str:
        return self.inp.ns

    @property
    def profile(self) -> str:
        return self.inp.profile

    @property
    def tls(self) -> bool:
        return self.config["networking"]["tls"]["mode"] != "none"

    @property
    def domain(self) -> str:
        return self.config["networking"]["domain"]

    def enabled(self, component: str) -> bool:
        return self.inp.enabled(component)

    def setting(self, key: str):
        """The component's own setting `components.<name>.<key>` (declared under `settings` in
        platform/components.yml; the schema filled its default)."""
        if key not in (self.comp.get("settings") or {}):
            raise PlanError(f"the builder of {self.name} read the setting {key}, which platform/components.yml does "
                            f"not declare under components.{self.name}.settings")
        self.inp.used.add((self.name, self.name, "setting", key))
        return self.override.get(key)

    def sizing(self) -> dict:
        return self.comp.get("profiles", {}).get(self.inp.profile, {})

    def resources(self) -> dict:
        """Requests from the resource profile, then core-config's `components.<name>.resources`. A JVM's memory
        limit is its request (its heap is a share of the limit, `heap_options`), unless core-config sets one."""
        prof = self.sizing()
        out = {"requests": {k: str(prof[k]) for k in ("cpu", "memory") if k in prof}}
        given = self.override.get("resources") or {}
        out["requests"].update({k: str(v) for k, v in (given.get("requests") or {}).items()})
        limits = {k: str(v) for k, v in (given.get("limits") or {}).items()}
        if self.comp.get("jvm") and "memory" not in limits and "memory" in out["requests"]:
            limits["memory"] = out["requests"]["memory"]
        if limits:
            out["limits"] = limits
        return out

    def heap_options(self) -> str:
        """JVM options that bound the heap by the container's memory limit (one mechanism for every JVM)."""
        if not self.comp.get("jvm"):
            raise PlanError(f"{self.name}: heap_options() is for components marked `jvm: true` in platform/components.yml")
        return f"-XX:MaxRAMPercentage={HEAP_PERCENT}.0 -XX:+ExitOnOutOfMemoryError"

    def image_source(self, release: dict, index: int = 0) -> str:
        """The release's `index`-th image where it is published (platform/components.yml; core-config's
        `components.<name>.image` replaces the main release's first image)."""
        ref = _images.entries(release)[index]["image"]
        given = self.override.get("image") or {}
        if release.get("main") and index == 0 and given:
            registry, path, tag = _images.split(ref)
            ref = f"{given.get('repository', registry + '/' + path)}:{given.get('tag', tag)}"
        return _images.normal(ref)

    def image_ref(self, release: dict, index: int = 0) -> str:
        """The image as the cluster pulls it: `air_gap.image_registry` replaces its registry."""
        return _images.mirrored(self.image_source(release, index), self.config["air_gap"]["image_registry"])

    def image(self, release: dict, index: int = 0) -> dict:
        """The release's `index`-th image as {repository, tag}, as the cluster pulls it."""
        return _images.values_at("repository", self.image_ref(release, index), "")

    def image_values(self, release: dict) -> dict:
        """Values that set every image of the release through the chart's own keys (`at`, `form`)."""
        out: dict = {}
        for i, entry in enumerate(_images.entries(release)):
            if entry.get("at"):
                out = deep_merge(out, _images.nest(entry["at"], _images.values_at(
                    entry["form"], self.image_ref(release, i), "", entry.get("tag_suffix", ""))))
        return out

    def images(self, release: dict) -> list:
        """Every image of the release: where it is published (`source`), where the cluster pulls it (`image`),
        the values key that sets it (`at`) and what sets it (`set_by`: `values` through that key, `builder` for an
        image the release's builder places, `chart` for one the chart hard-codes, a `hook`)."""
        raw = release.get("images") or []
        return [{"source": self.image_source(release, i), "image": self.image_ref(release, i),
                 "at": entry.get("at", ""), "hook": entry.get("hook", ""), "built_by": release.get("built_by", "") if i == 0 else "",
                 "set_by": "values" if entry.get("at") else "builder" if isinstance(raw[i], str) else "chart"}
                for i, entry in enumerate(_images.entries(release))]

    def host_name(self, component: str | None = None) -> str:
        return f"{self.inp.manifest['components'][component or self.name]['ui']}.{self.domain}"

    def ingress_annotations(self) -> dict:
        """Traefik routes a UI's Ingress: HTTPS with the default (wildcard) certificate when TLS is on,
        basic auth in front of UIs without a login."""
        out = {"traefik.ingress.kubernetes.io/router.entrypoints": "websecure" if self.tls else "web"}
        if self.tls:
            out["traefik.ingress.kubernetes.io/router.tls"] = "true"
        if self.comp.get("ui_auth"):
            out["traefik.ingress.kubernetes.io/router.middlewares"] = f"{self.inp.ns}-ui-auth@kubernetescrd"
        return out

    def own_secret(self) -> str:
        cset = credential_set(self.inp.manifest, self.name)
        if not cset:
            raise PlanError(f"{self.name} has no credential set in platform/components.yml")
        return secret_of(self.inp, cset)

    # --- what it consumes --------------------------------------------------------------
    def consumes(self, provider: str) -> bool:
        """Whether this component consumes the provider in this configuration: declared, and the provider enabled
        (a consumption marked `optional: true` applies only when its provider is on)."""
        return provider in (self.comp.get("consumes") or {}) and self.inp.enabled(provider)

    def _declared(self, provider: str, what: str, item=None):
        if provider == self.name and provider not in (self.comp.get("consumes") or {}):
            return   # its own Service, not a declared link (a declared one, e.g. Grafana -> Prometheus, is checked)
        self.inp.used.add((self.name, provider, what, item))
        decl = (self.comp.get("consumes") or {}).get(provider)
        if decl is None or (item is not None and item not in (decl.get(what) or [])) or (item is None and not decl.get(what)):
            asked = f"{provider}'s {what} {item}" if item is not None else f"{provider}'s {what}"
            raise PlanError(f"the builder of {self.name} asked for {asked}, but platform/components.yml does not "
                            f"declare it under components.{self.name}.consumes.{provider}.{what}")
        if not self.inp.enabled(provider):
            raise PlanError(f"{self.name} consumes {provider}, which is not enabled")

    def service(self, provider: str, port: str) -> Endpoint:
        self._declared(provider, "services", port)
        return endpoint(self.inp, provider, port)

    def credential(self, provider: str, name: str) -> dict:
        """{secret, keys: {role: key}} of a provider's credential, readable in this component's namespace."""
        self._declared(provider, "credentials", name)
        keys = self.inp.manifest["components"][provider]["provides"]["credentials"][name]["keys"]
        return {"secret": secret_of(self.inp, credential_set(self.inp.manifest, provider)), "keys": list(keys)}

    def account(self, provider: str, kind: str) -> dict:
        """This component's own account at a provider (ACCOUNTS): {user, secret, keys: {role: Secret key}}, plus what
        the provider declares of it (`provides.<provided>`, e.g. a Kafka user's mechanism)."""
        self._declared(provider, kind)
        account = ACCOUNT[kind]
        extra = dict((self.inp.manifest["components"][provider].get("provides") or {}).get(account.provided) or {})
        extra.pop("release", None)
        return {**extra, "user": self.name, "secret": self.own_secret(),
                "keys": {role: key for role, (key, _spec) in account.keys}}

    def database(self, provider: str = "postgresql") -> dict:
        """This component's own PostgreSQL role (named after the component) and, unless its declaration is
        `database: {access: read}`, its own database. A read-only role owns no database and reads data only."""
        acc = self.account(provider, "database")
        decl = self.comp["consumes"][provider]["database"]
        access = decl.get("access", "readwrite") if isinstance(decl, dict) else "readwrite"
        data = self.inp.manifest["components"][provider]["provides"]["databases"].get("data_database")
        return {"name": self.name if access == "readwrite" else None, "user": acc["user"], "access": access,
                "data_database": data, "secret": acc["secret"],
                "username_key": acc["keys"]["username"], "password_key": acc["keys"]["password"]}

    def minio_user(self, provider: str = "minio") -> dict:
        """This component's own MinIO user, limited to its grants."""
        acc = self.account(provider, "grants")
        return {"user": acc["user"], "secret": acc["secret"],
                "access_key": acc["keys"]["access_key"], "secret_key": acc["keys"]["secret_key"]}

    def kafka_user(self, provider: str = "kafka") -> dict:
        """This component's own Kafka user (a KafkaUser the provider's release makes; its password is this
        component's own): {user, secret, username_key, password_key, mechanism, security_protocol}."""
        acc = self.account(provider, "user")
        return {**{k: v for k, v in acc.items() if k != "keys"},
                "username_key": acc["keys"]["username"], "password_key": acc["keys"]["password"]}

    # --- what it provides ---------------------------------------------------------------
    def monitor(self, selector: dict, namespace: str | None = None, **endpoint) -> dict:
        """The component's monitor (a ServiceMonitor or PodMonitor, as `metrics` in platform/components.yml
        declares it: kind, port name, path), selecting `selector` (Service or pod labels) in `namespace` (the
        component's own by default); `endpoint` adds fields of the scrape endpoint (basicAuth, params)."""
        decl = self.comp.get("metrics")
        if not decl:
            raise PlanError(f"{self.name}: monitor() needs `metrics` under components.{self.name} in "
                            f"platform/components.yml")
        ns = namespace or self.ns
        endpoints = "endpoints" if decl["kind"] == "ServiceMonitor" else "podMetricsEndpoints"
        return {"apiVersion": "monitoring.coreos.com/v1", "kind": decl["kind"],
                "metadata": {"name": f"openlakes-{self.name.replace('_', '-')}", "namespace": ns,
                             "labels": {"app.kubernetes.io/part-of": "openlakes", "openlakes.io/component": self.name}},
                "spec": {"selector": {"matchLabels": dict(selector)}, "namespaceSelector": {"matchNames": [ns]},
                         endpoints: [{"port": decl["port"], "path": decl["path"], **endpoint,
                                      # Every sample names its component and layer (the overview dashboard's rows).
                                      "relabelings": [
                                          {"action": "replace", "targetLabel": "openlakes_component",
                                           "replacement": self.name},
                                          {"action": "replace", "targetLabel": "openlakes_layer",
                                           "replacement": self.comp["layer"]}]}]}}

    def consumers(self, what: str) -> list:
        """Enabled components that consume an account of this one (`database`, `grants`, `user`): [(name, declaration)]."""
        return [(name, comp["consumes"][self.name]) for name, comp in self.inp.manifest["components"].items()
                if self.inp.enabled(name) and ((comp.get("consumes") or {}).get(self.name) or {}).get(what)]


def secret_of(inp: Inputs, cset: str) -> str:
    """The Secret of a credential set: the user's existing one (credentials.existing_secrets) or the generated one."""
    return (inp.config["credentials"].get("existing_secrets") or {}).get(cset) or _secrets.secret_name(cset)


def endpoint(inp: Inputs, provider: str, port: str) -> Endpoint:
    spec = inp.manifest["components"][provider]["provides"]["services"][port]
    release = next(r for r in inp.manifest["components"][provider]["releases"] if r["name"] == spec["release"])
    return Endpoint(spec["service"], inp.namespace(provider, release), int(spec["port"]),
                    spec.get("scheme", "http"), spec.get("path", ""), spec.get("region", ""))


# --- the plan -------------------------------------------------------------------------

def _units():
    from . import _components
    return _components.UNITS


def _implied_depends(inp: Inputs, component: str) -> list:
    """The releases a component's consumption makes it wait for."""
    out = []
    for provider, decl in (inp.manifest["components"][component].get("consumes") or {}).items():
        if decl.get("optional"):
            continue   # the provider may come with a later layer; the wiring check proves the link once both are up
        provides = inp.manifest["components"][provider].get("provides") or {}
        out += [provides["services"][p]["release"] for p in decl.get("services") or []]
        out += [provides[a.provided]["release"] for a in ACCOUNTS if decl.get(a.kind)]
    return out


def _chart(inp: Inputs, unit: Unit, rel: dict) -> dict:
    chart = dict(rel["chart"])
    if chart.get("repository") == COLLECTION_CHARTS:
        # Shipped inside the collection: a path on the controller, never fetched or mirrored.
        chart = {"name": chart["name"], "version": chart["version"], "path": os.path.join(inp.charts_dir, chart["name"])}
    if rel.get("main") and unit.override.get("chart_version"):
        chart["version"] = unit.override["chart_version"]
    return chart


def plan(inp: Inputs, build_values: bool = True) -> dict:
    """The whole platform. With `build_values` false, values are not built (status: names, links, slices)."""
    comps, units = inp.manifest["components"], _units()
    nodes, images, backups = [], [], []
    for name, comp in comps.items():
        if not inp.enabled(name):
            continue
        unit_mod = units.get(name)
        if unit_mod is None:
            raise PlanError(f"component {name} has no unit (plugins/module_utils/_components/{name}.py)")
        unit = Unit(inp, name)
        implied = _implied_depends(inp, name)
        for rel in comp.get("releases", []):
            if not inp.included(rel):
                continue
            builder = unit_mod.RELEASES.get(rel["name"])
            if builder is None:
                raise PlanError(f"component {name}'s unit has no values builder for its release {rel['name']}")
            values = {}
            if build_values:
                # Every image through the chart's own keys, then what the builder says, then core-config's values.
                values = deep_merge(unit.image_values(rel), builder(unit, rel))
                if rel.get("main"):
                    values = deep_merge(values, unit.override.get("values") or {})
            own = {r["name"] for r in comp["releases"]}
            deps = list(rel.get("depends_on", [])) + [d for d in implied if d not in own]
            images += [dict(i, release=rel["name"], component=name) for i in unit.images(rel)]
            nodes.append({"name": rel["name"], "type": "release", "component": name, "layer": comp["layer"],
                          "namespace": inp.namespace(name, rel), "chart": _chart(inp, unit, rel), "values": values,
                          "depends_on": list(dict.fromkeys(deps)),
                          "timeout": inp.config["timeouts"]["release_seconds"],
                          **({"crds": rel["crds"]} if rel.get("crds") else {})})
        for obj in getattr(unit_mod, "objects", lambda _u, _b: [])(unit, build_values):
            nodes.append({"type": "objects", "component": name, "layer": comp["layer"], "depends_on": [],
                          "data_from": {}, **obj})
        # What the component holds that is backed up, declared by its own unit (playbooks/backup.yml, restore.yml).
        backups += [dict(b, component=name) for b in getattr(unit_mod, "backups", lambda _u: [])(unit)]
        monitors = monitor_node(inp, unit, unit_mod)
        if monitors:
            nodes.append(monitors)
    by_name = {n["name"]: n for n in nodes}
    for n in nodes:
        for target in n.pop("before", []):
            if target in by_name:
                by_name[target]["depends_on"].append(n["name"])
    nodes = _with_namespaces(inp, nodes)
    present = {n["name"] for n in nodes}
    for n in nodes:
        n["depends_on"] = [d for d in n["depends_on"] if d in present]
    try:
        _plan.validate([_plan.Node(n["name"], n["depends_on"]) for n in nodes])
    except _plan.PlanError as exc:
        raise PlanError(f"the platform's dependency graph is not valid: {exc}") from exc
    _assign_slices(nodes)
    return {"nodes": nodes, "slices": _slices(nodes), "credentials": credential_sets(inp),
            "wiring": wiring(inp), "profile": inp.profile, "images": images, "backups": backups, "volume_providers": volume_providers(inp),
            "upgrade_rules": {r["name"]: r["upgrade"] for name, c in comps.items() if inp.enabled(name)
                              for r in c.get("releases", []) if r.get("upgrade")},
            "variables": sorted({src["variable"] for n in nodes for src in (n.get("data_from") or {}).values() if "variable" in src})}


MONITORING = "kube_prometheus_stack"       # the component whose release brings the monitoring CRDs
MONITOR_PREFIX = "monitors/"


def monitor_node(inp: Inputs, unit: Unit, unit_mod) -> dict | None:
    """The component's monitoring objects: its monitors (its unit's `monitors(u)`), its alerting rules
    (`alerts(u)`: one PrometheusRule) and its Grafana dashboards (`dashboards(u)`: ConfigMaps), an object set of the
    component's own layer that waits for the release bringing the monitoring CRDs; that release is pulled into the
    earliest slice that has one (_assign_slices). None when layer 08's kube_prometheus_stack is off or the unit has
    none of them."""
    if not inp.enabled(MONITORING):
        return None
    objects = list(getattr(unit_mod, "monitors", lambda _u: [])(unit))
    rules = getattr(unit_mod, "alerts", lambda _u: [])(unit)
    if rules:
        objects.append(_monitoring.prometheus_rule(unit, rules))
    objects += getattr(unit_mod, "dashboards", lambda _u: [])(unit)
    if not objects:
        return None
    crds = next(r["name"] for r in inp.manifest["components"][MONITORING]["releases"] if r.get("crds"))
    return {"name": MONITOR_PREFIX + unit.name, "type": "objects", "component": unit.name,
            "layer": unit.comp["layer"], "namespace": objects[0]["metadata"]["namespace"],
            "depends_on": [crds], "data_from": {}, "objects": objects}


def _with_namespaces(inp: Inputs, nodes: list) -> list:
    """Every namespace a node lives in is a node of its own, which that node depends on."""
    namespaces: dict = {}
    for n in nodes:
        ns = n.get("namespace")
        if ns:
            namespaces.setdefault(ns, n["layer"])
            n["depends_on"] = [NS_PREFIX + ns] + n["depends_on"]
    for ns, layer in namespaces.items():
        nodes.append({"name": NS_PREFIX + ns, "type": "objects", "component": "", "layer": layer, "depends_on": [],
                      "data_from": {}, "objects": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {
                          "name": ns, "labels": {"app.kubernetes.io/part-of": "openlakes"}}}]})
    return nodes


def _assign_slices(nodes: list) -> None:
    """A node deploys with its own layer, or earlier when a node of an earlier layer needs it (pulled forward:
    e.g. monitoring CRDs that layer 02's ServiceMonitors need)."""
    by = {n["name"]: n for n in nodes}
    for n in nodes:
        n["slice"] = n["layer"]
    changed = True
    while changed:
        changed = False
        for n in nodes:
            for d in n["depends_on"]:
                if by[d]["slice"] > n["slice"]:
                    by[d]["slice"] = n["slice"]
                    changed = True


def _slices(nodes: list) -> dict:
    """Per layer: the names of its nodes, and what it requires from other slices (each a release or a
    namespace that must already exist)."""
    by = {n["name"]: n for n in nodes}
    out = {}
    for layer in sorted({n["slice"] for n in nodes}):
        mine = [n["name"] for n in nodes if n["slice"] == layer]
        needs = sorted({d for name in mine for d in by[name]["depends_on"] if by[d]["slice"] != layer})
        out[layer] = {"nodes": mine, "requires": [{"name": d, "type": by[d]["type"], "namespace": by[d].get("namespace", ""),
                                                   "layer": by[d]["slice"], "component": by[d]["component"],
                                                   "objects": by[d].get("objects", [])}
                                                  for d in needs]}
    return out


def volume_providers(inp: Inputs) -> dict:
    """Release -> the provisioner of the PersistentVolumes it serves (`provides.volumes`), of enabled components."""
    return {v["release"]: v["provisioner"] for name, comp in inp.manifest["components"].items()
            if inp.enabled(name) and (v := (comp.get("provides") or {}).get("volumes"))}


def credential_sets(inp: Inputs) -> list:
    """Each credential set of the enabled components: its Secret, keys (generator specs) and the namespaces it must
    be readable in (its component's own, the provider's where an account of the consumer is made from its keys
    (ACCOUNTS), and a consumer's namespace for a provider's credential)."""
    comps = inp.manifest["components"]
    sets: dict = {}

    def add(component, namespace):
        cset = credential_set(inp.manifest, component)
        entry = sets.setdefault(cset, {"name": cset, "component": component, "secret": secret_of(inp, cset),
                                       "keys": set_keys(inp.manifest, component),
                                       "restart": (comps[component].get("credentials") or {}).get("restart", "rolling"),
                                       "existing": cset in (inp.config["credentials"].get("existing_secrets") or {}),
                                       "namespaces": []})
        if namespace not in entry["namespaces"]:
            entry["namespaces"].append(namespace)

    for name in comps:
        if inp.enabled(name) and credential_set(inp.manifest, name):
            own_ns = (comps[name].get("credentials") or {}).get("namespace")
            add(name, inp.namespace(name, {"namespace": own_ns} if own_ns else None))
            for provider, decl in (comps[name].get("consumes") or {}).items():
                if any(decl.get(a.kind) for a in ACCOUNTS) and inp.enabled(provider):
                    add(name, inp.namespace(provider))
    for name in comps:
        if not inp.enabled(name):
            continue
        for provider, decl in (comps[name].get("consumes") or {}).items():
            for _cred in decl.get("credentials") or []:
                add(provider, inp.namespace(name))
    out = sorted(sets.values(), key=lambda s: s["name"])
    for s in out:
        s["namespaces"] = sorted(s["namespaces"], key=lambda ns: (ns != inp.ns, ns))
    return out


def wiring(inp: Inputs) -> list:
    """Every declared link of the enabled components, as the wiring check verifies it live:
    `service` (the Service, its port and ready endpoints; the consumer's objects name host:port) and
    `secret` (the Secret and its keys in the namespace that reads it; the reader's objects name the Secret)."""
    comps = inp.manifest["components"]
    links = []

    def releases_of(component):
        return [{"name": r["name"], "namespace": inp.namespace(component, r)}
                for r in comps[component].get("releases", []) if inp.included(r)]

    def release(component, name):
        return [r for r in releases_of(component) if r["name"] == name]

    for name, comp in comps.items():
        if not inp.enabled(name):
            continue
        for provider, decl in (comp.get("consumes") or {}).items():
            if not inp.enabled(provider):
                continue
            provides = comps[provider]["provides"]
            for port in decl.get("services") or []:
                ep = endpoint(inp, provider, port)
                links.append({"consumer": name, "provider": provider, "kind": "service", "what": f"service {port}",
                              "service": {"name": ep.service, "namespace": ep.namespace, "port": ep.port},
                              "reference": ep.address, "in_releases": releases_of(name),
                              "apart": port in (decl.get("host_and_port_apart") or [])})
            own = secret_of(inp, credential_set(inp.manifest, name)) if credential_set(inp.manifest, name) else ""
            for cred in decl.get("credentials") or []:
                links.append({"consumer": name, "provider": provider, "kind": "secret", "what": f"credential {cred}",
                              "secret": {"name": secret_of(inp, credential_set(inp.manifest, provider)),
                                         "namespace": inp.namespace(name), "keys": list(provides["credentials"][cred]["keys"])},
                              "in_releases": releases_of(name)})
            for account in ACCOUNTS:
                if not decl.get(account.kind):
                    continue
                keys = sorted(account.key_specs(name))
                links.append({"consumer": name, "provider": provider, "kind": "secret",
                              "what": f"{account.label} (consumer side)",
                              "secret": {"name": own, "namespace": inp.namespace(name), "keys": keys},
                              "in_releases": releases_of(name)})
                links.append({"consumer": name, "provider": provider, "kind": "secret",
                              "what": f"{account.label} (provider side)",
                              "secret": {"name": own, "namespace": inp.namespace(provider), "keys": keys},
                              "in_releases": release(provider, provides[account.provided]["release"])})
    return links
