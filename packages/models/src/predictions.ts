import { cellValue, columnDType, rowCount } from './data-frame.js';
import { encodeBytes } from './input-example.js';
import { isModelInput } from './model-input.js';
import type { ModelOutput } from './model-input.js';
import { pyIsoFormat } from './py-repr.js';
import { PyFloat, pythonJson } from './python-json.js';
import type { Tensor } from './tensor.js';
import { isFloatDType, tensorToNested } from './tensor.js';

/**
 * A prediction as the JSON value MLflow's scoring server sends (`_get_jsonable_obj` with
 * `orient="records"`): a DataFrame as a list of records, a Tensor as nested lists, a TensorMap as a dict
 * of nested lists, anything else as is (typed arrays as lists, bigints as numbers, bytes as base64,
 * dates in ISO form).
 */
export function toJsonable(output: ModelOutput): unknown {
  return jsonable(output, false);
}

/**
 * The body of a successful `/invocations` response, byte for byte as MLflow writes it:
 * `{"predictions": <jsonable>}` in Python's JSON spacing, with floats printed as floats (`1.0`) where the
 * model returned float columns or tensors. Non-finite floats print as `NaN`/`Infinity`, as Python's do.
 */
export function predictionsResponse(output: ModelOutput): string {
  return pythonJson({ predictions: jsonable(output, true) });
}

function jsonable(value: unknown, markFloats: boolean): unknown {
  if (isModelInput(value)) {
    if (value.kind === 'dataframe') {
      const floats = value.data.map((column) => isFloatDType(columnDType(column)));
      return Array.from({ length: rowCount(value) }, (_, row) =>
        Object.fromEntries(
          value.columns.map((name, c) => [
            name,
            cell(cellValue(value.data[c]!, row), markFloats && floats[c]!),
          ]),
        ),
      );
    }
    if (value.kind === 'tensor') return tensorJson(value, markFloats);
    return Object.fromEntries(
      Object.entries(value.tensors).map(([name, t]) => [name, tensorJson(t, markFloats)]),
    );
  }
  if (value instanceof Float32Array || value instanceof Float64Array) {
    return Array.from(value, (x) => (markFloats ? new PyFloat(x) : x));
  }
  if (ArrayBuffer.isView(value) && !(value instanceof Uint8Array)) {
    return Array.from(value as unknown as ArrayLike<unknown>, (x) => cell(x, false));
  }
  if (Array.isArray(value)) return value.map((item) => jsonable(item, markFloats));
  if (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Date)
  ) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonable(v, markFloats)]));
  }
  return cell(value, false);
}

function tensorJson(t: Tensor, markFloats: boolean): unknown {
  const nested = tensorToNested(t);
  if (!markFloats || !isFloatDType(t.dtype)) return nested;
  const mark = (v: unknown): unknown => (Array.isArray(v) ? v.map(mark) : new PyFloat(v as number));
  return mark(nested);
}

function cell(value: unknown, float: boolean): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && float) return new PyFloat(value);
  if (value instanceof Uint8Array) return encodeBytes(value);
  if (value instanceof Date) return pyIsoFormat(value);
  return value;
}
