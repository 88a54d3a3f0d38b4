import { cellValue, columnDType, rowCount } from './data-frame.js';
import { encodeBytes } from './input-example.js';
import { isModelInput } from './model-input.js';
import type { ModelOutput } from './model-input.js';
import { pyIsoFormat } from './py-repr.js';
import { PyFloat, RawJson, floatLiteral, pythonJson } from './python-json.js';
import type { Tensor } from './tensor.js';
import { TENSOR_DTYPES, isFloatDType, tensorToNested } from './tensor.js';

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
  return pythonJson({ predictions: jsonable(output, true, true) });
}

/** `raw`: numeric tensors become their JSON text directly (only for `pythonJson` without indent). */
function jsonable(value: unknown, markFloats: boolean, raw = false): unknown {
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
    if (value.kind === 'tensor') return tensorJson(value, markFloats, raw);
    return Object.fromEntries(
      Object.entries(value.tensors).map(([name, t]) => [name, tensorJson(t, markFloats, raw)]),
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

function tensorJson(t: Tensor, markFloats: boolean, raw: boolean): unknown {
  if (raw && markFloats && NUMERIC.has(t.dtype)) return new RawJson(numericTensorText(t));
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

/** Dtypes whose elements are numbers or bigints (not bool, str or object). */
const NUMERIC = new Set<string>(TENSOR_DTYPES.filter((d) => isFloatDType(d) || /^u?int/.test(d)));

/**
 * A numeric tensor's nested lists in `pythonJson`'s text (floats as Python floats, ints as ints), written
 * in one pass: a 10,000-row prediction would otherwise build 10,000 arrays and marker objects first.
 */
function numericTensorText(t: Tensor): string {
  const format = isFloatDType(t.dtype)
    ? (v: number | bigint) => floatLiteral(v as number)
    : (v: number | bigint) => String(v);
  const data = t.data as ArrayLike<number | bigint>;
  if (t.shape.length === 0) return format(data[0]!);
  const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const write = (depth: number, offset: number): string => {
    const n = t.shape[depth]!;
    if (n === 0) return '[]';
    let out = '[';
    if (depth === t.shape.length - 1) {
      for (let i = 0; i < n; i++) out += (i === 0 ? '' : ', ') + format(data[offset + i]!);
    } else {
      for (let i = 0; i < n; i++)
        out += (i === 0 ? '' : ', ') + write(depth + 1, offset + i * strides[depth]!);
    }
    return out + ']';
  };
  return write(0, 0);
}
