{{- /*
The stand-ins' one renderer (lab only). A stand-in declares its objects as a list of specs (usually YAML in a
`define`, read with fromYamlArray) and includes "standin.render" with them; each spec is turned into one
Kubernetes object, every object and pod labelled openlakes.io/stand-in: "true". Spec kinds:

  Deployment | StatefulSet | DaemonSet: name, selector (matchLabels), labels (default: selector), podLabels
    (default: selector), annotations, podAnnotations, replicas (none for a DaemonSet), serviceName, podManagementPolicy, strategy, and
    the pod:
    serviceAccountName, initContainers, containers, volumes, volumeClaimTemplates (each item as Kubernetes writes it)
  Service: name, labels, selector, ports, type, clusterIP, publishNotReadyAddresses
  ConfigMap | Secret: name, labels, data / stringData
  CustomResourceDefinition: group, crdKind (the resource's kind), plural, scope (default Namespaced), version
    (default v1), keep (the
    helm.sh/resource-policy: keep annotation), status (a status subresource); any field accepted
  any other kind: apiVersion and kind, metadata's name, namespace, labels and annotations from the spec, and
    `body`: the object's other top-level fields (spec, data, ...) as written
*/}}

{{- define "standin.label" -}}
{"openlakes.io/stand-in": "true"}
{{- end }}

{{- define "standin.labels" -}}
{{- toJson (merge (dict) (include "standin.label" . | fromJson) (. | default dict)) -}}
{{- end }}

{{- /* An image as most charts build it: [registry/]repository, then @digest or :tag (the chart's default tag when
       the key leaves it empty). Argument: dict "image" <the values' image map> "tag" <default tag>
       ["registry" <default registry>] ["repository" <default repository>]. */}}
{{- define "standin.image" -}}
{{- $i := .image | default dict -}}
{{- $registry := $i.registry | default .registry -}}
{{- $repository := $i.repository | default .repository -}}
{{- $ref := ternary (printf "%s/%s" $registry $repository) $repository (not (empty $registry)) -}}
{{- if $i.digest -}}{{ $ref }}@{{ $i.digest }}{{- else -}}{{ $ref }}:{{ $i.tag | default .tag }}{{- end -}}
{{- end }}

{{- /* Environment entries read from Secrets: a list of {name, secret, key}. */}}
{{- define "standin.secretEnv" -}}
{{- $out := list -}}
{{- range . -}}
{{- $out = append $out (dict "name" .name "valueFrom" (dict "secretKeyRef" (dict "name" .secret "key" .key))) -}}
{{- end -}}
{{- toJson $out -}}
{{- end }}

{{- define "standin.meta" -}}
{{- $m := dict "name" .name "labels" (include "standin.labels" (.labels | default .selector) | fromJson) -}}
{{- with .namespace }}{{ $_ := set $m "namespace" . }}{{ end -}}
{{- with .annotations }}{{ $_ := set $m "annotations" . }}{{ end -}}
{{- toJson $m -}}
{{- end }}

{{- define "standin.workload" -}}
{{- $pod := dict "containers" .containers -}}
{{- range $k := list "serviceAccountName" "initContainers" "volumes" }}{{ with index $ $k }}{{ $_ := set $pod $k . }}{{ end }}{{ end -}}
{{- $podLabels := .podLabels | default .selector -}}
{{- $podMeta := dict "labels" (include "standin.labels" $podLabels | fromJson) -}}
{{- with .podAnnotations }}{{ $_ := set $podMeta "annotations" . }}{{ end -}}
{{- $spec := dict "selector" (dict "matchLabels" .selector) "template" (dict "metadata" $podMeta "spec" $pod) -}}
{{- if ne .kind "DaemonSet" }}{{ $_ := set $spec "replicas" (.replicas | default 0 | int) }}{{ end -}}
{{- range $k := list "serviceName" "podManagementPolicy" "volumeClaimTemplates" "strategy" }}{{ with index $ $k }}{{ $_ := set $spec $k . }}{{ end }}{{ end -}}
{{- toJson (dict "apiVersion" "apps/v1" "kind" .kind "metadata" (include "standin.meta" . | fromJson) "spec" $spec) -}}
{{- end }}

{{- define "standin.service" -}}
{{- $spec := dict "selector" .selector "ports" .ports -}}
{{- range $k := list "type" "clusterIP" "publishNotReadyAddresses" }}{{ with index $ $k }}{{ $_ := set $spec $k . }}{{ end }}{{ end -}}
{{- toJson (dict "apiVersion" "v1" "kind" "Service" "metadata" (include "standin.meta" . | fromJson) "spec" $spec) -}}
{{- end }}

{{- define "standin.crd" -}}
{{- $version := dict "name" (.version | default "v1") "served" true "storage" true "schema" (dict "openAPIV3Schema" (dict "type" "object" "x-kubernetes-preserve-unknown-fields" true)) -}}
{{- if .status }}{{ $_ := set $version "subresources" (dict "status" dict) }}{{ end -}}
{{- $meta := dict "name" (printf "%s.%s" .plural .group) "labels" (include "standin.label" . | fromJson) -}}
{{- if .keep }}{{ $_ := set $meta "annotations" (dict "helm.sh/resource-policy" "keep") }}{{ end -}}
{{- $names := dict "kind" .crdKind "listKind" (printf "%sList" .crdKind) "plural" .plural "singular" (.crdKind | lower) -}}
{{- toJson (dict "apiVersion" "apiextensions.k8s.io/v1" "kind" "CustomResourceDefinition" "metadata" $meta "spec" (dict "group" .group "names" $names "scope" (.scope | default "Namespaced") "versions" (list $version))) -}}
{{- end }}

{{- define "standin.object" -}}
{{- if has .kind (list "Deployment" "StatefulSet" "DaemonSet") -}}
{{ include "standin.workload" . }}
{{- else if eq .kind "Service" -}}
{{ include "standin.service" . }}
{{- else if eq .kind "CustomResourceDefinition" -}}
{{ include "standin.crd" . }}
{{- else if has .kind (list "ConfigMap" "Secret") -}}
{{- $o := dict "apiVersion" "v1" "kind" .kind "metadata" (include "standin.meta" . | fromJson) -}}
{{- range $k := list "data" "stringData" "type" }}{{ if hasKey $ $k }}{{ $_ := set $o $k (index $ $k) }}{{ end }}{{ end -}}
{{ toJson $o }}
{{- else -}}
{{ toJson (merge (dict "apiVersion" .apiVersion "kind" .kind "metadata" (include "standin.meta" . | fromJson)) (.body | default dict)) }}
{{- end -}}
{{- end }}

{{- /* Every spec of the list, one document each. */}}
{{- define "standin.render" -}}
{{- range $i, $spec := . }}
{{- if $i }}
---
{{- end }}
{{ include "standin.object" $spec | fromJson | toYaml }}
{{- end }}
{{- end }}
