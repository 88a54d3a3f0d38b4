// `--watch`: follows a pipeline run until it ends. On a terminal a compact table of the tasks is redrawn
// in place; otherwise (a pipe, a log file) one line is printed per change of a task's state.
import type { PipelineRun, PipelineTask, PipelinesClient } from '@ferry/sdk';
import { TASK_COLUMNS, elapsed, taskRows } from './shared.js';

/** The lines of the live view: the run's state, then the tasks table. */
export function renderRun(run: PipelineRun, tasks: PipelineTask[], now = Date.now()): string[] {
  const header = `run ${run.runId}${run.name ? ` (${run.name})` : ''}: ${run.status}${
    run.startedAt !== null ? ` ${elapsed(run, now)}` : ''
  }`;
  const rows = taskRows(tasks, now).map((r) => [r.task, r.status, String(r.attempt), r.duration]);
  const widths = TASK_COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    header,
    ...(rows.length ? [line(TASK_COLUMNS.map((c) => c.toUpperCase())), ...rows.map(line)] : []),
  ];
}

/** A terminal view redrawn in place (ANSI: cursor up, clear to the end of the screen). */
class TerminalView {
  private drawn = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  draw(lines: string[]): void {
    const width = this.out.columns || 200;
    const fitted = lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[0J` : '';
    this.out.write(`${up}${fitted.join('\n')}\n`);
    this.drawn = fitted.length;
  }
}

/** A line per change, for output that is not a terminal. */
class LogView {
  private readonly seen = new Map<string, string>();
  private runStatus = '';

  update(run: PipelineRun, tasks: PipelineTask[]): void {
    for (const task of tasks) {
      const state = `${task.status}#${task.attempt}`;
      if (this.seen.get(task.taskId) === state) continue;
      this.seen.set(task.taskId, state);
      const attempt = task.attempt > 1 ? ` (attempt ${task.attempt})` : '';
      const duration = task.finishedAt !== null ? ` ${elapsed(task)}` : '';
      console.log(`task ${task.name}: ${task.status}${attempt}${duration}`);
    }
    if (run.status !== this.runStatus) {
      this.runStatus = run.status;
      console.log(`run ${run.runId}: ${run.status}`);
    }
  }
}

/**
 * Follows the run until it is succeeded, failed or cancelled, showing its tasks as they change; returns
 * the finished run and tasks. Ctrl-C stops watching (the run goes on).
 */
export async function watchRun(
  client: PipelinesClient,
  runId: string,
  options: { pollMs?: number; json?: boolean } = {},
): Promise<{ run: PipelineRun; tasks: PipelineTask[] }> {
  const tty = process.stdout.isTTY && !options.json;
  const terminal = tty ? new TerminalView(process.stdout) : undefined;
  const log = tty || options.json ? undefined : new LogView();
  let last: { run: PipelineRun; tasks: PipelineTask[] } | undefined;
  // Redraw between polls too, so running tasks' durations tick.
  const ticker = terminal
    ? setInterval(() => last && terminal.draw(renderRun(last.run, last.tasks)), 250)
    : undefined;
  try {
    return await client.waitForRun(runId, {
      pollMs: options.pollMs ?? (tty ? 500 : 1000),
      onUpdate: (run, tasks) => {
        last = { run, tasks };
        terminal?.draw(renderRun(run, tasks));
        log?.update(run, tasks);
      },
    });
  } finally {
    if (ticker) clearInterval(ticker);
  }
}

/** The end of a watch: the run's outcome on stderr (with its error), exit code 0 only for success. */
export function reportOutcome(run: PipelineRun, tasks: PipelineTask[], json?: boolean): void {
  if (json) {
    console.log(JSON.stringify({ run: { ...run, spec: undefined }, tasks }, null, 2));
  } else {
    const failed = tasks.filter((t) => t.status === 'failed');
    const took = run.startedAt !== null ? ` in ${elapsed(run)}` : '';
    console.log(`Pipeline run ${run.runId} ${run.status}${took}`);
    if (run.error) console.log(`error: ${run.error}`);
    for (const t of failed) console.log(`task ${t.name} failed${t.error ? `: ${t.error}` : ''}`);
  }
  if (run.status !== 'succeeded') process.exitCode = 1;
}
