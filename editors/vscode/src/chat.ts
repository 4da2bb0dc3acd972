/**
 * Chat in a read-only markdown document (`ollama-chat:` scheme) that fills as the answer streams;
 * read-only so closing it never asks to save.
 */
import * as vscode from 'vscode';
import { Commands, type ChatDelta, type ChatResult } from './protocol';
import { errorMessage, type OllamaServer } from './server';
import { ChatTranscript } from './transcript';

export const ChatScheme = 'ollama-chat';

export interface Selection {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

export class ChatController implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private transcript = new ChatTranscript();
  private number = 1;

  constructor(private readonly server: OllamaServer) {}

  get uri(): vscode.Uri {
    return vscode.Uri.parse(`${ChatScheme}:Ollama Chat ${this.number}.md`);
  }

  provideTextDocumentContent(): string {
    return this.transcript.text;
  }

  onDelta(delta: ChatDelta): void {
    if (this.transcript.applyDelta(delta)) this.changed.fire(this.uri);
  }

  /** Start a new conversation in a new document. */
  reset(): void {
    this.transcript = new ChatTranscript();
    this.number += 1;
  }

  /** Send a message, streaming the answer into the chat document. */
  async send(message: string, selection?: Selection, label?: string): Promise<void> {
    if (this.transcript.pending) {
      void vscode.window.showWarningMessage('Ollama: an answer is still being written.');
      return;
    }
    const transcript = this.transcript;
    transcript.ask(message, label);
    this.changed.fire(this.uri);
    const document = await vscode.workspace.openTextDocument(this.uri);
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: false });
    try {
      const result = await this.server.execute<ChatResult>(Commands.chat, {
        message,
        conversationId: transcript.conversationId,
        includeSelection: selection,
      });
      transcript.finish(result);
    } catch (error) {
      transcript.fail(errorMessage(error));
    }
    this.changed.fire(this.uri);
  }

  /** Stop the answer being written. */
  async cancel(): Promise<void> {
    if (this.transcript.pending && this.transcript.conversationId) {
      await this.server.execute(Commands.cancelChat, { conversationId: this.transcript.conversationId });
    }
  }

  /** The Chat command: ask for a message; the selection of the active editor goes along. */
  async command(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const message = await vscode.window.showInputBox({
      title: 'Ollama: Chat',
      prompt: editor && !editor.selection.isEmpty ? 'Ask about the selected code' : 'Ask a question',
      ignoreFocusOut: true,
    });
    if (!message) return;
    let selection: Selection | undefined;
    let label: string | undefined;
    if (editor && !editor.selection.isEmpty && editor.document.uri.scheme !== ChatScheme) {
      const { start, end } = editor.selection;
      selection = {
        uri: editor.document.uri.toString(),
        range: { start: { line: start.line, character: start.character }, end: { line: end.line, character: end.character } },
      };
      label = `${vscode.workspace.asRelativePath(editor.document.uri)}:${start.line + 1}-${end.line + 1}`;
    }
    await this.send(message, selection, label);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
