/** A routing diagnostic, LSP-free. Codes are stable: users configure and suppress them by code. */
import type { Loc } from '../../model/types';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface QuickFix {
  title: string;
  /** Text edits to apply (all-or-nothing). */
  edits: Array<{ loc: Loc; newText: string }>;
  preferred?: boolean;
}

export interface RoutingDiagnostic {
  code: string;
  severity: Severity;
  /** What happens at runtime, and how to fix it. */
  message: string;
  loc: Loc;
  related?: Array<{ loc: Loc; message: string }>;
  fixes?: QuickFix[];
  /** What the quick fixes need to know (the queue or task the message is about). */
  data?: { queue?: string; task?: string; suggestion?: string };
}
