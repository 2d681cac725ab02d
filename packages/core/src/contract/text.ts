// Reading a task's text: one behaviour for every head and adapter.
import { TaskInputError } from '../errors.js';
import type { Task } from '../protocol/types.js';

/**
 * The string at `task.data[field]`. Anything else — a missing key, `null`, a number, a list — is a
 * `TaskInputError` naming the task and the field: the backend then warns and gives that task no
 * prediction instead of predicting on an empty or stringified value.
 *
 * ```ts
 * textOf({ id: 1, data: { text: 'great film' } }, 'text'); // 'great film'
 * textOf({ id: 2, data: {} }, 'text'); // throws TaskInputError (task 2, field "text")
 * ```
 */
export function textOf(task: Task, field: string): string {
  const data = task.data as Record<string, unknown> | undefined | null;
  const value = data && typeof data === 'object' && Object.hasOwn(data, field) ? data[field] : undefined;
  if (typeof value === 'string') return value;
  const id = typeof task.id === 'number' ? task.id : undefined;
  const what = value === undefined ? 'has no' : value === null ? 'has a null' : `has a ${Array.isArray(value) ? 'list' : typeof value} in`;
  throw new TaskInputError(`Task ${id ?? '(without id)'} ${what} "${field}" field; a text is needed`, { ...(id !== undefined ? { taskId: id } : {}), field });
}
