/** Messages between the Model Manager page and the extension (shared by both sides). */
import type { ListModelsResult, Role, ShowModelResult } from './protocol';

export type ToPage =
  | { type: 'models'; data: ListModelsResult }
  | { type: 'progress'; model: string; percentage?: number; message?: string; done: boolean }
  | { type: 'comparison'; models: ShowModelResult[] }
  | { type: 'error'; message: string };

export type FromPage =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'pull'; model: string }
  | { type: 'cancelPull'; model: string }
  | { type: 'switch'; model: string; role: Role }
  | { type: 'delete'; model: string }
  | { type: 'compare'; models: string[] };
