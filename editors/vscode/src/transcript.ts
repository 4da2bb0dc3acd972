/** A chat conversation as markdown, fed by `ollama/chatDelta` (no vscode import: unit-tested). */
import type { ChatDelta, ChatResult } from './protocol';

export class ChatTranscript {
  private readonly parts: string[] = [];
  /** The server's conversation id, known from the first delta or the result. */
  conversationId: string | undefined;
  /** An answer is being written. */
  pending = false;
  private streamed = false;

  /** Start a turn: the user's message and an empty answer. */
  ask(message: string, context?: string): void {
    const quoted = context ? `\n\n_with ${context}_` : '';
    this.parts.push(`${this.parts.length ? '\n\n' : ''}## You\n\n${message}${quoted}\n\n## Ollama\n\n`);
    this.pending = true;
    this.streamed = false;
  }

  /** Apply a delta; returns whether the text changed. */
  applyDelta(delta: ChatDelta): boolean {
    if (!this.pending) return false;
    if (this.conversationId !== undefined && delta.conversationId !== this.conversationId) return false;
    this.conversationId = delta.conversationId;
    if (!delta.delta) return false;
    this.streamed = true;
    this.parts.push(delta.delta);
    return true;
  }

  /** The request finished: keep the id, add the text if nothing was streamed, note the speed. */
  finish(result: ChatResult): void {
    this.conversationId = result.conversationId ?? this.conversationId;
    if (!this.streamed && result.content) this.parts.push(result.content);
    if (typeof result.tokensPerSecond === 'number') {
      this.parts.push(`\n\n_${result.tokensPerSecond.toFixed(1)} tok/s_`);
    }
    this.pending = false;
  }

  fail(message: string): void {
    this.parts.push(`\n\n> ${message}`);
    this.pending = false;
  }

  get text(): string {
    return this.parts.join('');
  }
}
