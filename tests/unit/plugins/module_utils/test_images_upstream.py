"""Images are data (platform/components.yml `images`), and `air_gap.image_registry` reaches every one of them.

For every release of every implemented component (configuration `lab+air-gap-everything` enables them all), the
generated values are laid over the chart's own values.yaml (tests/upstream-charts/<chart>/<version>/, or
charts/<name>/ for the collection's charts), as helm does, and every image reference in the result is found
(`_images.find`: maps with repository/registry/tag/name, image-named strings such as `imageName`). With the
mirror set, each must be on the mirror, unless the release lists its key under `images_unused`; without it, each
must be one of the release's listed images, so the list is what the cluster pulls. The failure names the
release, the values key and the registry it was left on. A component merged later is picked up by the same
tests: its releases are in the plan as soon as it is implemented.

`python tests/unit/plugins/module_utils/test_images_upstream.py` prints, per release, the images listed and how
many of them the values leave on a public registry with the mirror set."""
from __future__ import annotations

import copy
import functools
import sys
from pathlib import Path

import pytest
import yaml

if __name__ == "__main__":  # run as a script: the same imports as under pytest
    sys.path[:0] = [str(Path(__file__).resolve().parents[4] / ".build" / "collections")]

from ansible_collections.openlakes.core.plugins.module_utils import _config, _images  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import values_configs  # noqa: E402
from test_values_upstream import coalesce, upstream  # noqa: E402

MIRROR = values_configs.MIRROR
MANIFEST = _config.load_manifest()
RELEASE_DECL = {r["name"]: r for c in MANIFEST["components"].values() for r in c.get("releases") or []}


@functools.lru_cache(maxsize=None)
def plans():
    """(plan with the mirror, plan without), every implemented component enabled."""
    config, _hosts = values_configs.configs()["lab+air-gap-everything"]
    base = yaml.safe_load((values_configs.REPO / "inventories" / "lab" / "core-config.yaml").read_text())
    res = _config.load(str(values_configs.EXAMPLES[0]), _hosts, check_files=False,
                       text=yaml.safe_dump(values_configs.everything(base, "")))
    assert res.ok, [p.render() for p in res.problems]
    return values_configs.plan(config), values_configs.plan(res.config)


def chart_defaults(release: dict) -> dict:
    """The chart's default values, with each subchart's own (tests/upstream-charts/<chart>/<version>/charts/) under
    its key, as helm coalesces them."""
    chart = release["chart"]
    if chart.get("path"):
        return yaml.safe_load((Path(chart["path"]) / "values.yaml").read_text()) or {}
    return upstream(chart)[0]


def unused(keys, path: tuple) -> bool:
    dotted = ".".join(path)
    return any(dotted == k or dotted.startswith(k + ".") for k in keys or {})


def found_images(release: dict, defaults=None, unused_keys=None):
    """(key path, reference) of every image the release's values (over the chart's defaults) deploy, except keys
    the release lists under `images_unused`. A key whose chart appends a suffix to its tag prefix (Strimzi's
    -kafka-<version>) gets the suffix its `images` entry declares (`tag_suffix`), none otherwise."""
    decl = RELEASE_DECL.get(release["name"]) or {}
    if unused_keys is None:
        unused_keys = decl.get("images_unused")
    suffixes = {e["at"]: e["tag_suffix"] for e in _images.entries(decl) if e.get("at") and e.get("tag_suffix")}
    merged = coalesce(chart_defaults(release) if defaults is None else defaults, copy.deepcopy(release["values"]))
    return [(path, ref) for path, ref, _f in _images.find(merged, suffixes=suffixes) if not unused(unused_keys, path)]


def left_public(release: dict, mirror: str, **kw) -> list:
    """Each image of the release that is not on `mirror`, as a sentence naming the release and values key."""
    out = []
    for path, ref in found_images(release, **kw):
        key = ".".join(path)
        if not ref:
            out.append(f"{release['name']}: values key {key} is left to the chart's templates (a public default)")
        elif not _images.on_registry(ref, mirror):
            out.append(f"{release['name']}: values key {key} is left on {_images.split(ref)[0]} ({ref})")
    return out


