/** The status bar item: model, state and tokens/s from `ollama/status`; a click shows the status. */
import * as vscode from 'vscode';
import { statusBarContent } from './format';
import type { StatusParams } from './protocol';

export class StatusBar {
  readonly item: vscode.StatusBarItem;
  last: StatusParams | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem('ollamaLsp.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Ollama';
    this.item.command = 'ollamaLsp.showStatus';
    this.update(undefined);
    this.item.show();
  }

  update(status: StatusParams | undefined): void {
    this.last = status;
    const content = statusBarContent(status);
    this.item.text = content.text;
    this.item.tooltip = content.tooltip;
    this.item.backgroundColor = content.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  /** The server stopped: say so instead of showing a stale state. */
  stopped(reason: string): void {
    this.update({ state: 'error', message: reason });
  }

  dispose(): void {
    this.item.dispose();
  }
}
