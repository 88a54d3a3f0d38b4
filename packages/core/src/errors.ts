/**
 * MLflow's error codes and the HTTP status each maps to (mlflow/exceptions.py). The HTTP layer turns a
 * FerryError into `{"error_code", "message"}` with this status in exactly one place.
 */
export const ERROR_HTTP_STATUS = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  BAD_REQUEST: 400,
  MALFORMED_REQUEST: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  CUSTOMER_UNAUTHORIZED: 401,
  ABORTED: 409,
  RESOURCE_CONFLICT: 409,
  ALREADY_EXISTS: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;

/** `error_class` MLflow 3.x adds beside the code; only codes whose class differs are listed. */
const ERROR_CLASS: Partial<Record<ErrorCode, string>> = {
  RESOURCE_DOES_NOT_EXIST: 'RESOURCE_NOT_FOUND',
};

/** The one error type of the platform: a closed code list, each with its HTTP status. */
export class FerryError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FerryError';
  }

  get httpStatus(): number {
    return ERROR_HTTP_STATUS[this.code];
  }

  /** The JSON body MLflow sends for an error. */
  toJSON(): { error_code: string; message: string; sqlstate: string; error_class: string } {
    return {
      error_code: this.code,
      message: this.message,
      sqlstate: 'KAM00',
      error_class: ERROR_CLASS[this.code] ?? this.code,
    };
  }
}

export const invalidParam = (message: string): FerryError =>
  new FerryError('INVALID_PARAMETER_VALUE', message);
export const notFound = (message: string): FerryError => new FerryError('RESOURCE_DOES_NOT_EXIST', message);