def unlisted(release: dict, listed: set, **kw) -> list:
    """Each image of the release that its `images` do not list, or whose tag the chart decides."""
    out = []
    for path, ref in found_images(release, **kw):
        key = ".".join(path)
        if not ref or ":" not in ref.rsplit("/", 1)[-1] and "@" not in ref:
            out.append(f"{release['name']}: values key {key} leaves the image{' tag' if ref else ''} to the chart "
                       f"({ref or 'no repository'}); pin it in platform/components.yml")
        elif _images.normal(ref) not in listed:
            out.append(f"{release['name']}: values key {key} deploys {ref}, which its `images` in "
                       f"platform/components.yml do not list")
    return out


def by_release(plan: dict) -> dict:
    return {r["name"]: r for r in plan["releases"]}


def images_of(plan: dict, name: str) -> list:
    return [i for i in plan["images"] if i["release"] == name]


NAMES = sorted(by_release(plans()[0]))


def test_every_release_of_every_implemented_component_is_checked():
    implemented = {r["name"] for c in MANIFEST["components"].values() if c.get("implemented", True)
                   for r in c.get("releases") or []}
    assert set(NAMES) == implemented


@pytest.mark.parametrize("name", NAMES)
def test_no_image_is_left_on_a_public_registry_when_a_mirror_is_set(name):
    release = by_release(plans()[0])[name]
    problems = left_public(release, MIRROR)
    assert not problems, "; ".join(problems)


@pytest.mark.parametrize("name", NAMES)
def test_every_image_the_values_deploy_is_listed(name):
    plan = plans()[1]
    listed = {i["source"] for i in images_of(plan, name)}
    problems = unlisted(by_release(plan)[name], listed)
    assert not problems, "; ".join(problems)


@pytest.mark.parametrize("name", NAMES)
def test_every_listed_image_is_set_where_it_says_and_mirrored(name):
    """Each `at` holds the image (the chart's key is right, and the plan set it), on the mirror; an image its
    builder places is in the values, mirrored; an image the chart hard-codes says which hook it belongs to."""
    plan = plans()[0]
    found = dict(found_images(by_release(plan)[name]))
    deployed = {_images.normal(ref) for ref in found.values() if ref}
    for image in images_of(plan, name):
        assert image["image"] == _images.mirrored(image["source"], MIRROR)
        if image["set_by"] == "builder":
            assert image["image"] in deployed, f"{name}: its builder does not place {image['image']} ({sorted(deployed)})"
            continue
        if image["set_by"] == "chart":
            assert image["hook"], f"{name}: {image['source']} has neither `at` (its values key) nor `hook`"
            continue
        got = found.get(tuple(image["at"].split(".")))
        assert got and _images.normal(got) == image["image"], (name, image["at"], got)


def test_a_release_that_leaves_an_image_public_is_named_with_its_key():
    """What a new component (say Trino) whose builder forgets its image would see."""
    release = {"name": "trino", "values": {"server": {"workers": 2}},
               "chart": {"path": "", "name": "trino", "version": "1.42.2"}}
    defaults = {"image": {"registry": "", "repository": "trinodb/trino", "tag": ""},
                "jmx": {"exporter": {"image": "bitnamilegacy/jmx-exporter:1.4.0"}},
                "operator": {"image": {"name": "operator", "registry": "", "repository": "", "tag": ""}},
                "defaultImageRegistry": "quay.io", "defaultImageRepository": "strimzi",
                "sidecar": {"image": {"repository": None, "tag": None}}}
    kw = {"defaults": defaults, "unused_keys": {"jmx.exporter": "only with jmx.exporter.enabled"}}
    assert left_public(release, MIRROR, **kw) == [
        "trino: values key image is left on docker.io (trinodb/trino)",
        "trino: values key operator.image is left on quay.io (quay.io/strimzi/operator)",
        "trino: values key sidecar.image is left to the chart's templates (a public default)"]
    release["values"] = {"image": {"registry": MIRROR, "repository": "trinodb/trino", "tag": "480"},
                         "defaultImageRegistry": MIRROR, "sidecar": {"image": {"repository": f"{MIRROR}/x"}}}
    assert left_public(release, MIRROR, **kw) == []
    assert unlisted(release, {f"{MIRROR}/trinodb/trino:480"}, **kw) == [
        f"trino: values key operator.image leaves the image tag to the chart ({MIRROR}/strimzi/operator); "
        "pin it in platform/components.yml",
        f"trino: values key sidecar.image leaves the image tag to the chart ({MIRROR}/x); "
        "pin it in platform/components.yml"]


