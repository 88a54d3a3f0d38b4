import { FerryError } from '@ferry/core';

/**
 * An input that does not fit the model's signature. Its code is INVALID_PARAMETER_VALUE, as in MLflow,
 * but MLflow 3.x labels the JSON body with its own class and SQL state, which clients may show:
 * `"sqlstate": "KAM01", "error_class": "SCHEMA_ENFORCEMENT_FAILED"`.
 */
export class SchemaEnforcementError extends FerryError {
  constructor(message: string) {
    super('INVALID_PARAMETER_VALUE', message);
  }

  override toJSON(): { error_code: string; message: string; sqlstate: string; error_class: string } {
    return { ...super.toJSON(), sqlstate: 'KAM01', error_class: 'SCHEMA_ENFORCEMENT_FAILED' };
  }
}
