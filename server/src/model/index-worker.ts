/**
 * The index worker's program (see index-files.ts): loads its own parser, says `ready`, then indexes its
 * share of each request it is sent. Bundled as dist/index-worker.js.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { pythonParser } from '../parse/python';
import { indexShare, type IndexRequest } from './index-files';

interface Message { req: IndexRequest; shared: SharedArrayBuffer; port: MessagePort }

void pythonParser().then((parser) => {
  parentPort!.on('message', (m: Message) => indexShare(parser, m.req, m.shared, m.port));
  parentPort!.postMessage('ready');
});
