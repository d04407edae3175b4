/** The language client: the bundled server (dist/server.js) over IPC. */
import * as vscode from 'vscode';
import {
  LanguageClient, TransportKind, type DocumentSelector, type LanguageClientOptions, type ServerOptions,
} from 'vscode-languageclient/node';
import { PROTOCOL_VERSION, SETTINGS_SECTION, type InitializationOptions } from '../../shared/protocol';
import type { Config } from './config';
/** Node flags of the server process (a young generation of 8 MB, not 16-32: ~25 MB less RSS at the same p95s;
 * V8 reads them at start-up only): scripts/bench.mjs starts its server with them too. */
import SERVER_NODE_FLAGS from '../../shared/server-node-flags.json';

export const CLIENT_ID = 'celeryRouting';
export const CLIENT_NAME = 'Celery Routing';

/** Python plus the files that start workers (Procfile, compose, supervisor, systemd, shell). */
export const DOCUMENT_SELECTOR: DocumentSelector = [
  { scheme: 'file', language: 'python' },
  { scheme: 'untitled', language: 'python' },
  { scheme: 'file', pattern: '**/Procfile*' },
  // the project file and RabbitMQ definitions: edits apply at once (the server ignores other JSON)
  { scheme: 'file', language: 'json' },
  { scheme: 'file', language: 'jsonc' },
  { scheme: 'file', pattern: '**/pyproject.toml' },
  { scheme: 'file', language: 'procfile' },
  { scheme: 'file', language: 'dockercompose' },
  { scheme: 'file', pattern: '**/*{docker-compose,compose}*.{yml,yaml}' },
  { scheme: 'file', language: 'yaml' },
  { scheme: 'file', language: 'shellscript' },
  { scheme: 'file', language: 'ini' },
  { scheme: 'file', language: 'properties' },
  { scheme: 'file', pattern: '**/*.conf' },
  { scheme: 'file', pattern: '**/*.service' },
  { scheme: 'file', language: 'systemd-unit-file' },
  { scheme: 'file', language: 'dockerfile' },
  { scheme: 'file', language: 'makefile' },
  { scheme: 'file', pattern: '**/pyproject.toml' },
];

export function createLanguageClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel, config: Config): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv: SERVER_NODE_FLAGS } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS, '--nolazy', '--inspect=6019'] } },
  };
  const initializationOptions: InitializationOptions = { protocolVersion: PROTOCOL_VERSION, settings: config.server() };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: output,
    initializationOptions,
    synchronize: {
      // The server pulls `celeryRouting` with workspace/configuration when told it changed.
      configurationSection: SETTINGS_SECTION,
      fileEvents: [
        vscode.workspace.createFileSystemWatcher('**/*.py'),
        vscode.workspace.createFileSystemWatcher('**/{Procfile,Procfile.*,*.yml,*.yaml,*.conf,*.service,*.ini,*.sh,Makefile,Dockerfile*,pyproject.toml,*.json}'),
      ],
    },
    diagnosticCollectionName: 'celery-routing',
    markdown: { isTrusted: false, supportHtml: false },
  };
  return new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
}
