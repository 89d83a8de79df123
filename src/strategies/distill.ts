import type { Family } from './types.js';

/**
 * Knowledge distillation (Hinton et al., 2015): the student's target mixes the label
 * with a teacher's temperature-softened probabilities. Cross-entropy is linear in the
 * target, so this equals (1 − weight) · CE(label) + weight · CE(teacher_T). The
 * teacher is loaded by the trainer (src/trainer/teacher.ts).
 */
export const distillFamily: Family = {
  name: 'distill',
  description: "train on a teacher's soft labels: switched on by `distill: true`",
  mode: 'any',
  stage: 'loss',
  shared: [],
  strategies: [
    {
      id: 'distill',
      family: 'distill',
      name: 'distill',
      stage: 'loss',
      description:
        "mix the label with a teacher's probabilities softened by a temperature; the teacher is the study's best trial so far (`best`) or an exported model (another backbone's, for instance)",
      settings: [
        {
          name: 'teacher',
          type: 'string',
          default: 'best',
          literals: ['best'],
          description: "`best` (the study's best complete trial at the time the trial starts) or a folder written by `hybridtune export` (or a model folder), relative to the space file",
        },
        { name: 'temperature', type: 'float', min: 1, max: 20, default: 2, description: "the teacher's probabilities are raised to 1/temperature and renormalised (softmax of logits / T)" },
        { name: 'weight', type: 'float', min: 0, max: 1, default: 0.5, neutral: 0, description: "share of the target taken from the teacher (0 = the label only)" },
      ],
      apply(plan, s) {
        plan.distill = { teacher: s['teacher'] as string, temperature: s['temperature'] as number, weight: s['weight'] as number };
      },
    },
  ],
};
