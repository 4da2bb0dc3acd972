/**
 * The language client: starts `ollama-lsp`, forwards settings, and implements OllamaServer.
 * Server-created work-done progress is taken over so that pulls show real percentages in a
 * notification and in the Model Manager, instead of a bare status-bar spinner.
 */
import * as vscode from 'vscode';
import {
  CancellationTokenSource,
  ExecuteCommandRequest,
  LanguageClient,
  State,
  TransportKind,
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { ProgressHub, type ProgressEvent, type ProgressToken, type ProgressValue } from './progressHub';
import type { CancellationLike, OllamaServer } from './server';

export interface ServerCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** The server command from the `ollama.server.*` settings. */
export function serverCommand(config: { get<T>(key: string): T | undefined }): ServerCommand {
  return {
    command: config.get<string>('server.command') || 'ollama-lsp',
    args: config.get<string[]>('server.args') ?? [],
    env: config.get<Record<string, string>>('server.env') ?? {},
  };
}

export class OllamaClient implements OllamaServer {
  readonly progress = new ProgressHub();
  readonly client: LanguageClient;
  private readonly windowProgress = new Map<ProgressToken, (event: ProgressEvent) => void>();

  constructor(output: vscode.LogOutputChannel) {
    const settings = vscode.workspace.getConfiguration('ollama');
    const { command, args, env } = serverCommand(settings);
    const serverOptions: ServerOptions = {
      command,
      args,
      transport: TransportKind.stdio,
      options: { env: { ...process.env, ...env } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
      initializationOptions: { ollama: JSON.parse(JSON.stringify(settings)) as unknown },
      synchronize: { configurationSection: 'ollama' },
      outputChannel: output,
      traceOutputChannel: output,
    };
    this.client = new LanguageClient('ollama', 'Ollama', serverOptions, clientOptions);
    this.progress.setFallback((event) => this.showInWindow(event));
  }

  async start(): Promise<void> {
    await this.client.start();
    this.takeOverProgress();
  }

  async restart(): Promise<void> {
    await this.client.restart();
    this.takeOverProgress();
  }

  get running(): boolean {
    return this.client.state === State.Running;
  }

  /** Replace the client library's progress display (registered at initialize) with the hub. */
  private takeOverProgress(): void {
    this.client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      this.track(token);
    });
  }

  /** Follow one token until its end; `release()` stops early if it never began. */
  private track(token: ProgressToken): { release(): void } {
    let begun = false;
    const subscription = this.client.onProgress(WorkDoneProgress.type, token, (value) => {
      begun = true;
      this.progress.handle(token, value as ProgressValue);
      if (value.kind === 'end') subscription.dispose();
    });
    return {
      release: () => {
        if (!begun) subscription.dispose();
      },
    };
  }

  /** Progress nobody claimed (a model load, a quantization): a cancellable notification. */
  private showInWindow(event: ProgressEvent): void {
    if (event.kind === 'begin') {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: event.title, cancellable: event.cancellable },
        (report, cancel) =>
          new Promise<void>((resolve) => {
            let last = event.percentage ?? 0;
            cancel.onCancellationRequested(() => this.cancelProgress(event.token));
            this.windowProgress.set(event.token, (update) => {
              if (update.kind === 'end') {
                this.windowProgress.delete(event.token);
                resolve();
                return;
              }
              const percentage = update.percentage ?? last;
              report.report({ message: update.message, increment: Math.max(0, percentage - last) });
              last = Math.max(last, percentage);
            });
          }),
      );
    } else {
      this.windowProgress.get(event.token)?.(event);
    }
  }

  cancelProgress(token: ProgressToken): void {
    void this.client.sendNotification(WorkDoneProgressCancelNotification.type, { token });
  }

  async execute<T>(command: string, argument?: object, cancel?: CancellationLike): Promise<T> {
    const source = new CancellationTokenSource();
    const subscription = cancel?.onCancellationRequested(() => source.cancel());
    // A token of our own, so a server that reports on the request's token is followed too.
    const workDoneToken = `ollama-vscode/${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const tracked = this.track(workDoneToken);
    try {
      const result: unknown = await this.client.sendRequest(
        ExecuteCommandRequest.type,
        // Always one argument object (docs/protocol.md): `{}` for the commands that need none.
        { command, arguments: [argument ?? {}], workDoneToken },
        source.token,
      );
      return result as T;
    } finally {
      tracked.release();
      subscription?.dispose();
      source.dispose();
    }
  }
}
