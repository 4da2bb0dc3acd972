/** The Model Manager's extension side: answers the page's messages through the server. */
import type { FromPage, ToPage } from './managerMessages';
import { followModel, type ProgressEvent } from './progressHub';
import { Commands, type ListModelsResult, type PullResult, type Role, type ShowModelResult } from './protocol';
import { errorMessage, type OllamaServer } from './server';

export interface ManagerActions {
  /** Switch with the editor's own progress and messages. */
  switchModel(model: string, role: Role): Promise<unknown>;
  /** Delete after the user confirmed; resolves true when deleted. */
  deleteModel(model: string): Promise<boolean>;
}

/** The model a pull's progress is about: the server titles it "Pulling <model>". */
export function pulledModel(event: ProgressEvent): string | undefined {
  return /^Pulling (\S+)$/.exec(event.title)?.[1];
}

export class ModelManagerHost {
  private readonly pulling = new Set<string>();
  private readonly stopWatching: () => void;

  constructor(
    private readonly server: OllamaServer,
    private readonly post: (message: ToPage) => void,
    private readonly actions: ManagerActions,
  ) {
    // Every pull shows in its row, also one started from the command palette.
    this.stopWatching = server.progress.listen((event) => {
      const model = pulledModel(event);
      if (model && event.kind !== 'end') {
        this.post({ type: 'progress', model, percentage: event.percentage, message: event.message, done: false });
      }
      return false; // watched, not claimed: a palette pull keeps its notification
    });
  }

  async refresh(): Promise<void> {
    try {
      const data = await this.server.execute<ListModelsResult>(Commands.listModels);
      this.post({ type: 'models', data });
    } catch (error) {
      this.post({ type: 'error', message: errorMessage(error) });
    }
  }

  async handle(message: FromPage): Promise<void> {
    switch (message.type) {
      case 'ready':
      case 'refresh':
        return this.refresh();
      case 'pull':
        return this.pull(message.model, message.use);
      case 'cancelPull':
        await this.server.execute(Commands.cancelPull, { model: message.model }).catch(() => undefined);
        return;
      case 'switch':
        await this.actions.switchModel(message.model, message.role);
        return this.refresh();
      case 'delete':
        if (await this.actions.deleteModel(message.model)) await this.refresh();
        return;
      case 'compare':
        return this.compare(message.models);
    }
  }

  /** A pull from the page: its progress shows in the row only (claimed from the notification). */
  private async pull(model: string, use?: Role): Promise<void> {
    if (this.pulling.has(model)) return;
    this.pulling.add(model);
    const claim = followModel(this.server.progress, model, () => undefined);
    try {
      const result = await this.server.execute<PullResult>(Commands.pullModel, { model });
      this.post({ type: 'progress', model, percentage: 100, message: result.status, done: true });
      if (use && result.status === 'done') await this.actions.switchModel(model, use);
      await this.refresh();
    } catch (error) {
      // The server's message as it is (it already names the model), at the model's row.
      this.post({ type: 'progress', model, done: true, error: errorMessage(error) });
    } finally {
      claim();
      this.pulling.delete(model);
    }
  }

  private async compare(models: string[]): Promise<void> {
    try {
      const details = await Promise.all(
        models.map((model) => this.server.execute<ShowModelResult>(Commands.showModel, { model })),
      );
      this.post({ type: 'comparison', models: details });
    } catch (error) {
      this.post({ type: 'error', message: errorMessage(error) });
    }
  }

  dispose(): void {
    this.stopWatching();
  }
}
