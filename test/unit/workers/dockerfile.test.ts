import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractWorkers } from '../../../server/src/parse/workers';
import { assertQueueLocs, brief, lc } from './helpers';

test('Dockerfile: exec-form CMD, shell-form CMD with continuation, stage names', () => {
  const text = `FROM python:3.12-slim AS base
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt

FROM base AS worker
ENV CELERY_QUEUES=default,mail
CMD ["celery", "-A", "proj", "worker", "-Q", "high,low", "--loglevel=info"]

FROM base AS shell-worker
CMD celery -A proj worker \\
    -Q \${OTHER_QUEUES:-fallback}
`;
  const ws = extractWorkers('/app/Dockerfile', text);
  assert.deepEqual(ws.map(brief), [
    { name: 'worker', app: 'proj', queues: ['high', 'low'] },
    { name: 'shell-worker', app: 'proj', queues: ['fallback'], envDefaults: ['OTHER_QUEUES=fallback'] },
  ]);
  for (const w of ws) assertQueueLocs(text, w, '/app/Dockerfile');
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[7, 46, 7, 50], [7, 51, 7, 54]]);
  assert.deepEqual(lc(ws[1].loc), [10, 4, 11, 32]);
});

test('Dockerfile: ENTRYPOINT + CMD combined, ENV used by a shell-form CMD, inherited stages', () => {
  const text = `FROM proj-base
ENV QUEUES="reports,exports"
ENTRYPOINT ["celery", "-A", "proj"]
CMD ["worker", "-Q", "ep"]
`;
  assert.deepEqual(extractWorkers('/d/Dockerfile.worker', text).map(brief), [{ name: 'worker', app: 'proj', queues: ['ep'] }]);
  const text2 = `FROM proj-base
ENV QUEUES="reports,exports"
CMD exec celery -A proj worker -Q $QUEUES
`;
  const ws = extractWorkers('/d/worker.Dockerfile', text2);
  assert.deepEqual(ws.map(brief), [{ name: 'worker', app: 'proj', queues: ['reports', 'exports'], envDefaults: ['QUEUES=reports,exports'] }]);
  assertQueueLocs(text2, ws[0]);
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[1, 12, 1, 19], [1, 20, 1, 27]]);
  const text3 = `FROM python AS a
ENTRYPOINT ["celery", "-A", "proj"]
FROM a AS b
CMD ["worker", "-Q", "inherited"]
`;
  assert.deepEqual(extractWorkers('/d/Containerfile', text3).map(brief), [{ name: 'b', app: 'proj', queues: ['inherited'] }]);
  assert.deepEqual(extractWorkers('/d/Dockerfile', 'FROM x\nCMD ["celery", "-A", "proj", "beat"]\n'), []);
  assert.doesNotThrow(() => extractWorkers('/d/Dockerfile', 'CMD ["celery", \nFROM\nCMD [1,2]\nENTRYPOINT ['));
});
