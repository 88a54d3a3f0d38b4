import { FerryError } from '@ferry/core';

/** The one place an error becomes an HTTP response: MLflow's JSON body and the code's status. */
export function errorResponse(error: unknown, log: (message: string, error: unknown) => void): Response {
  const ferry =
    error instanceof FerryError
      ? error
      : new FerryError(
          'INTERNAL_ERROR',
          `Internal server error: ${(error as Error)?.message ?? String(error)}`,
        );
  if (!(error instanceof FerryError)) log('unexpected error', error);
  return new Response(JSON.stringify(ferry.toJSON()), {
    status: ferry.httpStatus,
    headers: { 'content-type': 'application/json' },
  });
}
