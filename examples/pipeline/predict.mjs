// The trained classifier as a `js_function` model: logistic regression over the columns x0..x3, with
// the weights saved beside this module. Input: a data frame ({columns, data}, column-major).
import { readFileSync } from 'node:fs';

const { weights, bias } = JSON.parse(readFileSync(new URL('./weights.json', import.meta.url), 'utf8'));

export function predict(input) {
  const columns = weights.map((_, j) => input.data[input.columns.indexOf(`x${j}`)]);
  const rows = columns[0]?.length ?? 0;
  const labels = [];
  for (let i = 0; i < rows; i++) {
    let z = bias;
    for (let j = 0; j < weights.length; j++) z += weights[j] * Number(columns[j][i]);
    labels.push(z > 0 ? 1 : 0);
  }
  return labels;
}
