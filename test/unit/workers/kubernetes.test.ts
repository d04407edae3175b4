import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractWorkers } from '../../../server/src/parse/workers';
import { assertQueueLocs, brief, lc } from './helpers';

test('Kubernetes: multi-document, command + args, named after the Deployment', () => {
  const text = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: celery-default
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: worker
          image: registry/proj:1.2
          command: ["celery"]
          args: ["-A", "proj", "worker", "-Q", "default,emails", "--loglevel=INFO"]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: celery-priority
spec:
  template:
    spec:
      containers:
        - name: high
          command:
            - celery
            - -A
            - proj
            - worker
            - -Q
            - high
        - name: low
          command: ["/bin/sh", "-c"]
          args:
            - |
              exec celery -A proj worker \\
                -Q low -X high
        - name: sidecar
          image: nginx
`;
  const ws = extractWorkers('/k8s/celery.yaml', text);
  assert.deepEqual(ws.map(brief), [
    { name: 'celery-default', app: 'proj', queues: ['default', 'emails'] },
    { name: 'celery-priority/high', app: 'proj', queues: ['high'] },
    { name: 'celery-priority/low', app: 'proj', queues: ['low'], excludeQueues: ['high'] },
  ]);
  for (const w of ws) assertQueueLocs(text, w, '/k8s/celery.yaml');
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[19, 48, 19, 55], [19, 56, 19, 62]]);
  assert.deepEqual(lc(ws[0].loc), [18, 21, 19, 81]);
  assert.deepEqual(ws[1].queueLocs!.map(lc), [[36, 14, 36, 18]]);
  assert.deepEqual(lc(ws[1].loc), [31, 14, 36, 18]);
  assert.deepEqual(ws[2].queueLocs!.map(lc), [[42, 19, 42, 22], [42, 26, 42, 30]]);
  assert.deepEqual(lc(ws[2].loc), [41, 19, 42, 30]);
  assert.equal(ws[0].runsOn, 'Kubernetes Deployment celery-default');
});

test('Kubernetes: $(VAR) from the container env, args only (image entrypoint), CronJob', () => {
  const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: reports
spec:
  template:
    spec:
      containers:
        - name: w
          env:
            - name: QUEUES
              value: "reports,exports"
            - name: FROM_SECRET
              valueFrom: {secretKeyRef: {name: s, key: k}}
          command: ["celery", "-A", "proj", "worker", "-Q", "$(QUEUES)", "-n", "$(FROM_SECRET)@%h"]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: entry
spec:
  template:
    spec:
      containers:
        - name: w
          image: proj-celery
          args: ["worker", "--queues=implicit"]
`;
  const ws = extractWorkers('/k8s/deploy.yml', text);
  assert.deepEqual(ws.map(brief), [
    { name: '$(FROM_SECRET)@%h', app: 'proj', queues: ['reports', 'exports'], unresolved: ['FROM_SECRET'] },
    { name: 'entry', queues: ['implicit'] },
  ]);
  for (const w of ws) assertQueueLocs(text, w);
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[11, 22, 11, 29], [11, 30, 11, 37]]);
});

test('Helm template: {{ }} kept as unknown values, control lines ignored, named after the Deployment', () => {
  const text = `{{- if .Values.worker.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "proj.fullname" . }}-worker
  labels:
    {{- include "proj.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.worker.replicas }}
  template:
    spec:
      containers:
        - name: worker
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          command: ["celery", "-A", "proj", "worker", "-Q", "{{ .Values.worker.queues }}", "--concurrency", "{{ .Values.worker.concurrency }}"]
          resources:
            {{- toYaml .Values.worker.resources | nindent 12 }}
        - name: fixed
          command:
            - celery
            - -A
            - proj
            - worker
            - -Q
            - "default,{{ .Values.extraQueue }}"
{{- end }}
`;
  const ws = extractWorkers('/chart/templates/worker.yaml', text);
  assert.deepEqual(ws.map(brief), [
    { name: '{{ include "proj.fullname" . }}-worker/worker', app: 'proj', queues: ['{{ .Values.worker.queues }}'], unresolved: ['{{ .Values.worker.queues }}'] },
    { name: '{{ include "proj.fullname" . }}-worker/fixed', app: 'proj', queues: ['default', '{{ .Values.extraQueue }}'], unresolved: ['{{ .Values.extraQueue }}'] },
  ]);
  for (const w of ws) assertQueueLocs(text, w);
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[14, 61, 14, 88]]);
});

test('Helm values file: command lists under a key', () => {
  const text = `image:
  repository: proj
workers:
  default:
    command: ["celery", "-A", "proj", "worker", "-Q", "celery"]
  heavy:
    replicas: 2
    command: ["celery", "-A", "proj", "worker", "-Q", "heavy"]
`;
  const ws = extractWorkers('/chart/values.yaml', text);
  assert.deepEqual(ws.map(brief), [
    { name: 'default', app: 'proj', queues: ['celery'] },
    { name: 'heavy', app: 'proj', queues: ['heavy'] },
  ]);
});

test('YAML that is not about workers, and garbage', () => {
  assert.deepEqual(extractWorkers('/.github/workflows/ci.yml', 'on: push\njobs:\n  t:\n    steps:\n      - run: pytest\n'), []);
  for (const t of ['{{', '---\n---\n', 'a: [', 'containers:\n  - command: [', '\u0000\u0001', '- - - -', 'kind: Deployment\nspec: {{ .x }']) {
    assert.doesNotThrow(() => extractWorkers('/k/x.yaml', t));
  }
});
