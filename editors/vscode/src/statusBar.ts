/**
 * The status bar item: state icon, model and the last speed from `ollama/status`; a click opens
 * the Ollama menu. The speed of the last suggestion stays shown while idle.
 */
import * as vscode from 'vscode';
import { lastSpeed, statusBarContent } from './format';
import type { StatusParams } from './protocol';

export class StatusBar {
  readonly item: vscode.StatusBarItem;
  last: StatusParams | undefined;
  private speed: number | undefined;
  private offFor: string | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem('ollamaLsp.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Ollama';
    this.item.command = 'ollamaLsp.showStatus';
    this.update(undefined);
    this.item.show();
  }

  update(status: StatusParams | undefined): void {
    if (status?.model && this.last?.model && status.model !== this.last.model) this.speed = undefined; // another model's
    this.last = status;
    if (status) this.speed = lastSpeed(status, this.speed);
    this.render();
  }

  /** The active editor's language has completions off (`undefined`: on, or no editor). */
  setOffFor(language: string | undefined): void {
    this.offFor = language;
    this.render();
  }

  private render(): void {
    const content = statusBarContent(this.last, this.speed, this.offFor);
    this.item.text = content.text;
    this.item.tooltip = content.tooltip;
    this.item.backgroundColor =
      content.severity === 'ok' ? undefined : new vscode.ThemeColor(`statusBarItem.${content.severity}Background`);
  }

  /** The state in words for the menu's title: "idle · qwen2.5-coder:1.5b-base · 42 tok/s". */
  summary(): string {
    const parts = [this.last?.state ?? 'starting', this.last?.model ?? ''];
    if (typeof this.speed === 'number') parts.push(`${this.speed.toFixed(0)} tok/s`);
    if (this.offFor) parts.push(`off for ${this.offFor}`);
    return parts.filter(Boolean).join(' · ');
  }

  /** The server stopped: say so instead of showing a stale state. */
  stopped(reason: string): void {
    this.update({ state: 'error', message: reason });
  }

  dispose(): void {
    this.item.dispose();
  }
}
