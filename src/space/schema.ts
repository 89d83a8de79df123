/** JSON Schema of a space file's structure; keys of `search` are checked against the strategy registry afterwards. */
const scalar = { type: ['number', 'string', 'boolean'] };
const range = { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 };
const when = {
  type: 'object',
  additionalProperties: { anyOf: [scalar, { type: 'array', items: scalar, minItems: 1 }] },
};

export const paramSchema = {
  anyOf: [
    scalar,
    {
      type: 'object',
      additionalProperties: false,
      required: ['float'],
      properties: { float: range, log: { type: 'boolean' }, step: { type: 'number', exclusiveMinimum: 0 }, when },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['int'],
      properties: { int: range, log: { type: 'boolean' }, step: { type: 'integer', minimum: 1 }, when },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['choices'],
      properties: { choices: { type: 'array', items: scalar, minItems: 1 }, when },
    },
  ],
};

export const spaceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['task'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
    description: { type: 'string' },
    seed: { type: 'integer', minimum: 0 },
    task: {
      type: 'object',
      additionalProperties: false,
      required: ['data', 'text', 'label'],
      properties: {
        data: {
          type: 'object',
          additionalProperties: false,
          required: ['train'],
          properties: {
            train: { type: 'string', minLength: 1 },
            validation: { type: 'string', minLength: 1 },
            test: { type: 'string', minLength: 1 },
            format: { enum: ['csv', 'tsv', 'jsonl', 'lines'] },
            pattern: { type: 'string', minLength: 1 },
            encoding: { enum: ['auto', 'utf-8', 'latin1'] },
            header: { type: 'boolean' },
            quoting: { enum: ['auto', 'csv', 'none'] },
            columns: { type: 'array', items: { type: 'string' }, minItems: 1 },
            split: {
              type: 'object',
              additionalProperties: false,
              properties: {
                validation: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
                test: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
              },
            },
            'max-train': { type: 'integer', minimum: 10 },
          },
        },
        text: { type: 'string', minLength: 1 },
        label: { type: 'string', minLength: 1 },
        metric: { enum: ['macro-f1', 'accuracy'] },
      },
    },
    sweep: {
      type: 'object',
      additionalProperties: false,
      properties: {
        sampler: { type: 'string' },
        scheduler: { type: 'string' },
        'n-trials': { type: 'integer', minimum: 1 },
        workers: { type: 'integer', minimum: 0 },
        'confirm-top': { type: 'integer', minimum: 0 },
        'confirm-seeds': { type: 'integer', minimum: 1 },
        'sampler-options': { type: 'object' },
        'scheduler-options': { type: 'object' },
      },
    },
    search: { type: 'object', additionalProperties: paramSchema },
    forbidden: {
      type: 'array',
      items: { type: 'object', minProperties: 2, additionalProperties: { anyOf: [scalar, { type: 'array', items: scalar, minItems: 1 }] } },
    },
  },
} as const;
