/** What the editor side needs from the language server, behind an interface tests can fake. */
import type { ProgressHub } from './progressHub';

export interface CancellationLike {
  isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface OllamaServer {
  /** `workspace/executeCommand` with one argument object; rejects with the server's message. */
  execute<T>(command: string, argument?: object, cancel?: CancellationLike): Promise<T>;
  /** Server-created and command progress, as events. */
  readonly progress: ProgressHub;
  /** A server-side cancel of a work-done progress the user stopped. */
  cancelProgress(token: string | number): void;
}

/** The user-facing text of a rejected request. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}
