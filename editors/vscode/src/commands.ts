/** The Ollama commands of the command palette. */
import * as vscode from 'vscode';
import { catalogPickItems, modelPickItems, statusLines, type ModelPickItem } from './format';
import { followModel } from './progressHub';
import {
  Commands,
  QuantizationLevels,
  type ListModelsResult,
  type PullResult,
  type QuantizationResult,
  type Role,
  type StatusResult,
  type SwitchResult,
} from './protocol';
import { errorMessage, type OllamaServer } from './server';

const OTHER_MODEL = '$(edit) Another model…';

async function pickModel(
  server: OllamaServer,
  title: string,
  items: (r: ListModelsResult) => ModelPickItem[],
  allowOther = false,
): Promise<string | undefined> {
  const list = server.execute<ListModelsResult>(Commands.listModels).then((r) => {
    const picks: (ModelPickItem | vscode.QuickPickItem)[] = items(r);
    if (allowOther) picks.push({ label: OTHER_MODEL });
    return picks;
  });
  const choice = await vscode.window.showQuickPick(list, { title, matchOnDescription: true, matchOnDetail: true });
  if (!choice) return undefined;
  if ('model' in choice) return choice.model;
  return vscode.window.showInputBox({ title, prompt: 'Model name, e.g. qwen2.5-coder:7b-base', ignoreFocusOut: true });
}

async function pickRole(title: string): Promise<Role | undefined> {
  const choice = await vscode.window.showQuickPick(
    [
      { label: 'completion', description: 'inline suggestions', role: 'completion' as Role },
      { label: 'chat', description: 'Ollama: Chat', role: 'chat' as Role },
    ],
    { title },
  );
  return choice?.role;
}

/** Tell the user what went wrong; the server's message already says what to do. */
export async function reportFailure(action: string, error: unknown): Promise<void> {
  await vscode.window.showErrorMessage(`Ollama: ${action} failed: ${errorMessage(error)}`);
}

/** Switch the model of a role, with progress while it loads. */
export async function switchModel(server: OllamaServer, model: string, role: Role): Promise<SwitchResult | undefined> {
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Loading ${model} for ${role}…` },
      () => server.execute<SwitchResult>(Commands.switchModel, { model, role }),
    );
    void vscode.window.showInformationMessage(
      `Ollama: ${result.role} now uses ${result.model}${result.loadMs ? ` (loaded in ${result.loadMs} ms)` : ''}.`,
    );
    return result;
  } catch (error) {
    await reportFailure(`switching to ${model}`, error);
    return undefined;
  }
}

/** Pull a model, showing the server's progress in a cancellable notification. */
export async function pullModel(server: OllamaServer, model: string): Promise<PullResult | undefined> {
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Pulling ${model}`, cancellable: true },
      async (progress, cancel) => {
        let last = 0;
        const stop = followModel(server.progress, model, (event) => {
          if (event.kind === 'end') return;
          const percentage = event.percentage ?? last;
          progress.report({ message: event.message, increment: Math.max(0, percentage - last) });
          last = Math.max(last, percentage);
        });
        const cancelled = cancel.onCancellationRequested(() => {
          void server.execute(Commands.cancelPull, { model }).catch(() => undefined);
        });
        try {
          return await server.execute<PullResult>(Commands.pullModel, { model });
        } finally {
          stop();
          cancelled.dispose();
        }
      },
    );
    return result; // the server's own message says how the pull ended
  } catch (error) {
    await reportFailure(`pulling ${model}`, error);
    return undefined;
  }
}

/** Delete a model after a modal confirmation. */
export async function deleteModel(server: OllamaServer, model: string): Promise<boolean> {
  const answer = await vscode.window.showWarningMessage(
    `Delete ${model} from Ollama? It has to be pulled again to be used.`,
    { modal: true },
    'Delete',
  );
  if (answer !== 'Delete') return false;
  try {
    const result = await server.execute<{ deleted: boolean }>(Commands.deleteModel, { model, confirm: true });
    if (result.deleted) void vscode.window.showInformationMessage(`Ollama: deleted ${model}.`);
    return result.deleted;
  } catch (error) {
    await reportFailure(`deleting ${model}`, error);
    return false;
  }
}

export async function selectModelCommand(server: OllamaServer): Promise<void> {
  try {
    const model = await pickModel(server, 'Ollama: Select Model', modelPickItems);
    if (!model) return;
    const role = await pickRole(`Use ${model} for`);
    if (role) await switchModel(server, model, role);
  } catch (error) {
    await reportFailure('listing models', error);
  }
}

export async function pullModelCommand(server: OllamaServer): Promise<void> {
  try {
    const model = await pickModel(server, 'Ollama: Pull Model', catalogPickItems, true);
    if (model) await pullModel(server, model.trim());
  } catch (error) {
    await reportFailure('listing models', error);
  }
}

export async function deleteModelCommand(server: OllamaServer): Promise<void> {
  try {
    const model = await pickModel(server, 'Ollama: Delete Model', modelPickItems);
    if (model) await deleteModel(server, model);
  } catch (error) {
    await reportFailure('listing models', error);
  }
}

export async function setQuantizationCommand(server: OllamaServer): Promise<void> {
  try {
    const model = await pickModel(server, 'Ollama: Set Quantization', modelPickItems);
    if (!model) return;
    const level = await vscode.window.showQuickPick(QuantizationLevels, {
      title: `Quantization for ${model}`,
      placeHolder: 'smaller and faster first; q4_K_M is a good default, q8_0 is close to the original',
    });
    if (!level) return;
    const role = await pickRole(`Use ${model} at ${level} for`);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Quantizing ${model} to ${level}…` },
      () => server.execute<QuantizationResult>(Commands.setQuantization, { model, level, role }),
    );
    const what = result.created ? 'created' : result.pulled ? 'pulled' : 'ready';
    void vscode.window.showInformationMessage(`Ollama: ${result.model} (${result.level}) ${what}.`);
  } catch (error) {
    await reportFailure('setting the quantization', error);
  }
}

export async function showStatusCommand(server: OllamaServer): Promise<void> {
  try {
    const status = await server.execute<StatusResult>(Commands.status);
    await vscode.window.showInformationMessage(`Ollama: ${status.state}`, {
      modal: true,
      detail: statusLines(status).join('\n'),
    });
  } catch (error) {
    await reportFailure('reading the status', error);
  }
}

