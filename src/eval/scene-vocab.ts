/**
 * The scene language of the embedded model, read from the training recipe's scene-vocab.json so the
 * evaluator scores images against exactly the colours, shapes and layout rules the model was trained on.
 */
import vocab from '../../models/recipe/scene-vocab.json' with { type: 'json' };

export type Rgb = readonly [number, number, number];
export type ColourName = keyof typeof vocab.colours;
export type ShapeName = 'circle' | 'square' | 'triangle' | 'star' | 'heart';
export type SizeName = keyof typeof vocab.object_px;
export type PositionName = keyof typeof vocab.positions;
export type RelationName = keyof typeof vocab.relations;
/** A scene's background: one of the colours, or the light grey used when a caption names none. */
export type BackgroundName = ColourName | 'default';

export const IMAGE_SIZE: number = vocab.image_size;

export const COLOURS = new Map<ColourName, Rgb>(
  (Object.keys(vocab.colours) as ColourName[]).map((name) => [name, toRgb(vocab.colours[name])]),
);
export const COLOUR_NAMES: readonly ColourName[] = [...COLOURS.keys()];
export const DEFAULT_BACKGROUND: Rgb = toRgb(vocab.default_background);

export const SHAPE_NAMES: readonly ShapeName[] = vocab.shapes.map((s) => {
  // The union above is hand-written (JSON arrays type as string[]); fail loudly if the recipe grows a shape.
  if (!['circle', 'square', 'triangle', 'star', 'heart'].includes(s)) throw new Error(`scene-vocab.json: unknown shape ${s}`);
  return s as ShapeName;
});

export const COUNT_WORDS: ReadonlyMap<string, number> = new Map(Object.entries(vocab.count_words));

/** Size word -> [min, max] side of the object's bounding box in pixels, as rendered. */
export const OBJECT_PX: Readonly<Record<SizeName, readonly [number, number]>> = {
  small: [vocab.object_px.small[0], vocab.object_px.small[1]],
  big: [vocab.object_px.big[0], vocab.object_px.big[1]],
};

/** Position phrase -> [x0, x1, y0, y1]: the range the renderer draws the object's centre from, in 0..1. */
export const POSITIONS = new Map<PositionName, readonly [number, number, number, number]>(
  (Object.keys(vocab.positions) as PositionName[]).map((p) => {
    const [x0, x1, y0, y1] = vocab.positions[p];
    return [p, [x0, x1, y0, y1] as const];
  }),
);

/** Relation phrase -> direction [dx, dy] in which the first object lies from the second. */
export const RELATIONS = new Map<RelationName, readonly [number, number]>(
  (Object.keys(vocab.relations) as RelationName[]).map((r) => {
    const [dx, dy] = vocab.relations[r];
    return [r, [dx, dy] as const];
  }),
);

const HELD_OUT = new Set(vocab.held_out.map(([c, s]) => `${c} ${s}`));

/** Colour+shape combinations the model never saw in training: the compositional generalisation probe. */
export function isHeldOut(colour: ColourName, shape: ShapeName): boolean {
  return HELD_OUT.has(`${colour} ${shape}`);
}

export function isColourName(word: string): word is ColourName {
  return COLOURS.has(word as ColourName);
}

export function isShapeName(word: string): word is ShapeName {
  return (SHAPE_NAMES as readonly string[]).includes(word);
}

function toRgb(v: number[]): Rgb {
  if (v.length !== 3) throw new Error(`scene-vocab.json: colour ${JSON.stringify(v)} is not RGB`);
  return [v[0], v[1], v[2]];
}
