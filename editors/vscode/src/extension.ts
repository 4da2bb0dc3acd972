/** Entry point: starts the server, wires notifications, registers the commands and views. */
import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import { ChatView, ChatViewId } from './chatView';
import { OllamaClient } from './client';
import { deleteModelCommand, pullModelCommand, selectModelCommand, setQuantizationCommand } from './commands';
import { reportCursorRests } from './cursorReports';
import { completionsOff } from './format';
import { ModelManagerPanel } from './modelManager';
import { NextEditController } from './nextEdit';
import { showNotice } from './notices';
import { offeredItems, SuggestionWatcher } from './outcomes';
import { ChatDeltaNotification, Commands, StatusNotification, type ChatDelta, type Role, type StatusParams } from './protocol';
import { errorMessage } from './server';
import { StatusBar } from './statusBar';
import { showStatusMenu } from './statusMenu';

let client: OllamaClient | undefined;

/** The API other extensions and the end-to-end tests can read. */
export interface OllamaExtensionApi {
  readonly client: OllamaClient;
  readonly statusBar: StatusBar;
}

/** Whether inline suggestions are off for the active editor's language (for the status bar). */
function languageOff(): string | undefined {
  const language = vscode.window.activeTextEditor?.document.languageId;
  if (!language) return undefined;
  const config = vscode.workspace.getConfiguration('ollama.completion');
  const off =
    config.get<boolean>('enabled') === false ||
    completionsOff(language, config.get<string[]>('languages') ?? ['*'], config.get<string[]>('disabledLanguages') ?? []);
  return off ? language : undefined;
}

export async function activate(context: vscode.ExtensionContext): Promise<OllamaExtensionApi> {
  const output = vscode.window.createOutputChannel('Ollama', { log: true });
  const statusBar = new StatusBar();
  // What became of each suggestion, told to the server (its counts stay on this machine).
  const watcher = new SuggestionWatcher((item, outcome) => {
    ollama.execute(Commands.suggestionOutcome, { id: item.id, kind: item.kind, outcome }).catch(() => undefined);
  });
  const ollama: OllamaClient = new OllamaClient(
    output,
    (params) => {
      void showNotice(ollama, output, params, statusBar.last?.model ?? undefined);
    },
    {
      provideInlineCompletionItems: async (document, position, context, token, next) => {
        const version = document.version;
        const result = await next(document, position, context, token);
        if (document.version === version) {
          watcher.offered(document.uri.toString(), version, position, offeredItems(result, position));
        }
        return result;
      },
    },
  );
  client = ollama;
  const chat = new ChatView(context.extensionUri, ollama);

  const modelsChanged = <A extends unknown[]>(run: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      await run(...args);
      ModelManagerPanel.refresh();
      void chat.host.refreshModel();
    };
  const updateLanguage = () => statusBar.setOffFor(languageOff());
  updateLanguage();

  context.subscriptions.push(
    output,
    statusBar,
    chat,
    new NextEditController(ollama.client),
    vscode.window.registerWebviewViewProvider(ChatViewId, chat, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.commands.registerCommand('ollamaLsp.selectModel', modelsChanged((role?: Role) => selectModelCommand(ollama, role))),
    vscode.commands.registerCommand(
      'ollamaLsp.pullModel',
      modelsChanged((model?: string, use?: Role) => pullModelCommand(ollama, model, use)),
    ),
    vscode.commands.registerCommand('ollamaLsp.setQuantization', modelsChanged(() => setQuantizationCommand(ollama))),
    vscode.commands.registerCommand('ollamaLsp.deleteModel', modelsChanged(() => deleteModelCommand(ollama))),
    vscode.commands.registerCommand('ollamaLsp.chat', (message?: string) => chat.open(typeof message === 'string' ? message : undefined)),
    vscode.commands.registerCommand('ollamaLsp.chatAboutSelection', () => chat.open()),
    vscode.commands.registerCommand('ollamaLsp.newChat', () => chat.host.newChat()),
    vscode.commands.registerCommand('ollamaLsp.showStatus', () => showStatusMenu(ollama, statusBar.summary())),
    vscode.commands.registerCommand('ollamaLsp.showLogs', () => output.show()),
    vscode.commands.registerCommand('ollamaLsp.openModelManager', () => ModelManagerPanel.show(context.extensionUri, ollama)),
    vscode.commands.registerCommand('ollamaLsp.restartServer', () => ollama.restart()),
    vscode.window.onDidChangeActiveTextEditor(updateLanguage),
    reportCursorRests(ollama),
    vscode.window.onDidChangeActiveTextEditor(() => watcher.left()),
    vscode.workspace.onDidChangeTextDocument((event) =>
      watcher.changed(
        event.document.uri.toString(),
        event.document.version,
        event.contentChanges.map((c) => ({ at: c.range.start, rangeLength: c.rangeLength, text: c.text })),
      ),
    ),
    vscode.window.onDidChangeTextEditorSelection((event) =>
      watcher.moved(event.textEditor.document.uri.toString(), event.textEditor.document.version, event.selections[0].active),
    ),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('ollama.completion')) updateLanguage();
    }),
    ollama.client.onNotification(StatusNotification, (params: StatusParams) => statusBar.update(params)),
    ollama.client.onNotification(ChatDeltaNotification, (params: ChatDelta) => chat.host.onDelta(params)),
    ollama.client.onDidChangeState((event) => {
      if (event.newState === State.Stopped) statusBar.stopped('The ollama-lsp server stopped; see the Ollama output.');
    }),
  );

  try {
    await ollama.start();
  } catch (error) {
    const message = `Ollama: could not start the language server "${vscode.workspace.getConfiguration('ollama').get('server.command')}": ${errorMessage(error)}. Install it with "pip install ollama-lsp" or set "ollama.server.command".`;
    statusBar.stopped(message);
    void vscode.window.showErrorMessage(message, 'Open Settings').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'ollama.server');
    });
  }
  return { client: ollama, statusBar };
}

export async function deactivate(): Promise<void> {
  if (client?.running) await client.client.stop();
  client = undefined;
}
