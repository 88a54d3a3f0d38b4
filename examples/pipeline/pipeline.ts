// The example pipeline: prepare data → train → evaluate → register the model only if its accuracy
// clears the threshold. Run it with `npm run example:pipeline`.
import { z } from 'zod';
import { condition, pipeline } from '@ferry/pipeline';
import { evaluate, prepare, register, train } from './steps.js';

export const trainAndRegister = pipeline(
  {
    name: 'train-and-register',
    description: 'Trains a classifier and registers it when it is accurate enough.',
    parameters: {
      rows: z.number().int().default(2000),
      seed: z.number().int().default(7),
      epochs: z.number().int().default(200),
      lr: z.number().default(0.5),
      threshold: z.number().default(0.8),
      modelName: z.string().default('example-classifier'),
    },
  },
  ({ rows, seed, epochs, lr, threshold, modelName }) => {
    const data = prepare({ rows, seed });
    const model = train({ data: data.outputs.data, epochs, lr });
    const scored = evaluate({ model: model.outputs.model, data: data.outputs.data });
    condition(scored.outputs.accuracy, '>=', threshold, () => {
      register({ model: model.outputs.model, name: modelName });
    });
  },
);
