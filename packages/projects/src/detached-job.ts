/** What runProject hands a detached runner (as a JSON file). */
export interface DetachedJob {
  runId: string;
  trackingUri: string;
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** The run's log file: the runner's own stdout and stderr, uploaded at the end. */
  logPath: string;
  killGraceMs: number;
  /** Temporary folders (the clone, the log's folder) to remove once the run has ended. */
  removeAfter: string[];
}
