/** Entry point: starts the server, wires notifications, registers the commands. */
import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import { ChatController, ChatScheme } from './chat';
import { OllamaClient } from './client';
import {
  deleteModelCommand,
  pullModelCommand,
  selectModelCommand,
  setQuantizationCommand,
  showStatusCommand,
} from './commands';
import { ModelManagerPanel } from './modelManager';
import { ChatDeltaNotification, StatusNotification, type ChatDelta, type StatusParams } from './protocol';
import { errorMessage } from './server';
import { StatusBar } from './statusBar';

let client: OllamaClient | undefined;

/** The API other extensions and the end-to-end tests can read. */
export interface OllamaExtensionApi {
  readonly client: OllamaClient;
  readonly statusBar: StatusBar;
}

export async function activate(context: vscode.ExtensionContext): Promise<OllamaExtensionApi> {
  const output = vscode.window.createOutputChannel('Ollama', { log: true });
  const statusBar = new StatusBar();
  const ollama = new OllamaClient(output);
  client = ollama;
  const chat = new ChatController(ollama);

  const modelsChanged = <A extends unknown[]>(run: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      await run(...args);
      ModelManagerPanel.refresh();
    };

  context.subscriptions.push(
    output,
    statusBar,
    chat,
    vscode.workspace.registerTextDocumentContentProvider(ChatScheme, chat),
    vscode.commands.registerCommand('ollamaLsp.selectModel', modelsChanged(() => selectModelCommand(ollama))),
    vscode.commands.registerCommand('ollamaLsp.pullModel', modelsChanged(() => pullModelCommand(ollama))),
    vscode.commands.registerCommand('ollamaLsp.setQuantization', modelsChanged(() => setQuantizationCommand(ollama))),
    vscode.commands.registerCommand('ollamaLsp.deleteModel', modelsChanged(() => deleteModelCommand(ollama))),
    vscode.commands.registerCommand('ollamaLsp.chat', () => chat.command()),
    vscode.commands.registerCommand('ollamaLsp.newChat', async () => {
      chat.reset();
      await chat.command();
    }),
    vscode.commands.registerCommand('ollamaLsp.showStatus', () => showStatusCommand(ollama)),
    vscode.commands.registerCommand('ollamaLsp.openModelManager', () => ModelManagerPanel.show(context.extensionUri, ollama)),
    vscode.commands.registerCommand('ollamaLsp.restartServer', () => ollama.restart()),
    ollama.client.onNotification(StatusNotification, (params: StatusParams) => statusBar.update(params)),
    ollama.client.onNotification(ChatDeltaNotification, (params: ChatDelta) => chat.onDelta(params)),
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