def strimzi_defaults() -> dict:
    return {"defaultImageRegistry": "quay.io", "defaultImageRepository": "strimzi", "defaultImageTag": "1.2.0",
            "image": {"name": "operator", "registry": "", "repository": "", "tag": ""}}


def test_references_are_split_as_a_container_runtime_reads_them():
    assert _images.split("redis:7.4.6") == ("docker.io", "library/redis", "7.4.6")
    assert _images.split("longhornio/longhorn-ui:v1.12.1") == ("docker.io", "longhornio/longhorn-ui", "v1.12.1")
    assert _images.split("registry.internal:5000/a/b") == ("registry.internal:5000", "a/b", "latest")
    assert _images.split("localhost/x@sha256:ab") == ("localhost", "x", "@sha256:ab")
    assert _images.split("quay.io/a/b:v1@sha256:ab") == ("quay.io", "a/b", "v1@sha256:ab")
    assert _images.mirrored("quay.io/a/b:v1@sha256:ab", "m.local:5000") == "m.local:5000/a/b:v1@sha256:ab"
    assert _images.values_at("name", "quay.io/strimzi/kafka:1.2.0-kafka-4.3.1", "m.local:5000", "-kafka-4.3.1") == {
        "registry": "m.local:5000", "repository": "strimzi", "name": "kafka", "tagPrefix": "1.2.0"}
    with pytest.raises(ValueError, match="does not end in the chart's suffix -kafka-4.2.0"):
        _images.values_at("name", "quay.io/strimzi/kafka:1.2.0-kafka-4.3.1", "", "-kafka-4.2.0")
    kafka = {**strimzi_defaults(), "kafka": {"image": {"registry": "m:5000", "repository": "strimzi", "name": "kafka",
                                                       "tagPrefix": "1.2.0"}}}
    assert [ref for p, ref, _f in _images.find(kafka, suffixes={"kafka.image": "-kafka-4.3.1"}) if p == ("kafka", "image")] \
        == ["m:5000/strimzi/kafka:1.2.0-kafka-4.3.1"]
    assert [ref for _p, ref, _f in _images.find(strimzi_defaults())] == ["quay.io/strimzi/operator:1.2.0"]
    assert _images.mirrored("quay.io/jetstack/cert-manager-webhook:v1.21.1", "m.local:5000/mirror/") == \
        "m.local:5000/mirror/jetstack/cert-manager-webhook:v1.21.1"
    assert _images.on_registry("m.local:5000/mirror/x:1", "m.local:5000/mirror")
    assert not _images.on_registry("m.local:5000/mirrorx/x:1", "m.local:5000/mirror")


def counts() -> list:
    """Per release: images listed, and of the images its values deploy, how many a mirror reaches."""
    with_mirror, _without = plans()
    rows = []
    for name in NAMES:
        release = by_release(with_mirror)[name]
        found = found_images(release)
        hooks = [i for i in images_of(with_mirror, name) if not i["at"]]
        rows.append((name, len(images_of(with_mirror, name)), len(found),
                     sum(1 for _p, r in found if r and _images.on_registry(r, MIRROR)), len(hooks)))
    return rows


if __name__ == "__main__":
    print(f"{'release':16} {'listed':>6} {'in values':>9} {'on mirror':>9} {'hooks':>5}")
    for row in counts():
        print(f"{row[0]:16} {row[1]:6} {row[2]:9} {row[3]:9} {row[4]:5}")
