import { describe, expect, it } from 'vitest';
import { CompactCodec } from '../src/retrieval/vectors/compact-codec.js';
import { ProtobufCodec } from '../src/retrieval/vectors/vectra.js';

const index = (n: number, dim: number) => ({
  version: 1,
  metadata_config: {},
  items: Array.from({ length: n }, (_, i) => ({
    id: `p${i}#0`,
    metadata: { paperId: `p${i}`, n: 0, hash: `h${i}` },
    vector: Array.from({ length: dim }, (_, d) => Math.fround(Math.sin(i * 31 + d))),
    norm: 1,
  })),
});

describe('CompactCodec (vectors as one float32 block)', () => {
  it('round-trips metadata exactly and vectors as Float32Array views of one buffer', () => {
    const codec = new CompactCodec();
    const data = index(50, 384);
    const back = codec.deserializeIndex(codec.serializeIndex(data as never));
    expect(back.items).toHaveLength(50);
    back.items.forEach((item, i) => {
      expect(item.vector).toBeInstanceOf(Float32Array);
      expect(Array.from(item.vector)).toEqual(data.items[i]!.vector);
      expect({ ...item, vector: undefined }).toEqual({ ...data.items[i], vector: undefined });
    });
    expect((back.items[0]!.vector as unknown as Float32Array).buffer).toBe((back.items[49]!.vector as unknown as Float32Array).buffer);
  });

  it('still reads an index written by the protobuf codec of earlier releases', () => {
    const old = new ProtobufCodec().serializeIndex(index(3, 8) as never);
    const back = new CompactCodec().deserializeIndex(old);
    expect(back.items.map((i) => i.metadata.paperId)).toEqual(['p0', 'p1', 'p2']);
    expect(back.items[2]!.vector).toBeInstanceOf(Float32Array);
    expect(Array.from(back.items[2]!.vector)).toEqual(index(3, 8).items[2]!.vector);
  });

  it('rejects a truncated file instead of loading wrong vectors', () => {
    const codec = new CompactCodec();
    const buf = codec.serializeIndex(index(10, 16) as never);
    expect(() => codec.deserializeIndex(buf.subarray(0, buf.length - 4))).toThrow(/truncated or corrupt/);
  });

  it('refuses to mix vector sizes in one index', () => {
    const data = index(2, 4);
    data.items[1]!.vector = [1, 2, 3];
    expect(() => new CompactCodec().serializeIndex(data as never)).toThrow(/vector 1 has 3 dimensions, expected 4/);
  });

  it('handles an empty index', () => {
    const codec = new CompactCodec();
    expect(codec.deserializeIndex(codec.serializeIndex({ version: 1, metadata_config: {}, items: [] } as never)).items).toEqual([]);
  });
});
