import type { IndexCodec } from 'vectra';
import { ProtobufCodec } from './vectra.js';

type IndexData = ReturnType<IndexCodec['deserializeIndex']>;

/** First bytes of the binary format (an index written by Vectra's protobuf codec never starts so). */
const MAGIC = Buffer.from('PBVEC01\n');

/**
 * Vectra's index file as metadata JSON plus one block of float32 vectors, loaded as Float32Array
 * views over a single buffer. Vectra's protobuf codec decodes every vector into a number[] first: at
 * a year of papers (18k × 384) that transient peak raised `paperbot start` to ~650 MB resident before
 * a single question; here the vectors are one 28 MB copy. Files written by the protobuf codec (earlier
 * releases) are still read, and rewritten in this format on the next save.
 *
 * Layout: MAGIC, uint32 LE header length, header JSON ({ dim, count, rest of the index, items without
 * vectors }), zero padding to a multiple of 4, then count × dim float32 LE.
 */
export class CompactCodec implements IndexCodec {
  private readonly inner = new ProtobufCodec();
  readonly extension = this.inner.extension;

  serializeIndex(data: IndexData): Buffer {
    const dim = data.items[0]?.vector.length ?? 0;
    const vectors = new Float32Array(data.items.length * dim);
    const items = data.items.map(({ vector, ...rest }, i) => {
      if (vector.length !== dim) throw new Error(`vector ${i} has ${vector.length} dimensions, expected ${dim}`);
      vectors.set(vector, i * dim);
      return rest;
    });
    const header = Buffer.from(JSON.stringify({ ...data, dim, count: items.length, items }));
    const start = align4(MAGIC.length + 4 + header.length);
    const out = Buffer.alloc(start + vectors.byteLength);
    MAGIC.copy(out, 0);
    out.writeUInt32LE(header.length, MAGIC.length);
    header.copy(out, MAGIC.length + 4);
    Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength).copy(out, start);
    return out;
  }

  deserializeIndex(buffer: Buffer): IndexData {
    if (buffer.length < MAGIC.length || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) {
      // An index written by an earlier release (protobuf): vectors as Float32Array all the same.
      const data = this.inner.deserializeIndex(buffer);
      for (const item of data.items) item.vector = Float32Array.from(item.vector) as unknown as number[];
      return data;
    }
    const headerLength = buffer.readUInt32LE(MAGIC.length);
    const header = JSON.parse(buffer.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength).toString('utf8')) as IndexData & {
      dim: number;
      count: number;
    };
    const { dim, count, ...rest } = header;
    const start = align4(MAGIC.length + 4 + headerLength);
    if (buffer.length !== start + count * dim * 4 || rest.items.length !== count)
      throw new Error(`index file is truncated or corrupt (${buffer.length} bytes for ${count} vectors of ${dim})`);
    // One aligned copy of the whole block; each item's vector is a view into it.
    const all = new Float32Array(count * dim);
    Buffer.from(all.buffer).set(buffer.subarray(start));
    for (const [i, item] of rest.items.entries()) item.vector = all.subarray(i * dim, (i + 1) * dim) as unknown as number[];
    return rest;
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

const align4 = (n: number) => Math.ceil(n / 4) * 4;
