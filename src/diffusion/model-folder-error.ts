/** A model folder the engine cannot use: the message names what was found and what is expected. */
export class ModelFolderError extends Error {
  override name = 'ModelFolderError';
}
