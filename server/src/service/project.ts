/**
 * The analysed workspace, as every front end (CLI, language server) sees it.
 * STUB — being implemented; the API below is the contract.
 */
import type { AppFact, TaskFact, CallFact, WorkerFact, UnknownFact, FileFacts } from '../model/types';
import type { RouteOptions, RouteTrace, RoutingConfig } from '../routing/types';

export interface RouteCall {
  task: string;
  options?: RouteOptions;
  via?: 'apply_async' | 'send_task';
  /** App id (`module:variable`) when the workspace has several. */
  app?: string;
}

export interface Consumer { worker: string; loc?: WorkerFact['loc']; queues: string[] }

export interface Route extends RouteTrace { consumers: Consumer[] }

export interface ResolvedApp {
  id: string;
  fact: AppFact;
  config: RoutingConfig;
}

export interface Project {
  root: string;
  files: Map<string, FileFacts>;
  apps: ResolvedApp[];
  tasks: TaskFact[];
  calls: CallFact[];
  workers: WorkerFact[];
  unknowns: UnknownFact[];
  route(call: RouteCall): Route;
}

export async function openProject(_root: string): Promise<Project> {
  throw new Error('not implemented yet');
}
