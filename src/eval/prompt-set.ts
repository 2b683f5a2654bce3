/**
 * The fixed evaluation prompts: several per category, so that runs of the evaluator on different
 * checkpoints, samplers or settings compare like with like. Every prompt is in the scene language
 * (parseCaption accepts it); all but the held-out ones use combinations seen in training.
 */

export type PromptCategory = 'single' | 'count' | 'position' | 'relation' | 'background' | 'held-out';

export interface EvalPrompt {
  prompt: string;
  /** What the prompt is there to probe; scoring checks every category the caption asserts. */
  category: PromptCategory;
}

const group = (category: PromptCategory, prompts: string[]): EvalPrompt[] => prompts.map((prompt) => ({ prompt, category }));

export const PROMPT_SET: readonly EvalPrompt[] = [
  ...group('single', [
    'a red circle',
    'a blue square',
    'a green triangle',
    'a yellow star',
    'a black heart',
    'a big white circle',
    'a small orange square',
    'one purple triangle',
  ]),
  ...group('count', ['two red circles', 'three blue squares', 'four yellow triangles', 'two green stars', 'three black hearts', 'two big white squares']),
  ...group('position', [
    'a red square on the left',
    'a blue circle on the right',
    'a green heart at the top',
    'a yellow triangle at the bottom',
    'a purple circle in the centre',
    'a black star on the left',
  ]),
  ...group('relation', [
    'a red circle above a blue square',
    'a green triangle below a yellow circle',
    'a white star to the left of a black square',
    'a blue heart to the right of an orange circle',
    'a purple square above a green star',
  ]),
  ...group('background', [
    'a white circle on a blue background',
    'a red triangle on a yellow background',
    'a black square on a white background',
    'two green circles on a purple background',
    'a yellow heart on a black background',
  ]),
  // Colour+shape pairs never rendered in training: does the model compose colour and shape?
  ...group('held-out', [
    'a purple star',
    'an orange heart',
    'an orange heart on a blue background',
    'a big purple star on the left',
    'two purple stars',
    'an orange heart above a green square',
  ]),
];
