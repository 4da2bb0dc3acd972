/** Messages between the Model Manager page and the extension (shared by both sides). */
import type { ListModelsResult, Role, ShowModelResult } from './protocol';

export type ToPage =
  | { type: 'models'; data: ListModelsResult }
  /** A pull's progress, wherever it was started; `error` says why a finished one failed. */
  | { type: 'progress'; model: string; percentage?: number; message?: string; done: boolean; error?: string }
  | { type: 'comparison'; models: ShowModelResult[] }
  /** The list itself could not be read. */
  | { type: 'error'; message: string };

export type FromPage =
  | { type: 'ready' }
  | { type: 'refresh' }
  /** Pull a model; `use`: then make it the model of that role. */
  | { type: 'pull'; model: string; use?: Role }
  | { type: 'cancelPull'; model: string }
  | { type: 'switch'; model: string; role: Role }
  | { type: 'delete'; model: string }
  | { type: 'compare'; models: string[] };
