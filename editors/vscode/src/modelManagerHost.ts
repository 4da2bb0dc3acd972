/** The Model Manager's extension side: answers the page's messages through the server. */
import type { FromPage, ToPage } from './managerMessages';
import { followModel } from './progressHub';
import { Commands, type ListModelsResult, type PullResult, type ShowModelResult } from './protocol';
import { errorMessage, type OllamaServer } from './server';

export interface ManagerActions {
  /** Switch with the editor's own progress and messages. */
  switchModel(model: string, role: 'completion' | 'chat'): Promise<unknown>;
  /** Delete after the user confirmed; resolves true when deleted. */
  deleteModel(model: string): Promise<boolean>;
}

export class ModelManagerHost {
  private readonly pulling = new Set<string>();

  constructor(
    private readonly server: OllamaServer,
    private readonly post: (message: ToPage) => void,
    private readonly actions: ManagerActions,
  ) {}

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
        return this.pull(message.model);
      case 'cancelPull':
        await this.server.execute(Commands.cancelPull, { model: message.model }).catch((error: unknown) => {
          this.post({ type: 'error', message: errorMessage(error) });
        });
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

  private async pull(model: string): Promise<void> {
    if (this.pulling.has(model)) return;
    this.pulling.add(model);
    const stop = followModel(this.server.progress, model, (event) => {
      if (event.kind !== 'end') {
        this.post({ type: 'progress', model, percentage: event.percentage, message: event.message, done: false });
      }
    });
    try {
      const result = await this.server.execute<PullResult>(Commands.pullModel, { model });
      this.post({ type: 'progress', model, percentage: 100, message: result.status, done: true });
      await this.refresh();
    } catch (error) {
      this.post({ type: 'progress', model, message: errorMessage(error), done: true });
      this.post({ type: 'error', message: `Pulling ${model} failed: ${errorMessage(error)}` });
    } finally {
      stop();
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
}
