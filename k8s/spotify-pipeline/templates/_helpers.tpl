{{/* Chart-wide names and labels. */}}
{{- define "pipeline.chart" -}}
{{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "pipeline.commonLabels" -}}
helm.sh/chart: {{ include "pipeline.chart" . }}
app.kubernetes.io/part-of: spotify-pipeline
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Resource name of one service: <release>-<service>, capped at 63 characters. */}}
{{- define "pipeline.serviceFullname" -}}
{{- $root := index . 0 -}}{{- $svc := index . 1 -}}
{{- printf "%s-%s" $root.Release.Name $svc.name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "pipeline.selectorLabels" -}}
{{- $root := index . 0 -}}{{- $svc := index . 1 -}}
app.kubernetes.io/name: {{ $svc.name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
{{- end -}}

{{- define "pipeline.serviceLabels" -}}
{{- $root := index . 0 -}}{{- $svc := index . 1 -}}
{{ include "pipeline.commonLabels" $root }}
app.kubernetes.io/name: {{ $svc.name }}
app.kubernetes.io/component: {{ $svc.name }}
{{- end -}}

{{- define "pipeline.image" -}}
{{- $root := index . 0 -}}{{- $svc := index . 1 -}}
{{- $repo := printf "%s/%s" $root.Values.image.repositoryPrefix $svc.name -}}
{{- if $root.Values.image.registry -}}{{- $repo = printf "%s/%s" $root.Values.image.registry $repo -}}{{- end -}}
{{- printf "%s:%s" $repo (default $root.Chart.AppVersion $root.Values.image.tag) -}}
{{- end -}}

{{/*
Refuses combinations the schema cannot express, with a message naming the value to fix.
*/}}
{{- define "pipeline.checkService" -}}
{{- $root := index . 0 -}}{{- $key := index . 1 -}}{{- $svc := index . 2 -}}
{{- range $name, $_ := $svc.env -}}
{{- if has $name (list "CATALOG_MODE" "CATALOG_DATABASE" "CATALOG_DOCUMENT_KEY" "CATALOG_PROJECTION_FIRST_DAY" "CRAWLER_UPDATE_BEHAVIOR" "CRAWLER_DELETE_BEHAVIOR") -}}
{{- fail (printf "services.%s.env.%s no longer exists: the lake is Iceberg tables now, so there are no partitions to register or project (an optional crawler with an Iceberg target is CRAWLER_NAME/CRAWLER_ROLE_ARN). Set the top-level iceberg.* values (catalog glue, warehouse = the account id, namespace = the Glue database) and services.catalog.env.CATALOG_ENGINE (duckdb or athena); see docs/deploy.md" $key $name) -}}
{{- end -}}
{{- if hasPrefix "ICEBERG_" $name -}}
{{- fail (printf "services.%s.env.%s: set it through the top-level iceberg.* values, which etl-worker and catalog-sync share (both must talk to the same catalog)" $key $name) -}}
{{- end -}}
{{- end -}}
{{- if and (eq $key "catalog") (eq (toString (index $svc.env "CATALOG_ENGINE")) "athena") (ne $root.Values.iceberg.catalog "glue") -}}
{{- fail (printf "services.catalog.env.CATALOG_ENGINE=athena needs iceberg.catalog=glue (it is %s): Athena reads the tables from the Glue Data Catalog. Use CATALOG_ENGINE=duckdb with another catalog" $root.Values.iceberg.catalog) -}}
{{- end -}}
{{- if and (eq $key "insights") (eq (toString (index $svc.env "HISTORY_ENGINE")) "athena") (ne $root.Values.iceberg.catalog "glue") -}}
{{- fail (printf "services.insights.env.HISTORY_ENGINE=athena needs iceberg.catalog=glue (it is %s): Athena reads the tables from the Glue Data Catalog. Use HISTORY_ENGINE=duckdb with another catalog" $root.Values.iceberg.catalog) -}}
{{- end -}}
{{- if and (ne $key "consumer") (hasKey $svc "consumersPerPod") -}}
{{- fail (printf "services.%s.consumersPerPod: only the sink (services.consumer) runs several consumers per pod" $key) -}}
{{- end -}}
{{- $envNames := keys ($svc.env | default dict) -}}
{{- range concat ($root.Values.extraEnv | default list) ($svc.extraEnv | default list) -}}{{- $envNames = append $envNames .name -}}{{- end -}}
{{- if has "SINK_CONSUMERS" $envNames -}}
{{- fail (printf "SINK_CONSUMERS in services.%s env or extraEnv: set services.consumer.consumersPerPod instead, which also scales the pod's resources and the autoscaler's lag threshold" $key) -}}
{{- end -}}
{{- include "pipeline.checkPerPodVariables" (list (printf "services.%s.env" $key) (keys ($svc.env | default dict))) -}}
{{- $extraNames := list -}}{{- range $svc.extraEnv -}}{{- $extraNames = append $extraNames .name -}}{{- end -}}
{{- include "pipeline.checkPerPodVariables" (list (printf "services.%s.extraEnv" $key) $extraNames) -}}
{{- if and (eq (include "pipeline.workloadKind" (list $key)) "StatefulSet") (gt (len (include "pipeline.serviceFullname" (list $root $svc))) 52) -}}
{{- fail (printf "the StatefulSet name %s is longer than 52 characters (its pods' controller-revision-hash label would not fit): shorten the release name or services.%s.name" (include "pipeline.serviceFullname" (list $root $svc)) $key) -}}
{{- end -}}
{{- $mounts := concat ($root.Values.extraVolumeMounts | default list) ($svc.extraVolumeMounts | default list) -}}
{{- $caFiles := list (index ($svc.env | default dict) "KAFKA_SSL_CA_LOCATION") -}}
{{- range concat ($root.Values.extraEnv | default list) ($svc.extraEnv | default list) -}}
{{- if eq .name "KAFKA_SSL_CA_LOCATION" -}}{{- $caFiles = append $caFiles .value -}}{{- end -}}
{{- end -}}
{{- range $file := compact $caFiles -}}
{{- $mounted := false -}}
{{- range $mounts -}}{{- if hasPrefix (printf "%s/" (trimSuffix "/" .mountPath)) $file -}}{{- $mounted = true -}}{{- end -}}{{- end -}}
{{- if not $mounted -}}
{{- fail (printf "KAFKA_SSL_CA_LOCATION=%s (services.%s) is on no mounted volume: the root filesystem is read-only and the image has no such file. Mount the CA with extraVolumes (e.g. a Secret) and extraVolumeMounts" $file $key) -}}
{{- end -}}
{{- end -}}
{{- if le (int $svc.terminationGracePeriodSeconds) (int $svc.drainSeconds) -}}
{{- fail (printf "services.%s.terminationGracePeriodSeconds (%v) must be longer than services.%s.drainSeconds (%v), or Kubernetes kills the pod mid-drain" $key $svc.terminationGracePeriodSeconds $key $svc.drainSeconds) -}}
{{- end -}}
{{- if and $svc.scaling.enabled (ne $root.Values.autoscaling.mode "none") -}}
{{- if gt (int $svc.scaling.minReplicas) (int $svc.scaling.maxReplicas) -}}
{{- fail (printf "services.%s.scaling.minReplicas (%v) is above maxReplicas (%v)" $key $svc.scaling.minReplicas $svc.scaling.maxReplicas) -}}
{{- end -}}
{{- $perPod := int (include "pipeline.consumersPerPod" $svc) -}}
{{- if gt (mul (int $svc.scaling.maxReplicas) $perPod) (int $root.Values.topics.partitions) -}}
{{- fail (printf "services.%s.scaling.maxReplicas (%v) x consumersPerPod (%v) exceeds topics.partitions (%v): consumers past the partition count sit idle in the consumer group" $key $svc.scaling.maxReplicas $perPod $root.Values.topics.partitions) -}}
{{- end -}}
{{- if or (not $svc.scaling.consumerGroup) (not $svc.scaling.topic) -}}
{{- fail (printf "services.%s.scaling needs consumerGroup and topic to scale on lag" $key) -}}
{{- end -}}
{{- if and (eq $root.Values.autoscaling.mode "hpa") (not $svc.scaling.externalMetric.name) -}}
{{- fail (printf "services.%s.scaling.externalMetric.name is required with autoscaling.mode=hpa" $key) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "pipeline.checkKafka" -}}
{{- if hasPrefix "SASL" .Values.kafka.securityProtocol -}}
{{- if not .Values.kafka.saslMechanism -}}
{{- fail (printf "kafka.saslMechanism is required with kafka.securityProtocol=%s (PLAIN for Confluent Cloud, AWS_MSK_IAM or SCRAM-SHA-512 for MSK)" .Values.kafka.securityProtocol) -}}
{{- end -}}
{{- if and (ne .Values.kafka.saslMechanism "AWS_MSK_IAM") (not .Values.kafka.credentialsSecret.name) -}}
{{- fail (printf "kafka.credentialsSecret.name is required with kafka.securityProtocol=%s: a Secret holding the SASL user name and password" .Values.kafka.securityProtocol) -}}
{{- end -}}
{{- end -}}
{{- if and (eq .Values.kafka.saslMechanism "AWS_MSK_IAM") (ne .Values.kafka.securityProtocol "SASL_SSL") -}}
{{- fail (printf "kafka.saslMechanism=AWS_MSK_IAM needs kafka.securityProtocol=SASL_SSL (it is %s): MSK serves IAM authentication on its TLS listener, port 9098" .Values.kafka.securityProtocol) -}}
{{- end -}}
{{- end -}}

{{/* The Iceberg catalog settings each catalog kind needs, checked before anything talks to it. */}}
{{- define "pipeline.checkIceberg" -}}
{{- $ice := .Values.iceberg -}}
{{- if and (eq $ice.catalog "rest") (not $ice.restUri) -}}
{{- fail "iceberg.restUri is required with iceberg.catalog=rest: the base URI of the Iceberg REST catalog, e.g. http://iceberg-rest.iceberg.svc.cluster.local:8181" -}}
{{- end -}}
{{- if and (eq $ice.catalog "glue") (not (regexMatch "^[0-9]{12}$" $ice.warehouse)) -}}
{{- fail (printf "iceberg.warehouse must be the 12-digit AWS account id that owns the Glue Data Catalog with iceberg.catalog=glue (it is %q)" $ice.warehouse) -}}
{{- end -}}
{{- end -}}

{{/* Is lag-based scaling on for this service? The workload then leaves `replicas` to the scaler. */}}
{{- define "pipeline.scaled" -}}
{{- $root := index . 0 -}}{{- $svc := index . 1 -}}
{{- if and $svc.enabled $svc.scaling.enabled (ne $root.Values.autoscaling.mode "none") -}}true{{- end -}}
{{- end -}}

{{/*
The Kafka transactional id variable of a service, empty for the services that own none. The sink and
the ETL each commit through one transactional producer per pod; the id must belong to exactly one
live pod identity, so a restarted pod fences its predecessor at once (see the chart README).
*/}}
{{- define "pipeline.transactionalIdVariable" -}}
{{- $key := index . 0 -}}
{{- if eq $key "consumer" -}}SINK_TRANSACTIONAL_ID{{- else if eq $key "etl" -}}ETL_TRANSACTIONAL_ID{{- end -}}
{{- end -}}

{{/* StatefulSet for a service that owns a transactional id (stable pod names), Deployment otherwise. */}}
{{- define "pipeline.workloadKind" -}}
{{- if include "pipeline.transactionalIdVariable" . -}}StatefulSet{{- else -}}Deployment{{- end -}}
{{- end -}}

{{/* The headless Service that governs a StatefulSet's pod identities (and gives each pod a DNS name). */}}
{{- define "pipeline.podIdentityServiceName" -}}
{{- $root := index . 0 -}}{{- $svc := index . 1 -}}
{{- printf "%s-pods" (include "pipeline.serviceFullname" (list $root $svc) | trunc 58 | trimSuffix "-") -}}
{{- end -}}

{{/* The image every pipeline pod may pull with: registry credentials for all of them. */}}
{{- define "pipeline.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
Scheduling of one service's pods: services.<svc>.<key> when set, else the chart-wide <key>. A spread
constraint without a labelSelector gets the service's own pods, which is what a spread is almost
always about.
*/}}
{{- define "pipeline.scheduling" -}}
{{- $root := index . 0 -}}{{- $svc := index . 1 -}}
{{- $nodeSelector := $svc.nodeSelector | default $root.Values.nodeSelector -}}
{{- $tolerations := $svc.tolerations | default $root.Values.tolerations -}}
{{- $affinity := $svc.affinity | default $root.Values.affinity -}}
{{- $spread := $svc.topologySpreadConstraints | default $root.Values.topologySpreadConstraints -}}
{{- $selector := dict "app.kubernetes.io/name" $svc.name "app.kubernetes.io/instance" $root.Release.Name -}}
{{- with $nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
topologySpreadConstraints:
{{- if $spread }}
{{- range $spread }}
{{- $constraint := deepCopy . }}
{{- if not (hasKey $constraint "labelSelector") }}
{{- $_ := set $constraint "labelSelector" (dict "matchLabels" $selector) }}
{{- end }}
  - {{- toYaml $constraint | nindent 4 }}
{{- end }}
{{- else }}
  # Default: spread each service's pods over zones, without refusing to schedule when a zone is full.
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- toYaml $selector | nindent 8 }}
{{- end }}
{{- end -}}

{{/* Variables no values key may set: they are per pod, and the chart derives them from the pod name. */}}
{{- define "pipeline.checkPerPodVariables" -}}
{{- $where := index . 0 -}}{{- $names := index . 1 -}}
{{- range $names }}
{{- if has . (list "SINK_TRANSACTIONAL_ID" "ETL_TRANSACTIONAL_ID" "POD_NAME" "POD_NAMESPACE" "KAFKA_CLIENT_ID") }}
{{- fail (printf "%s sets %s, which the chart derives from each pod's name: one value shared by every replica would make the replicas fence each other's Kafka transactions (and share one client id). Remove it" $where .) }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Every alert name in the shared rules file (files/prometheus-rules.yaml). */}}
{{- define "pipeline.alertNames" -}}
{{- $names := list -}}
{{- range (.Files.Get "files/prometheus-rules.yaml" | fromYaml).groups -}}
{{- range .rules -}}{{- if .alert -}}{{- $names = append $names .alert -}}{{- end -}}{{- end -}}
{{- end -}}
{{- join "," $names -}}
{{- end -}}

{{/*
Table specs (docs/table-specs.md): the services that read them at start are the sink (which topics
to stage), the ETL and catalog-sync (the tables they create, write and commit); producer-service and
insights-service do not. The three must see the same folder, or the sink stages topics no table
takes, or a table waits for a topic nobody stages.
*/}}
{{- define "pipeline.readsTableSpecs" -}}
{{- $root := index . 0 -}}{{- $key := index . 1 -}}
{{- if and (has $key (list "consumer" "etl" "catalog")) (or $root.Values.tableSpecs $root.Values.tableSpecsConfigMap) -}}true{{- end -}}
{{- end -}}

{{/* The ConfigMap holding the specs: the user's (tableSpecsConfigMap), or the one rendered from tableSpecs. */}}
{{- define "pipeline.tableSpecsConfigMapName" -}}
{{- .Values.tableSpecsConfigMap | default (printf "%s-table-specs" .Release.Name | trunc 63 | trimSuffix "-") -}}
{{- end -}}

{{/*
Refuses table specs that could only fail at start: two sources, a tableSpecs without a spec, a schema
in a folder (a ConfigMap has none), and a TABLE_SPECS_DIR, volume or mount of the user's that the
chart's own would silently replace or collide with.
*/}}
{{- define "pipeline.checkTableSpecs" -}}
{{- $specs := .Values.tableSpecs | default dict -}}
{{- if and $specs .Values.tableSpecsConfigMap -}}
{{- fail (printf "tableSpecs and tableSpecsConfigMap (%s) are both set: give the specs either inline in tableSpecs (the chart renders the ConfigMap) or as the name of a ConfigMap you manage, not both" .Values.tableSpecsConfigMap) -}}
{{- end -}}
{{- if $specs -}}
{{- $specFiles := list -}}
{{- range $file, $text := $specs -}}
{{- if regexMatch "\\.table\\.(ya?ml|json)$" $file -}}
{{- $specFiles = append $specFiles $file -}}
{{- $schema := (fromYaml $text).schema -}}
{{- if and $schema (not (hasKey $specs (toString $schema))) -}}
{{- fail (printf "tableSpecs.%s names the schema %v, which is not a file of tableSpecs: a ConfigMap has no folders, so put the JSON Schema beside the spec (a key of tableSpecs) and name it without a path" $file $schema) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if not $specFiles -}}
{{- fail (printf "tableSpecs holds no spec (%s): the services read only <table>.table.yaml, .table.yml or .table.json files, the JSON Schemas beside them" (keys $specs | sortAlpha | join ", ")) -}}
{{- end -}}
{{- end -}}
{{- if or $specs .Values.tableSpecsConfigMap -}}
{{- range $key := list "consumer" "etl" "catalog" -}}
{{- $svc := index $.Values.services $key -}}
{{- $names := keys ($svc.env | default dict) -}}
{{- range concat ($.Values.extraEnv | default list) ($svc.extraEnv | default list) -}}{{- $names = append $names .name -}}{{- end -}}
{{- if has "TABLE_SPECS_DIR" $names -}}
{{- fail (printf "services.%s sets TABLE_SPECS_DIR (in env or extraEnv) while tableSpecs or tableSpecsConfigMap is set: the chart mounts the specs at /specs and sets it. Remove it" $key) -}}
{{- end -}}
{{- range concat ($.Values.extraVolumes | default list) ($svc.extraVolumes | default list) -}}
{{- if eq .name "table-specs" -}}
{{- fail (printf "services.%s has an extra volume named table-specs, the chart's own volume for tableSpecs/tableSpecsConfigMap: rename it" $key) -}}
{{- end -}}
{{- end -}}
{{- range concat ($.Values.extraVolumeMounts | default list) ($svc.extraVolumeMounts | default list) -}}
{{- if eq (trimSuffix "/" .mountPath) "/specs" -}}
{{- fail (printf "services.%s mounts %s at /specs, where the chart mounts tableSpecs/tableSpecsConfigMap: mount it elsewhere" $key .name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Consumers per pod of a service (services.consumer.consumersPerPod, SINK_CONSUMERS); 1 for the others.
*/}}
{{- define "pipeline.consumersPerPod" -}}
{{- default 1 .consumersPerPod | int -}}
{{- end -}}

{{/*
A Kubernetes quantity times n ("500m" x 2 = "1000m", "512Mi" x 2 = "1024Mi", "1.5" x 2 = "3"):
`resources` and the lag threshold are per consumer, a pod with n consumers gets n times them.
Unchanged when n is 1, so a one-consumer pod renders exactly as written.
*/}}
{{- define "pipeline.scaleQuantity" -}}
{{- $quantity := toString (index . 0) -}}{{- $n := int (index . 1) -}}
{{- if eq $n 1 -}}
{{- $quantity -}}
{{- else -}}
{{- $number := regexFind "^[0-9]+([.][0-9]+)?" $quantity -}}
{{- if not $number -}}
{{- fail (printf "resource quantity %q: consumersPerPod multiplies resources, and needs a plain number with an optional unit (500m, 1, 512Mi, 1Gi)" $quantity) -}}
{{- end -}}
{{- $unit := trimPrefix $number $quantity -}}
{{- if contains "." $number -}}
{{- printf "%v%s" (mulf (float64 $number) $n) $unit -}}
{{- else -}}
{{- printf "%d%s" (mul (atoi $number) $n) $unit -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A service's container resources for its pod: services.<svc>.resources per consumer, times consumersPerPod.
*/}}
{{- define "pipeline.podResources" -}}
{{- $svc := . -}}
{{- $n := int (include "pipeline.consumersPerPod" $svc) -}}
{{- $out := dict -}}
{{- range $section, $values := $svc.resources -}}
{{- $scaled := dict -}}
{{- range $name, $quantity := $values -}}
{{- $_ := set $scaled $name (include "pipeline.scaleQuantity" (list $quantity $n)) -}}
{{- end -}}
{{- $_ := set $out $section $scaled -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}
