# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container images as data. Private to this collection.

Each release in platform/components.yml lists every image its chart deploys (`images`). An entry is the
image (fully qualified, `registry/path:tag`) and where the chart reads it (`at`, a values key, and `form`):

- `repository`: `{repository: <registry>/<path>, tag}` (MinIO, Nessie, CloudNativePG, cert-manager's full override);
- `registry`: `{registry, repository: <path>, tag}` (Longhorn, Traefik);
- `reference`: one string `<registry>/<path>:<tag>` (CloudNativePG's `cluster.imageName`);
- `name`: `{registry, repository: <namespace>, name: <last path segment>, tag}`, joined by the chart as
  `registry/repository/name:tag` (Strimzi's image maps). With `tag_suffix` (the suffix the chart's templates append,
  Strimzi's `-kafka-<version>`), the key holds `tagPrefix: <tag less the suffix>` instead of `tag`.

A tag may carry a digest (`v0.91.0@sha256:...`, as Alloy's config reloader is pinned): it stays in the tag.

An entry without `at` is an image the chart hard-codes (a `helm test` hook): no key of the chart reaches it,
so it keeps its public name; `hook` says which. A plain string is an image the release's values builder places
itself. `air_gap.image_registry` replaces the registry of every image: `<mirror>/<path>:<tag>`, the name under
which the bundle (playbooks/airgap-load.yml) pushes it.
"""
from __future__ import annotations

FORMS = ("repository", "registry", "reference", "name")
DOCKER_HUB = "docker.io"


def entries(release: dict) -> list:
    """The release's images as dicts: {image, at?, form?, hook?}."""
    return [{"image": e} if isinstance(e, str) else dict(e) for e in release.get("images") or []]


def split(ref: str) -> tuple:
    """(registry, path, tag) of an image reference. A name without a registry is on Docker Hub, whose
    single-name images are `library/<name>`; a reference without a tag is `latest`; a digest stays with the tag
    (`v1@sha256:...`), or is the tag (`@sha256:...`) when there is no other."""
    name, tag, digest = ref, "latest", ""
    if "@" in name:
        name, _sep, digest = name.partition("@")
        tag = "@" + digest
    if ":" in name.rsplit("/", 1)[-1]:
        name, _sep, tag = name.rpartition(":")
        tag = f"{tag}@{digest}" if digest else tag
    first, _sep, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first, rest, tag
    return DOCKER_HUB, name if "/" in name else f"library/{name}", tag


def join(registry: str, path: str, tag: str) -> str:
    return f"{registry}/{path}{tag if tag.startswith('@') else ':' + tag}"


def normal(ref: str) -> str:
    """The fully qualified form of a reference (`redis` is `docker.io/library/redis:latest`)."""
    return join(*split(ref))


def mirrored(ref: str, mirror: str) -> str:
    """Where the image is found once mirrored: the mirror replaces its registry; without one, the reference
    itself (fully qualified)."""
    registry, path, tag = split(ref)
    return join(mirror.rstrip("/") if mirror else registry, path, tag)


def on_registry(ref: str, mirror: str) -> bool:
    """Whether a reference names an image on `mirror` (a host[:port], optionally with a path)."""
    return normal(ref).startswith(mirror.rstrip("/") + "/")


def values_at(form: str, ref: str, mirror: str, suffix: str = ""):
    """What the chart's key of that form holds for the image (mirrored when a mirror is set); `suffix` is what the
    chart appends to the key's tag prefix (form `name` only)."""
    registry, path, tag = split(mirrored(ref, mirror) if mirror else ref)
    if suffix and form != "name":
        raise ValueError(f"a tag suffix ({suffix}) is for form `name` only, not {form!r}")
    if form == "name":
        namespace, _sep, name = path.rpartition("/")
        out = {"registry": registry, "repository": namespace, "name": name}
        if not suffix:
            return {**out, "tag": tag}
        if not tag.endswith(suffix) or tag == suffix:
            raise ValueError(f"{ref}: its tag does not end in the chart's suffix {suffix}")
        return {**out, "tagPrefix": tag[:-len(suffix)]}
    if form == "registry":
        return {"registry": registry, "repository": path, "tag": tag}
    if form == "repository":
        return {"repository": f"{registry}/{path}", "tag": tag}
    if form == "reference":
        return join(registry, path, tag)
    raise ValueError(f"unknown image form {form!r} (one of {', '.join(FORMS)})")


def nest(key: str, value) -> dict:
    """`a.b.c` and a value as {a: {b: {c: value}}}."""
    out = value
    for part in reversed(key.split(".")):
        out = {part: out}
    return out


# --- finding image references in values -------------------------------------------------------
# What charts call their image keys: a map with `repository` (and `registry`, `tag`, `name`, `digest`), a map with
# `image` and `registry` (marketplace variants), and strings under keys named like an image.
REGISTRY_KEYS = ("imageRegistry", "defaultImageRegistry")
NAMESPACE_KEYS = ("imageNamespace", "defaultImageRepository")
TAG_KEYS = ("defaultImageTag",)


def _is_image_key(key: str) -> bool:
    return key in ("image", "imageName") or key.endswith("Image") or key.upper().endswith(("_IMAGE", "_IMAGE_NAME"))


def _chart_default(values: dict, keys: tuple) -> str:
    for key in keys:
        for where in (values, (values.get("global") or {}) if isinstance(values.get("global"), dict) else {}):
            if isinstance(where.get(key), str) and where[key]:
                return where[key]
    return ""


def find(values, top=None, path=(), suffixes=None):
    """Every image reference in a chart's (coalesced) values: (key path, reference or "" when the chart's
    templates decide it, the map or string found). A map with an empty repository and a `name` is built
    from the chart-wide registry, namespace and tag keys (`imageRegistry`/`imageNamespace`). In a chart with
    Strimzi's chart-wide keys (`defaultImageRegistry`/`defaultImageRepository`/`defaultImageTag`), a map with a
    `name` is always `registry/repository/name` (each part defaulting to the chart-wide key), and a `tagPrefix` gets
    the suffix its templates append: `suffixes` (dotted key path -> suffix), none where it is not given."""
    top = values if top is None else top
    if isinstance(values, dict):
        if "repository" in values and not isinstance(values.get("repository"), (dict, list)):
            yield path, _resolve(values, top, (suffixes or {}).get(".".join(path), "")), values
            return
        if "image" in values and "registry" in values and isinstance(values.get("image"), str):
            ref = f"{values['registry']}/{values['image']}" if values.get("registry") else values["image"]
            yield path, _with_tag(ref, values.get("tag")), values
            return
        for key, value in values.items():
            here = path + (str(key),)
            if isinstance(value, str) and _is_image_key(str(key)):
                if value.strip():
                    yield here, value.strip(), value
            elif isinstance(value, (dict, list)):
                yield from find(value, top, here, suffixes)
    elif isinstance(values, list):
        for i, item in enumerate(values):
            yield from find(item, top, path + (str(i),), suffixes)


def _with_tag(ref: str, tag) -> str:
    if not ref:
        return ""
    if tag and ":" not in ref.rsplit("/", 1)[-1] and "@" not in ref:
        return f"{ref}:{tag}"
    return ref


def _strimzi_style(image: dict, top: dict) -> bool:
    return bool(image.get("name")) and "defaultImageRepository" in top


def _resolve(image: dict, top: dict, suffix: str = "") -> str:
    if _strimzi_style(image, top):
        parts = (image.get("registry") or top.get("defaultImageRegistry") or "",
                 image.get("repository") or top.get("defaultImageRepository") or "", image["name"])
        ref = "/".join(str(p).strip("/") for p in parts if p)
        if image.get("digest"):
            return f"{ref}@{image['digest']}"
        tag = image.get("tag") or f"{image.get('tagPrefix') or top.get('defaultImageTag') or ''}{suffix}"
        return _with_tag(ref, tag)
    repo = image.get("repository") or ""
    registry = image.get("registry") or ""
    tag = image.get("tag")
    if not repo and image.get("name"):
        namespace = _chart_default(top, NAMESPACE_KEYS)
        repo = f"{namespace}/{image['name']}" if namespace else image["name"]
        registry = registry or _chart_default(top, REGISTRY_KEYS)
        tag = tag or _chart_default(top, TAG_KEYS)
    if not repo:
        return ""
    ref = f"{registry.rstrip('/')}/{repo}" if registry else repo
    digest = image.get("digest")
    if digest:
        return f"{ref}@{digest}"
    return _with_tag(ref, tag)
