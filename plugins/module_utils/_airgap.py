# -*- coding: utf-8 -*-
# Copyright: OpenLakes maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The air gap: the bundle to carry in, loading it into the user's mirrors, and checking that they hold what the
platform needs. Private to this collection.

A bundle is one directory (optionally archived as `<dir>.tar.gz`):

- `charts/<name>-<version>.tgz`: every pinned upstream chart of the enabled components, pulled with `helm pull`
  and verified by digest (the repository index's `digest` for a helm repository; OCI pulls are content-addressed);
- `images/images.txt`: every image, `<source> <path in the mirror>` a line; with skopeo or crane on the
  controller, `images/<file>` holds each image (an OCI archive or layout) and the manifest its digest;
- `python/`: the controller's Python requirements (`pip download`), `collections/`: this collection (built);
- `manifest.json` (what is in it, each file's sha256) and `SHA256SUMS` (every file but itself, `sha256sum -c`).

Loading pushes the charts to a directory (served over HTTP, with an index.yaml made by helm), an OCI registry
(`helm push`) or a helm repository's upload API (ChartMuseum's `POST /api/charts`, or `PUT <url>/<file>` for
Nexus and Artifactory), and the images to the user's registry, each at `<registry>/<path>:<tag>`, the name the
values of every release give it when `air_gap.image_registry` is that registry.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

from ansible.module_utils.urls import open_url

from . import _images

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
FORMAT = 1


class AirGapError(Exception):
    """A step of the bundle, the load or the check failed; the message says which and why."""


# --- what the platform needs ------------------------------------------------------------------

def charts_of(plan: dict) -> list:
    """Every upstream chart the plan's releases use (the collection's own charts ship inside it)."""
    out: dict = {}
    for node in plan.get("nodes") or []:
        chart = node.get("chart") or {}
        if node.get("type") != "release" or chart.get("path"):
            continue
        key = (chart["name"], str(chart["version"]))
        entry = out.setdefault(key, {"name": chart["name"], "version": str(chart["version"]),
                                     "repository": chart.get("repository", ""), "releases": []})
        entry["releases"].append(node["name"])
    return sorted(out.values(), key=lambda c: (c["name"], c["version"]))


def images_of(plan: dict) -> list:
    """Every image the plan's releases deploy, once: where it is published (`source`), its path in a mirror
    (`path`, `<path>:<tag>` under the mirror's registry), the releases using it, what sets it and whether the
    collection builds it (`built_by`: no public registry has it)."""
    out: dict = {}
    for image in plan.get("images") or []:
        source = _images.normal(image["source"])
        _registry, path, tag = _images.split(source)
        # A tag pinned by digest (v1@sha256:...) is pushed under its tag; pods pull it by the digest, which holds.
        entry = out.setdefault(source, {"source": source, "path": f"{path}{tag if tag.startswith('@') else ':' + tag.split('@')[0]}",
                                        "releases": [], "set_by": image.get("set_by", ""), "hook": image.get("hook", ""),
                                        "built_by": image.get("built_by", "")})
        entry["releases"].append(image["release"])
        entry["built_by"] = entry["built_by"] or image.get("built_by", "")
    return sorted(out.values(), key=lambda i: i["source"])


def pull_ref(image: dict) -> str:
    """The image's source as copy tools take it: a tag pinned by digest is pulled by the digest alone (skopeo and
    crane refuse a reference with both)."""
    registry, path, tag = _images.split(image["source"])
    return f"{registry}/{path}@{tag.split('@', 1)[1]}" if "@" in tag and not tag.startswith("@") else image["source"]


def target(image: dict, registry: str) -> str:
    return f"{registry.rstrip('/')}/{image['path']}"


def collisions(images: list) -> list:
    """Two images that would land on one name in a mirror (the same path on two registries)."""
    seen: dict = {}
    out = []
    for image in images:
        if image["path"] in seen:
            out.append(f"{seen[image['path']]} and {image['source']} would both be {image['path']} in the mirror")
        seen[image["path"]] = image["source"]
    return out


# --- small tools --------------------------------------------------------------------------------

def run(argv: list, what: str, env=None) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False, env=env, stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise AirGapError(f"{what}: cannot run {argv[0]} ({exc.strerror})") from exc
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise AirGapError(f"{what}: {' '.join(argv[:3])} ... exited {proc.returncode}: {' / '.join(detail)}")
    return proc.stdout + proc.stderr


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_tree(path: str) -> str:
    """A directory's digest (an OCI layout): its files' names and contents in order."""
    h = hashlib.sha256()
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            h.update(os.path.relpath(full, path).encode() + b"\0" + sha256_file(full).encode())
    return h.hexdigest()


def _auth(auth) -> dict:
    if not auth or not auth[0]:
        return {}
    return {"url_username": auth[0], "url_password": auth[1], "force_basic_auth": True}


def fetch(url: str, auth=None, timeout: float = 30.0) -> bytes:
    """GET a URL (the environment's proxy settings apply)."""
    try:
        with open_url(url, timeout=timeout, **_auth(auth)) as resp:
            return resp.read()
    except Exception as exc:  # noqa: BLE001 - open_url raises URLError, HTTPError, SSLError, socket errors
        raise AirGapError(f"GET {url}: {getattr(exc, 'reason', exc)}") from exc


def send(url: str, data: bytes, method: str, auth=None, timeout: float = 120.0) -> int:
    try:
        with open_url(url, data=data, method=method, headers={"Content-Type": "application/gzip"}, timeout=timeout,
                      **_auth(auth)) as resp:
            return resp.status
    except Exception as exc:  # noqa: BLE001 - as fetch
        raise AirGapError(f"{method} {url}: {getattr(exc, 'reason', exc)}") from exc


def chart_file(name: str, version: str) -> str:
    return f"{name}-{version}.tgz"


# --- the bundle: charts ---------------------------------------------------------------------------

def index_entry(index: dict, name: str, version: str):
    for entry in (index.get("entries") or {}).get(name) or []:
        if str(entry.get("version")) == version:
            return entry
    return None


def pull_chart(helm: str, chart: dict, dest: str, repository: str = "", get=fetch) -> dict:
    """Pulls one pinned chart into `dest` with helm and verifies it: for a helm repository, the file's sha256
    must be the repository index's digest of that version; an OCI pull is content-addressed (helm checks the
    layer's digest) and its manifest digest is recorded. `repository` replaces the chart's own (a proxy or a
    caching repository that serves every chart)."""
    name, version = chart["name"], chart["version"]
    repo = (repository or chart["repository"]).rstrip("/")
    what = f"chart {name} {version} from {repo}"
    path = os.path.join(dest, chart_file(name, version))
    if repo.startswith("oci://"):
        out = run([helm, "pull", f"{repo}/{name}", "--version", version, "--destination", dest], what)
        found = re.search(r"Digest:\s*(sha256:[0-9a-f]{64})", out)
        verified = f"OCI manifest {found.group(1)}" if found else "OCI pull (content-addressed)"
        digest = sha256_file(path)
    else:
        import yaml

        index = yaml.safe_load(get(f"{repo}/index.yaml")) or {}
        entry = index_entry(index, name, version)
        if entry is None:
            raise AirGapError(f"{what}: the repository's index.yaml has no version {version} of {name}")
        run([helm, "pull", name, "--repo", repo, "--version", version, "--destination", dest], what)
        digest = sha256_file(path)
        expected = str(entry.get("digest") or "").removeprefix("sha256:")
        if not expected:
            raise AirGapError(f"{what}: the repository's index.yaml gives no digest to verify it by")
        if digest != expected:
            os.unlink(path)
            raise AirGapError(f"{what}: sha256 {digest} is not the index's digest {expected}; the file was removed")
        verified = "index.yaml digest"
    return {"name": name, "version": version, "source": repo, "file": f"charts/{chart_file(name, version)}",
            "sha256": digest, "verified": verified, "releases": chart.get("releases", [])}


# --- the bundle: images ---------------------------------------------------------------------------

TOOLS = ("skopeo", "crane")


def copy_tool(prefer: str = "", which=shutil.which) -> tuple:
    """(name, path) of the image copy tool to use: `prefer`, else skopeo, else crane; ("", "") when none is."""
    for name in ((prefer,) if prefer else TOOLS):
        path = which(name)
        if path:
            return name, path
    return "", ""


def image_file(image: dict) -> str:
    return "images/" + re.sub(r"[^A-Za-z0-9_.-]+", "_", image["path"]) + ".oci"


def pull_argv(tool: str, binary: str, image: dict, dest: str, digest_file: str) -> list:
    """Copies an image from where it is published into the bundle, every platform of it."""
    if tool == "skopeo":
        return [binary, "copy", "--all", "--digestfile", digest_file, f"docker://{pull_ref(image)}",
                f"oci-archive:{dest}"]
    return [binary, "pull", "--platform", "all", "--format", "oci", pull_ref(image), dest]


def push_argv(tool: str, binary: str, archive: str, dest: str, tls_verify: bool = True) -> list:
    """Pushes an image of the bundle to the user's registry."""
    if tool == "skopeo":
        return [binary, "copy", "--all", *([] if tls_verify else ["--dest-tls-verify=false"]),
                f"oci-archive:{archive}", f"docker://{dest}"]
    return [binary, "push", *([] if tls_verify else ["--insecure"]), "--index", archive, dest]


def copy_script(images: list) -> str:
    """The copy step as a script to run elsewhere (where a copy tool is, or later): pulls into the bundle
    (`pull`) or pushes to a registry (`push <registry>`), with skopeo or crane, whichever is installed."""
    lines = ["#!/bin/sh", "# Generated by openlakes.core.airgap_bundle: every image of the bundle's manifest.",
             "# sh images/copy.sh pull            copy each image into images/ (run where the internet is reachable)",
             "# sh images/copy.sh push REGISTRY   push each image of images/ to REGISTRY (inside)",
             "set -eu", 'cd "$(dirname "$0")/.."', 'mode=${1:?pull or push REGISTRY}', 'reg=${2:-}',
             'if command -v skopeo >/dev/null; then tool=skopeo; elif command -v crane >/dev/null; then tool=crane;',
             'else echo "neither skopeo nor crane is installed" >&2; exit 1; fi',
             "copy() {  # source path file",
             '  if [ "$mode" = pull ]; then',
             '    if [ $tool = skopeo ]; then skopeo copy --all "docker://$1" "oci-archive:$3";',
             '    else crane pull --platform all --format oci "$1" "$3"; fi',
             '  else',
             '    if [ $tool = skopeo ]; then skopeo copy --all "oci-archive:$3" "docker://$reg/$2";',
             '    else crane push --index "$3" "$reg/$2"; fi',
             '  fi',
             "}"]
    for image in images:
        if image.get("built_by"):
            lines.append(f"# {image['source']}: built by the collection ({image['built_by']}); push your build to "
                         f"$reg/{image['path']}")
            continue
        lines.append(f"copy {pull_ref(image)} {image['path']} {image_file(image)}")
    return "\n".join(lines) + "\n"


# --- the bundle: sums ---------------------------------------------------------------------------

def files_under(root: str) -> list:
    out = []
    for base, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            rel = os.path.relpath(os.path.join(base, name), root)
            if rel != SUMS:
                out.append(rel)
    return out


def write_sums(root: str) -> str:
    lines = [f"{sha256_file(os.path.join(root, rel))}  {rel}" for rel in files_under(root)]
    with open(os.path.join(root, SUMS), "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return sha256_file(os.path.join(root, SUMS))


def verify_sums(root: str) -> list:
    """Every problem with the bundle's files: missing, changed, or not in SHA256SUMS."""
    sums_file = os.path.join(root, SUMS)
    if not os.path.exists(sums_file):
        return [f"{root} has no {SUMS}: not a bundle made by playbooks/airgap-bundle.yml"]
    listed, problems = {}, []
    with open(sums_file, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                digest, _sep, rel = line.rstrip("\n").partition("  ")
                listed[rel] = digest
    for rel, digest in listed.items():
        path = os.path.join(root, rel)
        if not os.path.exists(path):
            problems.append(f"{rel} is missing")
        elif sha256_file(path) != digest:
            problems.append(f"{rel} does not match its sha256 in {SUMS}")
    problems += [f"{rel} is not in {SUMS}" for rel in files_under(root) if rel not in listed]
    return problems


def read_manifest(root: str) -> dict:
    with open(os.path.join(root, MANIFEST), encoding="utf-8") as fh:
        data = json.load(fh)
    if data.get("format") != FORMAT:
        raise AirGapError(f"{root}/{MANIFEST} is of format {data.get('format')}; this collection reads {FORMAT}")
    return data


# --- loading ---------------------------------------------------------------------------------------

def mirror_kind(mirror: str) -> str:
    if mirror.startswith("oci://"):
        return "oci"
    if re.match(r"^https?://", mirror):
        return "http"
    return "directory"


def load_chart(bundle: str, chart: dict, mirror: str, helm: str, upload: str = "chartmuseum", auth=None,
               get=fetch, put=send) -> str:
    """Puts one chart of the bundle into the mirror; returns what was done."""
    src = os.path.join(bundle, chart["file"])
    name = os.path.basename(src)
    kind = mirror_kind(mirror)
    if kind == "directory":
        dest = os.path.join(mirror, name)
        if os.path.exists(dest) and sha256_file(dest) == chart["sha256"]:
            return "present"
        os.makedirs(mirror, exist_ok=True)
        shutil.copyfile(src, dest)
        return "copied"
    if kind == "oci":
        run([helm, "push", src, mirror.rstrip("/")], f"helm push {name} to {mirror}")
        return "pushed"
    base = mirror.rstrip("/")
    if upload == "put":
        put(f"{base}/{name}", _read(src), "PUT", auth)
    else:
        put(f"{base}/api/charts", _read(src), "POST", auth)
    return "uploaded"


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def index_directory(helm: str, mirror: str) -> None:
    """The directory's index.yaml, so that it can also be served over HTTP as a helm repository."""
    run([helm, "repo", "index", mirror], f"helm repo index {mirror}")


def air_gap_block(chart_mirror: str, image_registry: str) -> str:
    lines = ["air_gap:"]
    lines.append(f"  chart_mirror: {json.dumps(chart_mirror)}" if chart_mirror else "  chart_mirror: \"\"")
    lines.append(f"  image_registry: {json.dumps(image_registry)}" if image_registry else "  image_registry: \"\"")
    return "\n".join(lines)


# --- checking (preflight) -----------------------------------------------------------------------

def mirror_holds(mirror: str, charts: list, helm: str = "helm", get=fetch) -> list:
    """Per chart, whether the chart mirror holds it: [(chart, found, detail)]. A mirror that does not answer
    makes one AirGapError, with what was tried."""
    kind = mirror_kind(mirror)
    out = []
    if kind == "directory":
        if not os.path.isdir(mirror):
            raise AirGapError(f"the chart mirror {mirror} is not a directory on the controller")
        for chart in charts:
            path = os.path.join(mirror, chart_file(chart["name"], chart["version"]))
            out.append((chart, os.path.isfile(path), path if os.path.isfile(path) else f"no {os.path.basename(path)}"))
        return out
    if kind == "http":
        import yaml

        index = yaml.safe_load(get(f"{mirror.rstrip('/')}/index.yaml")) or {}
        for chart in charts:
            entry = index_entry(index, chart["name"], chart["version"])
            out.append((chart, entry is not None, "in index.yaml" if entry else "not in index.yaml"))
        return out
    for chart in charts:
        try:
            run([helm, "show", "chart", f"{mirror.rstrip('/')}/{chart['name']}", "--version", chart["version"]],
                f"chart {chart['name']} {chart['version']}")
            out.append((chart, True, "in the registry"))
        except AirGapError as exc:
            out.append((chart, False, str(exc)))
    return out


# Where a host's container runtime is told how to pull from a registry.
RUNTIME_FILES = ("/etc/rancher/k3s/registries.yaml", "/etc/rancher/rke2/registries.yaml",
                 "/etc/containerd/config.toml", "/etc/containers/registries.conf", "/etc/docker/daemon.json")


def registry_host(registry: str) -> str:
    """The host[:port] of `air_gap.image_registry` (which may carry a path)."""
    return registry.split("/", 1)[0]


def runtime_files(registry: str) -> list:
    """The files preflight reads on each host to see whether its container runtime pulls from `registry`."""
    host = registry_host(registry)
    return list(RUNTIME_FILES) + [f"/etc/containerd/certs.d/{host}/hosts.toml",
                                  f"/var/lib/rancher/k3s/agent/etc/containerd/certs.d/{host}/hosts.toml"]


def runtime_pulls_from(registry: str, paths: dict) -> dict:
    """Whether one host's container runtime is configured for the mirror registry, from what the host read of
    `runtime_files(registry)` ({path: {exists, content}}): {ok, found (what says so, or what was looked at)}.
    k3s/RKE2 registries.yaml naming it under `mirrors` (as a mirror or an endpoint) or `configs`; a containerd
    hosts.toml for it; containerd's config.toml, CRI-O's registries.conf or Docker's daemon.json naming it."""
    host = registry_host(registry)
    found = []
    for path in runtime_files(registry):
        state = paths.get(path) or {}
        if not state.get("exists"):
            continue
        text = state.get("content") or ""
        if path.endswith("hosts.toml"):
            found.append(path)
        elif path.endswith("registries.yaml") and _registries_yaml_names(text, host):
            found.append(path)
        elif not path.endswith("registries.yaml") and re.search(r"[\"'/=\s]" + re.escape(host) + r"[\"'/\]\s]", " " + text + " "):
            found.append(path)
    if found:
        return {"ok": True, "found": f"{host} in {', '.join(found)}"}
    return {"ok": False, "found": f"{host} in none of {', '.join(sorted({os.path.dirname(p) for p in runtime_files(registry)}))}"}


def _registries_yaml_names(text: str, host: str) -> bool:
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return False
    if not isinstance(data, dict):
        return False
    configs = data.get("configs") or {}
    if isinstance(configs, dict) and host in configs:
        return True
    mirrors = data.get("mirrors") if isinstance(data.get("mirrors"), dict) else {}
    for name, mirror in mirrors.items():
        endpoints = (mirror.get("endpoint") or []) if isinstance(mirror, dict) else []
        if name == host or any(re.match(r"^(https?://)?" + re.escape(host) + r"(/|$)", str(e)) for e in endpoints):
            return True
    return False


# --- the whole bundle ------------------------------------------------------------------------------

def build_bundle(plan: dict, dest: str, helm: str = "helm", chart_repository: str = "", images_mode: str = "auto",
                 image_tool: str = "", python: bool = True, collection: bool = True, archive: bool = False,
                 check_mode: bool = False, collection_root: str = "", requirements: str = "", version: str = "",
                 get=fetch, which=shutil.which) -> dict:
    """Writes the bundle (see the module's description); returns {changed, path, archive, manifest, sums_sha256}."""
    charts, images = charts_of(plan), images_of(plan)
    clash = collisions(images)
    if clash:
        raise AirGapError("two images would share one name in a mirror: " + "; ".join(clash))
    tool, tool_path = ("", "") if images_mode == "list" else copy_tool(image_tool, which)
    if images_mode == "copy" and not tool:
        raise AirGapError(f"images: copy needs {image_tool or 'skopeo or crane'} on the controller; none is "
                          f"installed (images: list or auto write the list and images/copy.sh without one)")
    before = _read_text(os.path.join(dest, SUMS))
    previous = _previous_images(dest)
    manifest = {"format": FORMAT, "collection": f"openlakes.core {version}".strip(),
                "enabled_components": sorted({n.get("component") for n in plan.get("nodes") or []
                                              if n.get("type") == "release"}),
                "charts": [dict(c, file=f"charts/{chart_file(c['name'], c['version'])}") for c in charts],
                "images": images, "copy_tool": tool, "python": {}, "collections": []}
    if check_mode:
        return {"changed": not before, "path": dest, "archive": "", "manifest": manifest, "sums_sha256": ""}
    for sub in ("charts", "images"):
        os.makedirs(os.path.join(dest, sub), exist_ok=True)
    manifest["charts"] = [pull_chart(helm, c, os.path.join(dest, "charts"), chart_repository, get) for c in charts]
    for image in images:
        rel = image_file(image)
        path = os.path.join(dest, rel)
        if image["built_by"]:
            continue
        if not tool:
            if os.path.exists(path):  # copied by images/copy.sh where a copy tool is: checksummed, digest unknown
                image["file"] = rel
            continue
        old = previous.get(image["source"]) or {}
        if old.get("file") == rel and old.get("digest") and os.path.exists(path):
            image.update(file=rel, digest=old["digest"])
            continue
        digest_file = os.path.join(dest, "images", ".digest")
        run(pull_argv(tool, tool_path, image, path, digest_file), f"image {image['source']}")
        if tool == "skopeo":
            digest = _read_text(digest_file).strip()
            os.unlink(digest_file)
        else:
            digest = run([tool_path, "digest", pull_ref(image)], f"digest of {image['source']}").strip()
        image.update(file=rel, digest=digest)
    with open(os.path.join(dest, "images", "images.txt"), "w", encoding="utf-8") as fh:
        fh.write("".join(f"{i['source']} {i['path']}\n" for i in images))
    with open(os.path.join(dest, "images", "copy.sh"), "w", encoding="utf-8") as fh:
        fh.write(copy_script(images))
    if python:
        manifest["python"] = _python_requirements(dest, requirements)
    if collection:
        manifest["collections"] = _build_collection(dest, collection_root, which)
    manifest["files"] = {rel: sha256_file(os.path.join(dest, rel)) for rel in files_under(dest) if rel != MANIFEST}
    with open(os.path.join(dest, MANIFEST), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)
        fh.write("\n")
    sums = write_sums(dest)
    out = {"changed": _read_text(os.path.join(dest, SUMS)) != before, "path": dest, "archive": "", "manifest": manifest,
           "sums_sha256": sums}
    if archive:
        out["archive"] = write_archive(dest)
    return out


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        return ""


def _previous_images(dest: str) -> dict:
    try:
        return {i["source"]: i for i in read_manifest(dest).get("images") or []}
    except (OSError, ValueError, AirGapError):
        return {}


def _python_requirements(dest: str, requirements: str) -> dict:
    """The controller's Python requirements as files pip installs offline (`pip install --no-index -f python/`)."""
    out_dir = os.path.join(dest, "python")
    os.makedirs(out_dir, exist_ok=True)
    shutil.copyfile(requirements, os.path.join(out_dir, "requirements.txt"))
    run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q", "-r", requirements,
         "-d", out_dir], "pip download of the controller's requirements")
    return {"requirements": "python/requirements.txt", "python": ".".join(map(str, sys.version_info[:2])),
            "files": sorted(f for f in os.listdir(out_dir) if f != "requirements.txt")}


def _build_collection(dest: str, root: str, which=shutil.which) -> list:
    out_dir = os.path.join(dest, "collections")
    os.makedirs(out_dir, exist_ok=True)
    galaxy = os.path.join(os.path.dirname(sys.executable), "ansible-galaxy")
    galaxy = galaxy if os.path.exists(galaxy) else (which("ansible-galaxy") or "ansible-galaxy")
    run([galaxy, "collection", "build", root, "--output-path", out_dir, "--force"], "ansible-galaxy collection build")
    return sorted(f"collections/{f}" for f in os.listdir(out_dir) if f.endswith(".tar.gz"))


def write_archive(dest: str) -> str:
    """`<dest>.tar.gz`, its members in order under the bundle's name."""
    path = dest.rstrip("/") + ".tar.gz"
    top = os.path.basename(dest.rstrip("/"))
    with tarfile.open(path, "w:gz") as tar:
        for rel in sorted(files_under(dest) + [SUMS]):
            tar.add(os.path.join(dest, rel), arcname=f"{top}/{rel}", recursive=False)
    return path


def unpack(archive: str) -> str:
    """Unpacks a bundle archive beside itself (refusing members outside it); returns the bundle's directory."""
    base = os.path.dirname(os.path.abspath(archive))
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        tops = {m.name.split("/", 1)[0] for m in members}
        for m in members:
            if m.name.startswith("/") or ".." in m.name.split("/") or not (m.isfile() or m.isdir()):
                raise AirGapError(f"{archive}: member {m.name} is not a plain file inside the bundle; not unpacked")
        if len(tops) != 1:
            raise AirGapError(f"{archive}: holds {len(tops)} top-level directories, a bundle has one")
        tar.extractall(base, members=members)  # noqa: S202 - every member checked above
    return os.path.join(base, tops.pop())


def load_bundle(bundle: str, chart_mirror: str = "", chart_upload: str = "chartmuseum", auth=None,
                chart_mirror_url: str = "", image_registry: str = "", image_tool: str = "", tls_verify: bool = True,
                helm: str = "helm", check_mode: bool = False, which=shutil.which, put=send) -> dict:
    """Verifies the bundle, then loads its charts and images (see the module's description)."""
    root = unpack(bundle) if bundle.endswith((".tar.gz", ".tgz")) and os.path.isfile(bundle) else bundle
    problems = verify_sums(root)
    if problems:
        raise AirGapError(f"the bundle {root} does not match its {SUMS}, nothing was loaded: " + "; ".join(problems))
    manifest = read_manifest(root)
    charts, images, changed = [], [], False
    if chart_mirror:
        for chart in manifest["charts"]:
            if check_mode:
                done = "present" if mirror_kind(chart_mirror) == "directory" and os.path.exists(
                    os.path.join(chart_mirror, os.path.basename(chart["file"]))) else "would load"
            else:
                done = load_chart(root, chart, chart_mirror, helm, chart_upload, auth, put=put)
            changed |= done not in ("present",)
            charts.append({"name": chart["name"], "version": chart["version"], "done": done})
        if mirror_kind(chart_mirror) == "directory" and not check_mode and (
                changed or not os.path.exists(os.path.join(chart_mirror, "index.yaml"))):
            index_directory(helm, chart_mirror)
    if image_registry:
        tool, tool_path = copy_tool(image_tool, which)
        for image in manifest["images"]:
            dest = target(image, image_registry)
            row = {"source": image["source"], "target": dest}
            if image.get("built_by"):
                row["done"] = f"built by the collection ({image['built_by']}): push your build"
            elif not image.get("file") or not os.path.exists(os.path.join(root, image["file"])):
                row["done"] = "not in the bundle"
            elif not tool:
                raise AirGapError(f"the bundle holds images but neither {image_tool or 'skopeo nor crane'} is installed "
                                  f"here to push them to {image_registry}")
            elif check_mode:
                row["done"] = "would push"
                changed = True
            else:
                run(push_argv(tool, tool_path, os.path.join(root, image["file"]), dest, tls_verify), f"push {dest}")
                row["done"] = "pushed"
                changed = True
            images.append(row)
    air_gap = {"chart_mirror": chart_mirror_url or chart_mirror, "image_registry": image_registry}
    return {"changed": changed, "path": root, "charts": charts, "images": images, "air_gap": air_gap,
            "air_gap_block": air_gap_block(air_gap["chart_mirror"], image_registry)}


def check_rows(plan: dict, chart_mirror: str, helm: str = "helm", get=fetch) -> dict:
    """Preflight's rows for the chart mirror: that it answers, then one per pinned chart."""
    charts = charts_of(plan)
    rows = []

    def row(check, expected, found, ok):
        rows.append({"check": check, "expected": expected, "found": found, "ok": ok,
                     "summary": f"{check} (expected {expected}, found {found})"})
    try:
        held = mirror_holds(chart_mirror, charts, helm, get)
    except AirGapError as exc:
        row(f"chart mirror {chart_mirror}", "answers", str(exc), False)
        return {"checks": rows, "missing": [f"{c['name']}-{c['version']}" for c in charts]}
    row(f"chart mirror {chart_mirror}", "answers", f"answers ({len(charts)} pinned charts)", True)
    for chart, found, detail in held:
        row(f"chart {chart['name']} {chart['version']}", "in the chart mirror", "present" if found else detail, found)
    return {"checks": rows, "missing": [f"{c['name']}-{c['version']}" for c, found, _d in held if not found]}
