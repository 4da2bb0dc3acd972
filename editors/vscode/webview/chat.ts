/**
 * The chat view's page: the conversation with answers rendered as markdown (markdown-it, raw
 * HTML off, so a model's output can never inject markup), Copy and Insert on each code block,
 * an input box with Send and Stop. Fed by messages from the extension (see chatMessages.ts).
 */
import MarkdownIt from 'markdown-it';
import type { ChatFromPage, ChatToPage } from '../src/chatMessages';
import type { Turn } from '../src/chatSession';

interface VsCodeApi {
  postMessage(message: ChatFromPage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const md = new MarkdownIt({ html: false, linkify: true, breaks: false });
const fence = md.renderer.rules.fence!;
md.renderer.rules.fence = (tokens, idx, options, env, self) => {
  const language = md.utils.escapeHtml(tokens[idx].info.trim().split(/\s+/)[0] ?? '');
  return (
    `<div class="code-block"><div class="code-tools"><span class="lang">${language}</span>` +
    '<button class="tool" data-action="copy" title="Copy the code">Copy</button>' +
    '<button class="tool" data-action="insert" title="Insert the code at the cursor of the editor">Insert</button></div>' +
    `${fence(tokens, idx, options, env, self)}</div>`
  );
};

const turns = new Map<number, Turn>();
const dirty = new Set<number>();

function $(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing #${id}`);
  return found;
}

function el(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const log = $('log');
const input = $('input') as HTMLTextAreaElement;

function send(message: ChatFromPage): void {
  vscode.postMessage(message);
}

function nearBottom(): boolean {
  return log.scrollHeight - log.scrollTop - log.clientHeight < 40;
}

/** The answer's status line: speed when done, a marker when stopped. */
function meta(turn: Turn): HTMLElement | undefined {
  const speed = typeof turn.tokensPerSecond === 'number' ? `${turn.tokensPerSecond.toFixed(1)} tokens/s` : '';
  if (turn.state === 'stopped') return el('div', 'meta stopped', ['■ Stopped', speed].filter(Boolean).join(' · '));
  if (turn.state === 'done' && speed) return el('div', 'meta', speed);
  return undefined;
}

function renderTurn(turn: Turn): HTMLElement {
  const article = el('article', 'turn');
  article.dataset.id = String(turn.id);
  article.dataset.state = turn.state;
  const question = el('div', 'question');
  question.append(el('span', 'who', 'You'), el('div', 'text', turn.question));
  if (turn.context) question.append(el('div', 'context', `with ${turn.context}`));
  article.append(question);
  if (turn.state === 'queued') {
    const queued = el('div', 'answer queued', 'Queued: asked when the answer above is done.');
    const remove = el('button', 'tool', 'Remove') as HTMLButtonElement;
    remove.addEventListener('click', () => send({ type: 'unqueue', id: turn.id }));
    queued.append(remove);
    article.append(queued);
    return article;
  }
  const answer = el('div', 'answer');
  answer.append(el('span', 'who', 'Ollama'));
  const body = el('div', 'markdown');
  body.innerHTML = md.render(turn.answer);
  answer.append(body);
  if (turn.state === 'answering' && !turn.answer) answer.append(el('div', 'waiting', 'Thinking…'));
  if (turn.state === 'failed') answer.append(el('div', 'error', turn.error ?? 'The answer failed.'));
  const line = meta(turn);
  if (line) answer.append(line);
  article.append(answer);
  return article;
}

function place(turn: Turn): void {
  const follow = nearBottom();
  const fresh = renderTurn(turn);
  const old = log.querySelector(`article[data-id="${turn.id}"]`);
  if (old) old.replaceWith(fresh);
  else log.append(fresh);
  $('empty').hidden = true;
  if (follow) log.scrollTop = log.scrollHeight;
}

/** Streamed text re-renders its turn once per frame, not once per token. */
function scheduleRender(id: number): void {
  if (dirty.size === 0) {
    requestAnimationFrame(() => {
      for (const dirtyId of dirty) {
        const turn = turns.get(dirtyId);
        if (turn) place(turn);
      }
      dirty.clear();
    });
  }
  dirty.add(id);
}

function updateBusy(): void {
  const busy = [...turns.values()].some((t) => t.state === 'answering');
  $('stop').hidden = !busy;
}

function setContext(label: string | undefined): void {
  $('context').hidden = !label;
  $('context-label').textContent = label ?? '';
}

function setModel(model: string | undefined): void {
  $('model').textContent = model ?? '';
  $('model').title = model ? `Answers come from ${model}` : '';
}

function receive(message: ChatToPage): void {
  switch (message.type) {
    case 'state':
      turns.clear();
      log.querySelectorAll('article').forEach((a) => a.remove());
      for (const turn of message.turns) {
        turns.set(turn.id, { ...turn });
        place(turn);
      }
      $('empty').hidden = message.turns.length > 0;
      setContext(message.context);
      setModel(message.model);
      break;
    case 'turn':
      turns.set(message.turn.id, { ...message.turn });
      place(message.turn);
      break;
    case 'delta': {
      const turn = turns.get(message.id);
      if (turn) {
        turn.answer += message.text;
        scheduleRender(turn.id);
      }
      break;
    }
    case 'context':
      setContext(message.label);
      break;
    case 'model':
      setModel(message.model);
      break;
    case 'cleared':
      turns.clear();
      log.querySelectorAll('article').forEach((a) => a.remove());
      $('empty').hidden = false;
      break;
    case 'focus':
      input.focus();
      break;
  }
  updateBusy();
}

function ask(): void {
  const text = input.value.trim();
  if (!text) return;
  send({ type: 'ask', text });
  input.value = '';
}

log.addEventListener('click', (event) => {
  const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
  const code = button?.closest('.code-block')?.querySelector('pre code')?.textContent;
  if (!button || code === undefined || code === null) return;
  const action = button.dataset.action;
  // the fence's closing newline is not part of the code
  if (action === 'copy' || action === 'insert') send({ type: action, code: code.replace(/\n$/, '') });
  if (action === 'copy') {
    button.textContent = 'Copied';
    setTimeout(() => (button.textContent = 'Copy'), 1500);
  }
});
input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ask();
  }
});
$('send').addEventListener('click', ask);
$('stop').addEventListener('click', () => send({ type: 'stop' }));
$('drop-context').addEventListener('click', () => send({ type: 'dropContext' }));
window.addEventListener('message', (event: MessageEvent<ChatToPage>) => receive(event.data));
send({ type: 'ready' });
