import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Vectra from 'vectra';

/**
 * The three Vectra modules paperbot uses: LocalIndex, LocalFileStorage and ProtobufCodec.
 * Vectra's package entry also loads its HTTP server, web fetchers and the OpenAI client, which cost
 * ~60 MB of resident memory for nothing here, so the modules are loaded from their own files
 * (falling back to the package entry if its layout ever changes).
 */
function loadVectra(): Pick<typeof Vectra, 'LocalIndex' | 'LocalFileStorage' | 'ProtobufCodec'> {
  const require = createRequire(import.meta.url);
  try {
    const lib = path.dirname(require.resolve('vectra'));
    return {
      LocalIndex: (require(path.join(lib, 'LocalIndex.js')) as typeof Vectra).LocalIndex,
      LocalFileStorage: (require(path.join(lib, 'storage', 'LocalFileStorage.js')) as typeof Vectra).LocalFileStorage,
      ProtobufCodec: (require(path.join(lib, 'codecs', 'ProtobufCodec.js')) as typeof Vectra).ProtobufCodec,
    };
  } catch {
    return require('vectra') as typeof Vectra;
  }
}

export const { LocalIndex, LocalFileStorage, ProtobufCodec } = loadVectra();
export type { MetadataFilter } from 'vectra';
export type LocalIndex<T extends Record<string, Vectra.MetadataTypes> = Record<string, Vectra.MetadataTypes>> = Vectra.LocalIndex<T>;
