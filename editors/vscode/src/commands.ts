/** The Ollama commands of the command palette. */
import * as vscode from 'vscode';
import { modelPickItems, pullPickGroups, type ModelPickItem, type PickGroup } from './format';
import { followModel } from './progressHub';
import {
  Commands,
  QuantizationLevels,
  type ListModelsResult,
  type PullResult,
  type QuantizationResult,
  type Role,
  type SwitchResult,
} from './protocol';
import { ServerError, errorMessage, type OllamaServer } from './server';

const OTHER_MODEL = '$(edit) Another model…';
const PULL_A_MODEL = '$(cloud-download) Pull a model…';

type Pick = ModelPickItem | vscode.QuickPickItem;

function withSeparators(groups: PickGroup[]): Pick[] {
  return groups.flatMap((g) => [{ label: g.label, kind: vscode.QuickPickItemKind.Separator }, ...g.items]);
}

/** A model from a quick pick; `undefined` when dismissed, `PULL_A_MODEL` when the user asked for that. */
async function pickModel(
  server: OllamaServer,
  title: string,
  items: (r: ListModelsResult) => Pick[],
  extra?: string,
): Promise<string | undefined> {
  const list = server.execute<ListModelsResult>(Commands.listModels).then((r) => {
    const picks = items(r);
    const last = picks.at(-1);
    if (extra && last && !('kind' in last && last.kind === vscode.QuickPickItemKind.Separator)) {
      picks.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
    }
    if (extra) picks.push({ label: extra });
    return picks;
  });
  const choice = await vscode.window.showQuickPick(list, {
    title,
    placeHolder: 'Type to filter',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!choice) return undefined;
  if ('model' in choice) return choice.model;
  if (choice.label === OTHER_MODEL) {
    return vscode.window.showInputBox({ title, prompt: 'Model name, e.g. qwen2.5-coder:7b-base', ignoreFocusOut: true });
  }
  return choice.label;
}

async function pickRole(title: string): Promise<Role | undefined> {
  const choice = await vscode.window.showQuickPick(
    [
      { label: 'completion', description: 'inline suggestions', role: 'completion' as Role },
      { label: 'chat', description: 'Ollama: Chat', role: 'chat' as Role },
      { label: 'next edit', description: 'the edit after this one, near the cursor', role: 'nextEdit' as Role },
    ],
    { title },
  );
  return choice?.role;
}

/**
 * Tell the user what went wrong, unless the server already did: it shows every command failure
 * itself (`window/showMessage`, with buttons), so repeating it would say it twice.
 */
export async function reportFailure(action: string, error: unknown): Promise<void> {
  if (error instanceof ServerError) return;
  await vscode.window.showErrorMessage(`Ollama: ${action} failed: ${errorMessage(error)}`);
}

/** Switch the model of a role; the server shows the load's progress and its result, once. */
export async function switchModel(server: OllamaServer, model: string, role: Role): Promise<SwitchResult | undefined> {
  try {
    return await server.execute<SwitchResult>(Commands.switchModel, { model, role });
  } catch (error) {
    await reportFailure(`switching to ${model}`, error);
    return undefined;
  }
}

/** Pull a model, showing the server's progress in a cancellable notification; then use it for `use`. */
export async function pullModel(server: OllamaServer, model: string, use?: Role): Promise<PullResult | undefined> {
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
    // the server's own message says how the pull ended
    if (use && result.status === 'done') await switchModel(server, model, use);
    return result;
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
    return result.deleted; // the server says it was deleted
  } catch (error) {
    await reportFailure(`deleting ${model}`, error);
    return false;
  }
}

/** Pulled models; with none, the way to get one. */
function installedPicks(r: ListModelsResult): Pick[] {
  return r.models.length ? modelPickItems(r) : [{ label: 'No models pulled yet', kind: vscode.QuickPickItemKind.Separator }];
}

export async function selectModelCommand(server: OllamaServer, role?: Role): Promise<void> {
  try {
    const title = role ? `Ollama: ${role === 'completion' ? 'Completion' : 'Chat'} Model` : 'Ollama: Select Model';
    const model = await pickModel(server, title, installedPicks, PULL_A_MODEL);
    if (model === PULL_A_MODEL) return pullModelCommand(server);
    if (!model) return;
    const chosen = role ?? (await pickRole(`Use ${model} for`));
    if (chosen) await switchModel(server, model, chosen);
  } catch (error) {
    await reportFailure('listing models', error);
  }
}

export async function pullModelCommand(server: OllamaServer, model?: string, use?: Role): Promise<void> {
  try {
    const name = model ?? (await pickModel(server, 'Ollama: Pull Model', (r) => withSeparators(pullPickGroups(r)), OTHER_MODEL));
    if (name) await pullModel(server, name.trim(), use);
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
    // the server shows the quantization's (or the pull's) own progress
    const result = await server.execute<QuantizationResult>(Commands.setQuantization, { model, level, role });
    const what = result.created ? 'created' : result.pulled ? 'pulled' : 'ready';
    void vscode.window.showInformationMessage(`Ollama: ${result.model} (${result.level}) ${what}.`);
  } catch (error) {
    await reportFailure('setting the quantization', error);
  }
}
