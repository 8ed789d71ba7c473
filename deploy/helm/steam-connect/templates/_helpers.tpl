{{- define "sc.fullname" -}}
{{- printf "%s-steam-connect" .Release.Name | trunc 53 | trimSuffix "-" -}}
{{- end -}}

{{- define "sc.labels" -}}
app.kubernetes.io/name: steam-connect
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "sc.selector" -}}
app.kubernetes.io/name: steam-connect
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{- define "sc.secretName" -}}
{{- .Values.existingSecret | default (printf "%s-secrets" (include "sc.fullname" .)) -}}
{{- end -}}

{{- define "sc.image" -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag -}}
{{- end -}}

{{/* KEDA when asked for, or when the cluster serves it and the engine is auto. */}}
{{- define "sc.keda" -}}
{{- $engine := .Values.autoscaling.engine -}}
{{- if or (eq $engine "keda") (and (eq $engine "auto") (.Capabilities.APIVersions.Has "keda.sh/v1alpha1")) -}}
true
{{- end -}}
{{- end -}}

{{- define "sc.hpa" -}}
{{- $engine := .Values.autoscaling.engine -}}
{{- if or (eq $engine "hpa") (and (eq $engine "auto") (not (.Capabilities.APIVersions.Has "keda.sh/v1alpha1"))) -}}
true
{{- end -}}
{{- end -}}

{{- define "sc.maxReplicas" -}}
{{- .Values.autoscaling.maxReplicas | default .Values.streamShards -}}
{{- end -}}

{{/* The environment every service shares: settings, secrets, and its own port. */}}
{{- define "sc.env" -}}
- name: HTTP_HOST
  value: "0.0.0.0"
- name: STREAM_PREFIX
  value: {{ .root.Values.streamPrefix | quote }}
- name: STREAM_SHARDS
  value: {{ .root.Values.streamShards | quote }}
{{- if .root.Values.redisClusterNodes }}
- name: REDIS_CLUSTER_NODES
  value: {{ .root.Values.redisClusterNodes | quote }}
{{- end }}
- name: {{ printf "%s_PORT" (upper .service) }}
  value: {{ .spec.port | quote }}
{{- if .root.Values.accounts }}
- name: ACCOUNTS_FILE
  value: /etc/steam-connect/accounts.yaml
{{- end }}
{{- end -}}

{{- define "sc.envFrom" -}}
- configMapRef:
    name: {{ include "sc.fullname" .root }}-config
- secretRef:
    name: {{ include "sc.secretName" .root }}
{{- end -}}
