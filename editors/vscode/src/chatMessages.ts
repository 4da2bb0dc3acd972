/** Messages between the chat view's page and the extension (shared by both sides). */
import type { Turn } from './chatSession';

export type ChatToPage =
  /** Everything, when the page (re)loads. */
  | { type: 'state'; turns: Turn[]; model?: string; context?: string }
  /** One turn changed (added, started, finished). */
  | { type: 'turn'; turn: Turn }
  /** Text streamed into a turn's answer. */
  | { type: 'delta'; id: number; text: string }
  /** The selection that goes with the next question; none when cleared. */
  | { type: 'context'; label?: string }
  | { type: 'model'; model: string }
  | { type: 'cleared' }
  | { type: 'focus' };

export type ChatFromPage =
  | { type: 'ready' }
  | { type: 'ask'; text: string }
  | { type: 'stop' }
  | { type: 'unqueue'; id: number }
  | { type: 'insert'; code: string }
  | { type: 'copy'; code: string }
  | { type: 'dropContext' };
