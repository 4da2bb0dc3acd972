/** What the editor side needs from the language server, behind an interface tests can fake. */
import type { ProgressEvent, ProgressHub } from './progressHub';

export interface CancellationLike {
  isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface OllamaServer {
  /**
   * `workspace/executeCommand` with one argument object; rejects with the server's message
   * (a `ServerError`). `onProgress` receives the command's own work-done progress, which then
   * shows nowhere else.
   */
  execute<T>(
    command: string,
    argument?: object,
    cancel?: CancellationLike,
    onProgress?: (event: ProgressEvent) => void,
  ): Promise<T>;
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

/**
 * A command the server answered with an error. The server has already shown its message to
 * the user (`window/showMessage`), so the editor does not show it a second time.
 */
export class ServerError extends Error {
  override readonly name = 'ServerError';
}
