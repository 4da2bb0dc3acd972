/** The ollama-lsp editor protocol (docs/protocol.md): command results and notifications. */

export const Commands = {
  listModels: 'ollama.listModels',
  pullModel: 'ollama.pullModel',
  cancelPull: 'ollama.cancelPull',
  deleteModel: 'ollama.deleteModel',
  switchModel: 'ollama.switchModel',
  showModel: 'ollama.showModel',
  status: 'ollama.status',
  chat: 'ollama.chat',
  cancelChat: 'ollama.cancelChat',
  setQuantization: 'ollama.setQuantization',
  suggestionOutcome: 'ollama.suggestionOutcome',
} as const;

export type Role = 'completion' | 'chat' | 'nextEdit';

export interface ModelEntry {
  name: string;
  size?: number;
  family?: string;
  parameterSize?: string;
  quantization?: string;
  supportsFim?: boolean;
  /** As Ollama reports them (`completion`, `insert`, `embedding`, ...); empty when it does not say. */
  capabilities?: string[];
  loaded?: boolean;
  roles?: Role[];
}

export interface CatalogEntry {
  name: string;
  family?: string;
  parameterSize?: string;
  quantization?: string;
  sizeBytes?: number;
  supportsFim?: boolean;
  pulled?: boolean;
  recommended?: boolean;
  fits?: boolean;
}

/** The server's choice of model and level for a role on this machine. */
export interface Recommendation {
  role: Role;
  model: string;
  level: string;
  pulled: boolean;
  reason: string;
}

export interface ListModelsResult {
  models: ModelEntry[];
  catalog?: CatalogEntry[];
  recommended?: Recommendation[];
}

export interface ShowModelResult {
  name: string;
  /** Ollama's own `details`, with its snake_case keys. */
  details?: { family?: string; parameter_size?: string; quantization_level?: string; format?: string };
  capabilities?: string[];
  contextLength?: number | null;
  supportsFim?: boolean;
}

export interface PullResult {
  model: string;
  status: string;
  digest?: string;
  durationMs?: number;
}

export interface SwitchResult {
  model: string;
  role: Role;
  loadMs?: number;
}

export interface EndpointStatus {
  url: string;
  api?: 'ollama' | 'openai';
  healthy: boolean;
  version?: string | null;
  error?: string | null;
  loadedModels?: string[];
  latencyMs?: number | null;
  requests?: number;
  share?: number;
}

/** How the suggestions shown ended: counts, and rates of the shown ones (null: none shown). */
export interface OutcomeCounts {
  shown: number;
  accepted: number;
  partial: number;
  dismissed: number;
  acceptedRate: number | null;
  partialRate: number | null;
  dismissedRate: number | null;
}

export interface StatusResult {
  state: State;
  endpoints?: EndpointStatus[];
  roles?: Partial<Record<Role, string>>;
  lastErrors?: unknown[];
  /** Per kind (`completion`, `nextEdit`): the totals, and by language and by model. */
  suggestions?: Record<
    string,
    OutcomeCounts & { byLanguage?: (OutcomeCounts & { language: string })[]; byModel?: (OutcomeCounts & { model: string })[] }
  >;
}

export type State = 'idle' | 'loading' | 'generating' | 'error' | 'disabled';

/** `ollama/status` notification. */
export interface StatusParams {
  state: State;
  model?: string | null;
  message?: string | null;
  tokensPerSecond?: number | null;
  /** How long the last suggestion the model wrote took, from the request to the answer. */
  suggestionMs?: number | null;
  /** The share (0-1) of that suggestion's prompt the model's KV cache held. */
  cachedShare?: number | null;
}
export const StatusNotification = 'ollama/status';

/** `ollama/didMoveCursor` notification (to the server): where the cursor rests. */
export interface CursorParams {
  textDocument: { uri: string };
  position: { line: number; character: number };
}
export const CursorNotification = 'ollama/didMoveCursor';

/** `ollama/chatDelta` notification. */
export interface ChatDelta {
  conversationId: string;
  delta: string;
  done: boolean;
}
export const ChatDeltaNotification = 'ollama/chatDelta';

export interface ChatResult {
  conversationId: string;
  content: string;
  cancelled?: boolean;
  model?: string;
  tokensPerSecond?: number | null;
}

export interface QuantizationResult {
  model: string;
  level: string;
  created: boolean;
  pulled: boolean;
}

/** Quantization levels offered by Set Quantization, smallest first. */
export const QuantizationLevels = ['q4_0', 'q4_K_S', 'q4_K_M', 'q5_K_M', 'q6_K', 'q8_0', 'f16'];

/** `ollama/nextEdit` request: the edit the user will make next near `position`. */
export const NextEditRequest = 'ollama/nextEdit';
export interface LspPosition {
  line: number;
  character: number;
}
export interface NextEditParams {
  textDocument: { uri: string };
  position: LspPosition;
}
export interface NextEditResult {
  id: string;
  /** Ranges in the document as it was asked about (LSP text edits, applied together). */
  edits: { range: { start: LspPosition; end: LspPosition }; newText: string }[];
  /** Where the cursor goes once the edits are applied, when the model said. */
  cursor?: LspPosition;
}

/** `ollama/nextEditOutcome` notification: what the user did with a next edit. */
export const NextEditOutcomeNotification = 'ollama/nextEditOutcome';
export interface NextEditOutcome {
  id: string;
  outcome: 'accepted' | 'dismissed';
}
