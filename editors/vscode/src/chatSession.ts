/**
 * One chat conversation: the turns the chat view shows, a queue of questions asked while an
 * answer is being written, and the server's conversation id (no vscode import: unit-tested).
 */
import type { ChatDelta, ChatResult } from './protocol';

export type TurnState = 'queued' | 'answering' | 'done' | 'stopped' | 'failed';

export interface Turn {
  id: number;
  question: string;
  /** What went along with the question, e.g. `calc.py:3-7`. */
  context?: string;
  answer: string;
  state: TurnState;
  error?: string;
  tokensPerSecond?: number;
}

export class ChatSession {
  readonly turns: Turn[] = [];
  /** The server's id, known from the first delta or result; later questions continue it. */
  conversationId: string | undefined;
  private nextId = 1;

  /** Add a question: answered at once, or queued behind the answer being written. */
  ask(question: string, context?: string): Turn {
    const turn: Turn = { id: this.nextId++, question, context, answer: '', state: 'queued' };
    this.turns.push(turn);
    return turn;
  }

  get answering(): Turn | undefined {
    return this.turns.find((t) => t.state === 'answering');
  }

  /** The next queued question, now answering; none while another answer is being written. */
  start(): Turn | undefined {
    if (this.answering) return undefined;
    const next = this.turns.find((t) => t.state === 'queued');
    if (next) next.state = 'answering';
    return next;
  }

  /** Streamed text for the answer being written; returns that turn when the text grew. */
  applyDelta(delta: ChatDelta): Turn | undefined {
    const turn = this.answering;
    if (!turn) return undefined;
    if (this.conversationId !== undefined && delta.conversationId !== this.conversationId) return undefined;
    this.conversationId = delta.conversationId;
    if (!delta.delta) return undefined;
    turn.answer += delta.delta;
    return turn;
  }

  /** The request ended: the whole answer (if nothing streamed), stopped or done, the speed. */
  finish(turn: Turn, result: ChatResult): void {
    this.conversationId = result.conversationId ?? this.conversationId;
    if (!turn.answer && result.content) turn.answer = result.content;
    turn.state = result.cancelled ? 'stopped' : 'done';
    if (typeof result.tokensPerSecond === 'number') turn.tokensPerSecond = result.tokensPerSecond;
  }

  fail(turn: Turn, message: string): void {
    turn.state = 'failed';
    turn.error = message;
  }

  /** The user stopped it before the server answered anything. */
  stop(turn: Turn): void {
    turn.state = 'stopped';
  }

  /** Drop a queued question (the user changed their mind). */
  unqueue(id: number): boolean {
    const index = this.turns.findIndex((t) => t.id === id && t.state === 'queued');
    if (index >= 0) this.turns.splice(index, 1);
    return index >= 0;
  }
}
