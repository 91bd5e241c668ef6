import type { IndexCodec } from 'vectra';
import { ProtobufCodec } from './vectra.js';

type IndexData = ReturnType<IndexCodec['deserializeIndex']>;

/**
 * Vectra's protobuf codec, holding loaded vectors as Float32Array instead of number[]: half the
 * memory (a year of papers is ~18k vectors of 512 floats), and Vectra's cosine loop reads them the
 * same way. Protobuf wants plain arrays, so saving converts on the way out.
 */
export class CompactCodec implements IndexCodec {
  private readonly inner = new ProtobufCodec();
  readonly extension = this.inner.extension;

  serializeIndex(data: IndexData): Buffer {
    return this.inner.serializeIndex({ ...data, items: data.items.map((i) => (Array.isArray(i.vector) ? i : { ...i, vector: Array.from(i.vector) })) });
  }

  deserializeIndex(buffer: Buffer): IndexData {
    const data = this.inner.deserializeIndex(buffer);
    for (const item of data.items) item.vector = Float32Array.from(item.vector) as unknown as number[];
    return data;
  }

  serializeCatalog(c: Parameters<IndexCodec['serializeCatalog']>[0]): Buffer {
    return this.inner.serializeCatalog(c);
  }
  deserializeCatalog(b: Buffer) {
    return this.inner.deserializeCatalog(b);
  }
  serializeMetadata(m: Parameters<IndexCodec['serializeMetadata']>[0]): Buffer {
    return this.inner.serializeMetadata(m);
  }
  deserializeMetadata(b: Buffer) {
    return this.inner.deserializeMetadata(b);
  }
}
