/** Entry point of the VS Code extension (bundled to dist/client.js). */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { Ctx } from './ctx';

let ctx: Ctx | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  ctx = new Ctx(context);
  context.subscriptions.push(ctx, ...registerCommands(ctx));
  ctx.output.info(`Celery Routing ${String(context.extension.packageJSON.version ?? '')} activating`);
  // Do not hold activation on the server: the tree and commands work meanwhile.
  void ctx.start();
}

export async function deactivate(): Promise<void> {
  const c = ctx;
  ctx = undefined;
  if (!c) return;
  await c.taps.stopAll();
  await c.stop();
}
