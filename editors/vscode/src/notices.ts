/**
 * The server's messages (`window/showMessage`) as notifications with buttons that act on them:
 * a missing model gets "Pull <model>" (and the model recommended for this machine), an
 * unreachable Ollama "Open Settings", any other error "Show Logs".
 */
import * as vscode from 'vscode';
import { MessageType, type ShowMessageParams } from 'vscode-languageclient/node';
import { missingModel, noticeActions, plainMessage, type NoticeAction } from './format';
import { Commands, type ListModelsResult } from './protocol';
import type { OllamaServer } from './server';

/** "Pull <recommended>" when the missing model is the completion model and the server advises another. */
async function recommendedPull(server: OllamaServer, message: string, completionModel: string | undefined): Promise<NoticeAction[]> {
  const missing = missingModel(message);
  if (!missing || missing !== completionModel) return [];
  try {
    const list = await server.execute<ListModelsResult>(Commands.listModels);
    const advice = list.recommended?.find((r) => r.role === 'completion' && !r.pulled && r.model !== missing);
    return advice ? [{ title: `Pull ${advice.model} (recommended)`, kind: 'pull', model: advice.model, use: 'completion' }] : [];
  } catch {
    return []; // the message is worth showing without it
  }
}

export async function showNotice(
  server: OllamaServer,
  output: vscode.LogOutputChannel,
  params: ShowMessageParams,
  completionModel: string | undefined,
): Promise<void> {
  if (params.type === MessageType.Log) {
    output.info(params.message);
    return;
  }
  const isError = params.type === MessageType.Error;
  const actions = [
    ...noticeActions(params.message, isError),
    ...(await recommendedPull(server, params.message, completionModel)),
  ];
  const text = plainMessage(params.message);
  const titles = actions.map((a) => a.title);
  const show =
    params.type === MessageType.Error
      ? vscode.window.showErrorMessage
      : params.type === MessageType.Warning
        ? vscode.window.showWarningMessage
        : vscode.window.showInformationMessage;
  const choice = await show(text, ...titles);
  const action = actions.find((a) => a.title === choice);
  if (!action) return;
  if (action.kind === 'pull') {
    await vscode.commands.executeCommand('ollamaLsp.pullModel', action.model, action.use);
  } else {
    await vscode.commands.executeCommand(action.command, ...(action.args ?? []));
  }
}
