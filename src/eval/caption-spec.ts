/**
 * Captions of the scene language as checkable assertions: parseCaption() says what a caption claims
 * (objects, count, position, relation, background), scoreScene() checks those claims against an
 * analysed image, one pass/fail per category.
 */
import { sizeOf } from './object-size.ts';
import type { SceneAnalysis, SceneObject } from './scene-analyser.ts';
import {
  COUNT_WORDS,
  IMAGE_SIZE,
  isColourName,
  isHeldOut,
  isShapeName,
  POSITIONS,
  RELATIONS,
  type ColourName,
  type PositionName,
  type RelationName,
  type ShapeName,
  type SizeName,
} from './scene-vocab.ts';

export interface ObjectSpec {
  colour: ColourName;
  shape: ShapeName;
  size?: SizeName;
  count: number;
}

export interface CaptionSpec {
  caption: string;
  /** One phrase, or two for a relation (objects[0] <relation> objects[1]). */
  objects: ObjectSpec[];
  position?: PositionName;
  relation?: RelationName;
  /** Only when the caption names one; captions without one were trained on the default grey. */
  background?: ColourName;
  /** Some object is a colour+shape combination the model never saw in training. */
  heldOut: boolean;
}

export const CATEGORIES = ['single', 'count', 'position', 'relation', 'background', 'size', 'held-out'] as const;
export type Category = (typeof CATEGORIES)[number];
/** Pass/fail of each category the caption asserts something about; absent categories do not apply. */
export type SceneScore = Partial<Record<Category, boolean>>;

/** Parses `<object> [<position>] [<relation> <object>] [on a <colour> background]`; throws on anything else. */
export function parseCaption(caption: string): CaptionSpec {
  const words = caption
    .toLowerCase()
    .replace(/[^a-z\s]/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => (w === 'center' ? 'centre' : w));
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`cannot parse caption "${caption}": expected ${what} at "${words.slice(at).join(' ') || '<end>'}"`);
  };
  const phrase = <T extends string>(options: Iterable<T>): T | undefined => {
    for (const option of options) {
      const parts = option.split(' ');
      if (parts.every((p, k) => words[at + k] === p)) {
        at += parts.length;
        return option;
      }
    }
    return undefined;
  };
  const object = (): ObjectSpec => {
    const count = COUNT_WORDS.get(words[at]) ?? fail('a count word (a, an, one .. four)');
    at++;
    let size: SizeName | undefined;
    if (words[at] === 'small' || words[at] === 'big') size = words[at++] as SizeName;
    const colour = words[at];
    if (!isColourName(colour)) return fail('a colour');
    at++;
    const noun = words[at] ?? '';
    const shape = noun.endsWith('s') && isShapeName(noun.slice(0, -1)) ? noun.slice(0, -1) : noun;
    if (!isShapeName(shape)) return fail('a shape');
    at++;
    return { colour, shape, count, ...(size ? { size } : {}) };
  };

  const spec: CaptionSpec = { caption, objects: [object()], heldOut: false };
  const position = phrase(POSITIONS.keys());
  if (position) spec.position = position;
  const relation = phrase(RELATIONS.keys());
  if (relation) {
    spec.relation = relation;
    spec.objects.push(object());
  }
  if (words[at] === 'on' && words[at + 1] === 'a') {
    at += 2;
    const colour = words[at];
    if (!isColourName(colour)) return fail('a background colour');
    at++;
    if (words[at] !== 'background') return fail('"background"');
    at++;
    spec.background = colour;
  }
  if (at < words.length) fail('the end of the caption');
  spec.heldOut = spec.objects.some((o) => isHeldOut(o.colour, o.shape));
  return spec;
}

/** Slack (fraction of the image) around a position's centre range: the renderer's range is tight, generation is not. */
const POSITION_SLACK = 0.06;

export function scoreScene(spec: CaptionSpec, analysis: SceneAnalysis): SceneScore {
  const score: SceneScore = {};
  const matching = (o: ObjectSpec) => analysis.objects.filter((a) => a.colour === o.colour && a.shape === o.shape);
  const [first, second] = spec.objects;
  const found = matching(first);
  // The detected objects each caption phrase refers to (for a relation, the largest candidate of each).
  let referents: SceneObject[][] = [found];

  if (spec.relation) {
    const a = largest(found);
    const b = largest(matching(second).filter((o) => o !== a));
    referents = [a ? [a] : [], b ? [b] : []];
    score.relation = a !== undefined && b !== undefined && holds(spec.relation, a, b);
  } else if (first.count === 1) {
    // The scene holds exactly what the caption says: one object, of that colour and shape.
    score.single = analysis.objects.length === 1 && found.length === 1;
  } else {
    score.count = analysis.objects.length === first.count && found.length === first.count;
  }

  if (spec.position) {
    const range = POSITIONS.get(spec.position)!;
    score.position = found.length > 0 && found.every((o) => inRange(o, range, analysis));
  }
  if (spec.objects.some((o) => o.size)) {
    score.size = spec.objects.every(
      (o, k) => !o.size || (referents[k].length > 0 && referents[k].every((x) => sizeOf(x, analysis.width / IMAGE_SIZE) === o.size)),
    );
  }
  if (spec.background) score.background = analysis.background === spec.background;
  if (spec.heldOut) score['held-out'] = Object.values(score).every(Boolean);
  return score;
}

export function allPassed(score: SceneScore): boolean {
  return Object.values(score).every(Boolean);
}

function largest(objs: SceneObject[]): SceneObject | undefined {
  return objs.reduce<SceneObject | undefined>((best, o) => (best && best.area >= o.area ? best : o), undefined);
}

function inRange(o: SceneObject, [x0, x1, y0, y1]: readonly number[], analysis: SceneAnalysis): boolean {
  const x = o.cx / analysis.width;
  const y = o.cy / analysis.height;
  const slack = POSITION_SLACK;
  return x >= x0 - slack && x <= x1 + slack && y >= y0 - slack && y <= y1 + slack;
}

/**
 * `a <relation> b`: a lies on the relation's side of b, and further along that axis than across it
 * (the renderer offsets the pair by at least a full object along the axis, at most 14 px across).
 */
function holds(relation: RelationName, a: SceneObject, b: SceneObject): boolean {
  const [dx, dy] = RELATIONS.get(relation)!;
  const along = (a.cx - b.cx) * dx + (a.cy - b.cy) * dy;
  const across = Math.abs((a.cx - b.cx) * dy) + Math.abs((a.cy - b.cy) * dx);
  return along > 0 && along > across;
}
