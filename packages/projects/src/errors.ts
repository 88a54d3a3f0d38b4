import { FerryError } from '@ferry/core';

/** A project, entry point or parameter the user got wrong: MLflow's INVALID_PARAMETER_VALUE. */
export const projectError = (message: string): FerryError =>
  new FerryError('INVALID_PARAMETER_VALUE', message);

/** Something the machine lacks or that failed while preparing a run (no conda, no registry, ...). */
export const setupError = (message: string): FerryError => new FerryError('BAD_REQUEST', message);
