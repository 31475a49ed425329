/** Measuring what the shipped shapes model draws: a pixel scene reader and a prompt-match run. */
export {
  readScene,
  SCENE_COLOURS,
  SCENE_SHAPES,
  SCENE_SIZES,
  SCENE_POSITIONS,
  SCENE_PALETTE,
  type ScenePixels,
  type SceneReading,
  type SceneColour,
  type SceneShape,
  type SceneSize,
  type ScenePosition,
} from './scene-reader.js';
export {
  measurePromptMatch,
  scenePrompts,
  scenePromptText,
  matchScene,
  decodePng,
  type ScenePrompt,
  type SceneMatch,
  type PromptMatchOptions,
  type PromptMatchRow,
  type PromptMatchReport,
} from './prompt-match.js';
