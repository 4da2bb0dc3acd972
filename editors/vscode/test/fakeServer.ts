/** An OllamaServer that answers commands from handlers and records what was asked. */
import { ProgressHub, type ProgressEvent } from '../src/progressHub';
import type { CancellationLike, OllamaServer } from '../src/server';

type Handler = (argument: Record<string, unknown> | undefined, server: FakeServer) => unknown;

export class FakeServer implements OllamaServer {
  readonly progress = new ProgressHub();
  readonly calls: { command: string; argument?: Record<string, unknown> }[] = [];
  readonly cancelled: (string | number)[] = [];

  constructor(private readonly handlers: Record<string, Handler>) {}

  /** The work-done token of the last command: progress on it goes to that command's listener. */
  lastToken = 0;

  async execute<T>(
    command: string,
    argument?: object,
    _cancel?: CancellationLike,
    onProgress?: (event: ProgressEvent) => void,
  ): Promise<T> {
    this.calls.push({ command, argument: argument as Record<string, unknown> | undefined });
    const token = ++this.lastToken;
    if (onProgress) {
      this.progress.listen((event) => {
        if (String(event.token) !== String(token)) return false;
        onProgress(event);
        return true;
      });
    }
    const handler = this.handlers[command];
    if (!handler) throw new Error(`unexpected command ${command}`);
    return (await handler(argument as Record<string, unknown> | undefined, this)) as T;
  }

  cancelProgress(token: string | number): void {
    this.cancelled.push(token);
  }

  /** Commands called, in order. */
  get commands(): string[] {
    return this.calls.map((c) => c.command);
  }
}

export const listModelsFixture = {
  models: [
    { name: 'qwen2.5-coder:1.5b-base', size: 986_000_000, family: 'qwen2', parameterSize: '1.5B', quantization: 'Q4_K_M', supportsFim: true, loaded: true, roles: ['completion' as const] },
    { name: 'llama3.2:3b', size: 2_000_000_000, family: 'llama', parameterSize: '3.2B', quantization: 'Q4_K_M', supportsFim: false, loaded: false, roles: ['chat' as const] },
  ],
  catalog: [
    { name: 'qwen2.5-coder:1.5b-base', sizeBytes: 986_000_000, pulled: true, supportsFim: true, fits: true },
    { name: 'starcoder2:3b', family: 'starcoder2', parameterSize: '3B', quantization: 'Q4_0', sizeBytes: 1_700_000_000, pulled: false, supportsFim: true, fits: true },
    { name: 'codellama:70b-code', family: 'llama', parameterSize: '70B', quantization: 'Q4_0', sizeBytes: 39_000_000_000, pulled: false, supportsFim: true, fits: false },
  ],
};
