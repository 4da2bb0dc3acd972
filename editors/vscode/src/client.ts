/**
 * The language client: starts `ollama-lsp`, forwards settings, and implements OllamaServer.
 * Server-created work-done progress is taken over so that pulls show real percentages in a
 * notification and in the Model Manager, instead of a bare status-bar spinner; and the server's
 * messages go through `onMessage`, which shows them with buttons that act on them.
 */
import * as vscode from 'vscode';
import {
  CancellationTokenSource,
  ExecuteCommandRequest,
  LanguageClient,
  ResponseError,
  ShowMessageNotification,
  State,
  TransportKind,
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
  type LanguageClientOptions,
  type Middleware,
  type ServerOptions,
  type ShowMessageParams,
} from 'vscode-languageclient/node';
import { ProgressHub, type ProgressEvent, type ProgressToken, type ProgressValue } from './progressHub';
import { ServerError, type CancellationLike, type OllamaServer } from './server';

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

  constructor(
    output: vscode.LogOutputChannel,
    private readonly onMessage: (params: ShowMessageParams) => void,
    middleware: Middleware = {},
  ) {
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
      middleware,
    };
    this.client = new LanguageClient('ollama', 'Ollama', serverOptions, clientOptions);
    this.progress.setFallback((event) => this.showInWindow(event));
  }

  async start(): Promise<void> {
    await this.client.start();
    this.takeOver();
  }

  async restart(): Promise<void> {
    await this.client.restart();
    this.takeOver();
  }

  get running(): boolean {
    return this.client.state === State.Running;
  }

  /** Replace the client library's progress and message display (registered at start) with ours. */
  private takeOver(): void {
    this.client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      this.track(token);
    });
    this.client.onNotification(ShowMessageNotification.type, (params) => this.onMessage(params));
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

  async execute<T>(
    command: string,
    argument?: object,
    cancel?: CancellationLike,
    onProgress?: (event: ProgressEvent) => void,
  ): Promise<T> {
    const source = new CancellationTokenSource();
    const subscription = cancel?.onCancellationRequested(() => source.cancel());
    // A token of our own, so a server that reports on the request's token is followed too.
    const workDoneToken = `ollama-vscode/${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const tracked = this.track(workDoneToken);
    const stopListening = onProgress
      ? this.progress.listen((event) => {
          if (event.token !== workDoneToken) return false;
          onProgress(event);
          return true;
        })
      : undefined;
    try {
      const result: unknown = await this.client.sendRequest(
        ExecuteCommandRequest.type,
        // Always one argument object (docs/protocol.md): `{}` for the commands that need none.
        { command, arguments: [argument ?? {}], workDoneToken },
        source.token,
      );
      return result as T;
    } catch (error) {
      throw error instanceof ResponseError ? new ServerError(error.message) : error;
    } finally {
      stopListening?.();
      tracked.release();
      subscription?.dispose();
      source.dispose();
    }
  }
}
