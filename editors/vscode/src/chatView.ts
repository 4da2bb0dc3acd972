/**
 * The chat view in the Ollama side bar: a webview (page in media/chat.html, script bundled in
 * out/bundle/chat.js) driven by ChatHost. Code blocks insert at the cursor of the editor the
 * user was last in.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ChatFromPage, ChatToPage } from './chatMessages';
import { ChatHost } from './chatHost';
import { renderPage } from './modelManager';
import type { OllamaServer } from './server';

export const ChatViewId = 'ollamaLsp.chatView';

export class ChatView implements vscode.WebviewViewProvider, vscode.Disposable {
  readonly host: ChatHost;
  private view: vscode.WebviewView | undefined;
  private lastEditor: vscode.TextEditor | undefined = vscode.window.activeTextEditor;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    server: OllamaServer,
  ) {
    this.host = new ChatHost(server, (message: ChatToPage) => void this.view?.webview.postMessage(message), {
      insert: (code) => this.insert(code),
      copy: async (code) => {
        await vscode.env.clipboard.writeText(code);
        vscode.window.setStatusBarMessage('$(copy) Copied', 2000);
      },
    });
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor) this.lastEditor = editor;
      }),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const webview = view.webview;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const bundle = vscode.Uri.joinPath(this.extensionUri, 'out', 'bundle');
    webview.options = { enableScripts: true, localResourceRoots: [media, bundle] };
    const template = fs.readFileSync(vscode.Uri.joinPath(media, 'chat.html').fsPath, 'utf8');
    webview.html = renderPage(template, {
      cspSource: webview.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'chat.css')).toString(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(bundle, 'chat.js')).toString(),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((message: ChatFromPage) => this.host.handle(message)),
      view.onDidDispose(() => (this.view = undefined)),
    );
  }

  /** The Chat command: show the view, with the editor's selection attached; ask `message` if given. */
  async open(message?: string): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (editor && !editor.selection.isEmpty) {
      const { start, end } = editor.selection;
      this.host.attach({
        label: `${vscode.workspace.asRelativePath(editor.document.uri)}:${start.line + 1}-${end.line + 1}`,
        selection: {
          uri: editor.document.uri.toString(),
          range: { start: { line: start.line, character: start.character }, end: { line: end.line, character: end.character } },
        },
      });
    }
    await vscode.commands.executeCommand(`${ChatViewId}.focus`);
    if (message) await this.host.ask(message);
    else void this.view?.webview.postMessage({ type: 'focus' } satisfies ChatToPage);
  }

  private async insert(code: string): Promise<void> {
    const editor = this.lastEditor;
    if (!editor || editor.document.isClosed) {
      void vscode.window.showWarningMessage('Ollama: open a file to insert the code into.');
      return;
    }
    await vscode.window.showTextDocument(editor.document, editor.viewColumn);
    await editor.edit((edit) => edit.replace(editor.selection, code));
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
