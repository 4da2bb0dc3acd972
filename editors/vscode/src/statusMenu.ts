/**
 * The Ollama menu the status bar opens: the models in use (click to switch), pull, the Model
 * Manager, chat, completions on or off for the current language, the endpoints and logs.
 */
import * as vscode from 'vscode';
import { completionsOff, endpointSummary, outcomeRow } from './format';
import { Commands, type StatusResult } from './protocol';
import { errorMessage, type OllamaServer } from './server';

interface MenuItem extends vscode.QuickPickItem {
  run?: () => Thenable<unknown>;
}

const command =
  (id: string, ...args: unknown[]) =>
  (): Thenable<unknown> =>
    vscode.commands.executeCommand(id, ...args);

const separator = (label: string): MenuItem => ({ label, kind: vscode.QuickPickItemKind.Separator });

/** Turn inline suggestions on or off for one language, in the user's settings. */
export async function toggleLanguage(language: string): Promise<void> {
  const config = vscode.workspace.getConfiguration('ollama.completion');
  const languages = config.get<string[]>('languages') ?? ['*'];
  const disabled = config.get<string[]>('disabledLanguages') ?? [];
  const target = vscode.ConfigurationTarget.Global;
  if (completionsOff(language, languages, disabled)) {
    await config.update('disabledLanguages', disabled.filter((l) => l !== language), target);
    if (!languages.includes('*') && !languages.includes(language)) {
      await config.update('languages', [...languages, language], target);
    }
  } else {
    await config.update('disabledLanguages', [...disabled, language], target);
  }
}

function items(status: StatusResult | string, language: string | undefined): MenuItem[] {
  const menu: MenuItem[] = [];
  if (typeof status === 'string') {
    menu.push({ label: '$(error) The server did not answer', detail: status, run: command('ollamaLsp.showLogs') });
  }
  const roles = typeof status === 'string' ? {} : (status.roles ?? {});
  menu.push(
    separator('Models'),
    {
      label: '$(sparkle) Completion model',
      description: roles.completion ?? '',
      detail: 'Switch the model of inline suggestions',
      run: command('ollamaLsp.selectModel', 'completion'),
    },
    {
      label: '$(comment-discussion) Chat model',
      description: roles.chat ?? '',
      detail: 'Switch the model that answers in chat',
      run: command('ollamaLsp.selectModel', 'chat'),
    },
    { label: '$(cloud-download) Pull a model…', run: command('ollamaLsp.pullModel') },
    { label: '$(server-environment) Open Model Manager', run: command('ollamaLsp.openModelManager') },
    { label: '$(comment) Open Chat', run: command('ollamaLsp.chat') },
  );
  if (language) {
    const config = vscode.workspace.getConfiguration('ollama.completion');
    const off = completionsOff(language, config.get<string[]>('languages') ?? ['*'], config.get<string[]>('disabledLanguages') ?? []);
    menu.push(separator('Inline suggestions'), {
      label: off ? `$(check) Enable for ${language}` : `$(circle-slash) Disable for ${language}`,
      run: () => toggleLanguage(language),
    });
  }
  const outcomes = typeof status === 'string' ? undefined : outcomeRow(status.suggestions?.completion);
  if (outcomes) {
    if (!language) menu.push(separator('Inline suggestions'));
    menu.push(outcomes);
  }
  menu.push(separator('Ollama'));
  if (typeof status !== 'string') {
    for (const e of status.endpoints ?? []) {
      menu.push({
        label: `${e.healthy ? '$(pass-filled)' : '$(error)'} ${e.url}`,
        description: e.healthy ? endpointSummary(e) : (e.error ?? 'unreachable'),
        run: command('workbench.action.openSettings', 'ollama.endpoints'),
      });
    }
    for (const err of status.lastErrors ?? []) {
      const text = typeof err === 'string' ? err : ((err as { message?: string }).message ?? JSON.stringify(err));
      menu.push({ label: '$(warning) Last error', detail: text, run: command('ollamaLsp.showLogs') });
    }
  }
  menu.push(
    { label: '$(output) Show Logs', run: command('ollamaLsp.showLogs') },
    { label: '$(settings-gear) Settings', run: command('workbench.action.openSettings', 'ollama') },
  );
  return menu;
}

/** Show the menu; the status comes from the server while it opens. */
export async function showStatusMenu(server: OllamaServer, summary: string): Promise<void> {
  const language = vscode.window.activeTextEditor?.document.languageId;
  const list = server
    .execute<StatusResult>(Commands.status)
    .then((status) => items(status, language), (error: unknown) => items(errorMessage(error), language));
  const choice = await vscode.window.showQuickPick(list, { title: `Ollama: ${summary}`, matchOnDescription: true });
  await choice?.run?.();
}
