/**
 * The chat view's extension side: runs the questions one after another through `ollama.chat`,
 * streams the answers to the page, stops one on request, and does what the page's code-block
 * buttons ask (no vscode import: unit-tested with a fake server).
 */
import type { ChatFromPage, ChatToPage } from './chatMessages';
import { ChatSession, type Turn } from './chatSession';
import { Commands, type ChatDelta, type ChatResult, type StatusResult } from './protocol';
import { errorMessage, type CancellationLike, type OllamaServer } from './server';

/** A range of an open document, as `ollama.chat` takes it. */
export interface Selection {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

export interface ChatEditor {
  /** Put code at the cursor of the editor the user was last in. */
  insert(code: string): Promise<void>;
  copy(code: string): Promise<void>;
}

/** A cancellation the host triggers itself (the request's `$/cancelRequest`). */
class StopSignal implements CancellationLike {
  isCancellationRequested = false;
  private readonly listeners = new Set<() => void>();
  onCancellationRequested(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  cancel(): void {
    this.isCancellationRequested = true;
    for (const listener of [...this.listeners]) listener();
  }
}

export class ChatHost {
  private session = new ChatSession();
  /** The selection that goes with the next question. */
  private context: { label: string; selection: Selection } | undefined;
  private readonly selections = new Map<number, Selection>();
  private stopAnswer: (() => void) | undefined;
  model: string | undefined;

  constructor(
    private readonly server: OllamaServer,
    private readonly post: (message: ChatToPage) => void,
    private readonly editor: ChatEditor,
  ) {}

  async handle(message: ChatFromPage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.post({ type: 'state', turns: this.session.turns, model: this.model, context: this.context?.label });
        return this.refreshModel();
      case 'ask':
        return this.ask(message.text);
      case 'stop':
        this.stopAnswer?.();
        return;
      case 'unqueue':
        if (this.session.unqueue(message.id)) this.post({ type: 'state', turns: this.session.turns, model: this.model, context: this.context?.label });
        return;
      case 'insert':
        return this.editor.insert(message.code);
      case 'copy':
        return this.editor.copy(message.code);
      case 'dropContext':
        this.attach(undefined);
        return;
    }
  }

  /** Send the next question along with `selection` (labelled e.g. `calc.py:3-7`), or none. */
  attach(context: { label: string; selection: Selection } | undefined): void {
    this.context = context;
    this.post({ type: 'context', label: context?.label });
  }

  /** Ask a question; it waits its turn when an answer is being written. */
  async ask(text: string): Promise<void> {
    const question = text.trim();
    if (!question) return;
    const turn = this.session.ask(question, this.context?.label);
    if (this.context) this.selections.set(turn.id, this.context.selection);
    this.attach(undefined);
    this.post({ type: 'turn', turn: { ...turn } });
    await this.pump();
  }

  /** Show which model answers (it may have been switched since). */
  async refreshModel(): Promise<void> {
    try {
      const status = await this.server.execute<StatusResult>(Commands.status);
      if (status.roles?.chat && status.roles.chat !== this.model) {
        this.model = status.roles.chat;
        this.post({ type: 'model', model: this.model });
      }
    } catch {
      // the page works without the name; the server has said what is wrong
    }
  }

  onDelta(delta: ChatDelta): void {
    const turn = this.session.answering;
    const before = turn?.answer.length ?? 0;
    if (this.session.applyDelta(delta) && turn) {
      this.post({ type: 'delta', id: turn.id, text: turn.answer.slice(before) });
    }
  }

  /** A new conversation: the answer being written stops, the page empties. */
  newChat(): void {
    this.stopAnswer?.();
    this.session = new ChatSession();
    this.selections.clear();
    this.post({ type: 'cleared' });
  }

  /** Answer queued questions one after another. */
  private async pump(): Promise<void> {
    const session = this.session;
    const turn = session.start();
    if (!turn) return;
    this.post({ type: 'turn', turn: { ...turn } });
    await this.answer(session, turn);
    if (session === this.session) this.post({ type: 'turn', turn: { ...turn } });
    await this.pump();
  }

  private async answer(session: ChatSession, turn: Turn): Promise<void> {
    const signal = new StopSignal();
    let progressToken: string | number | undefined;
    let stopped = false;
    this.stopAnswer = () => {
      stopped = true;
      // The progress's cancel stops the generation and returns what was written; before the
      // server began, the request itself is cancelled.
      if (progressToken !== undefined) this.server.cancelProgress(progressToken);
      else signal.cancel();
    };
    try {
      const result = await this.server.execute<ChatResult>(
        Commands.chat,
        { message: turn.question, conversationId: session.conversationId, includeSelection: this.selections.get(turn.id) },
        signal,
        (event) => {
          progressToken = event.token;
        },
      );
      session.finish(turn, result);
      if (result.model) this.model = result.model;
    } catch (error) {
      if (stopped) session.stop(turn);
      else session.fail(turn, errorMessage(error));
    } finally {
      this.stopAnswer = undefined;
      this.selections.delete(turn.id);
    }
  }
}
