import type { Command } from 'commander';
import { TrackingSession } from '@ferry/sdk';

/** The options every tracking command takes: where the server (or database) is, and the output form. */
export function withTrackingOptions(command: Command): Command {
  return command
    .option(
      '--tracking-uri <uri>',
      'server URL or database URI (default: FERRY_TRACKING_URI, MLFLOW_TRACKING_URI)',
    )
    .option('--json', 'print JSON instead of a table');
}

/** A session on the command's tracking URI; closed by the caller. */
export function sessionFor(options: { trackingUri?: string }): TrackingSession {
  return new TrackingSession({
    ...(options.trackingUri ? { trackingUri: options.trackingUri } : {}),
    captureSource: false,
  });
}

/** Runs a command body with a session, always closing it (in-process databases close cleanly). */
export async function withSession<T>(
  options: { trackingUri?: string },
  body: (s: TrackingSession) => Promise<T>,
): Promise<T> {
  const session = sessionFor(options);
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}
