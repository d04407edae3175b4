/** The status bar item: queues, tasks, problems, broker state; click → "Where does this task go?". */
import * as vscode from 'vscode';
import { statusText, type StatusInput } from './statusText';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem('celeryRouting.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Celery Routing';
    this.item.command = 'celeryRouting.whereDoesTaskGo';
  }

  update(input: StatusInput, show: boolean): void {
    const s = statusText(input);
    this.item.text = s.text;
    this.item.tooltip = s.tooltip;
    this.item.backgroundColor = s.background ? new vscode.ThemeColor(`statusBarItem.${s.background}Background`) : undefined;
    this.item.command = input.server === 'running' ? 'celeryRouting.whereDoesTaskGo' : input.server === 'starting' ? 'celeryRouting.showOutput' : 'celeryRouting.restartServer';
    if (show) this.item.show();
    else this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
