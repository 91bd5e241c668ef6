import fs from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Words of the tiny model's vocabulary (after the special tokens). */
const WORDS = [
  'dataset',
  'distillation',
  'image',
  'images',
  'model',
  'models',
  'vision',
  'transformer',
  'scaling',
  'memory',
  'bread',
  'sourdough',
  'the',
  'of',
  'a',
  'and',
  'learning',
  'network',
  '##s',
  '##ing',
];
const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
export const TINY_HIDDEN = 8;

/** Deterministic pseudo-random numbers, so the tiny model is the same on every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const int64Input = (name: string) =>
  onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'seq' }] } } },
  });

/**
 * Writes a tiny BERT-shaped ONNX model + WordPiece tokenizer that @xenova/transformers loads as a
 * feature-extraction pipeline: inputs input_ids / attention_mask / token_type_ids, output
 * last_hidden_state = (word embedding + token-type embedding) × mask. Returns the model folder.
 */
export function writeTinyBert(modelsDir: string, modelId = 'test/tiny-bert'): string {
  const dir = path.join(modelsDir, modelId);
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  const vocab = [...SPECIAL, ...WORDS];
  const rand = rng(42);
  const wordEmb = Array.from({ length: vocab.length * TINY_HIDDEN }, rand);
  const typeEmb = Array.from({ length: 2 * TINY_HIDDEN }, () => rand() * 0.1);
  const floatTensor = (name: string, dims: number[], data: number[]) =>
    onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: data });

  const graph = onnx.GraphProto.create({
    name: 'tiny-bert',
    input: [int64Input('input_ids'), int64Input('attention_mask'), int64Input('token_type_ids')],
    output: [
      onnx.ValueInfoProto.create({
        name: 'last_hidden_state',
        type: {
          tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'seq' }, { dimValue: TINY_HIDDEN }] } },
        },
      }),
    ],
    initializer: [
      floatTensor('word_embeddings', [vocab.length, TINY_HIDDEN], wordEmb),
      floatTensor('type_embeddings', [2, TINY_HIDDEN], typeEmb),
      onnx.TensorProto.create({ name: 'last_axis', dims: [1], dataType: onnx.TensorProto.DataType.INT64, int64Data: [-1] }),
    ],
    node: [
      onnx.NodeProto.create({ opType: 'Gather', input: ['word_embeddings', 'input_ids'], output: ['words'] }),
      onnx.NodeProto.create({ opType: 'Gather', input: ['type_embeddings', 'token_type_ids'], output: ['types'] }),
      onnx.NodeProto.create({ opType: 'Add', input: ['words', 'types'], output: ['summed'] }),
      onnx.NodeProto.create({
        opType: 'Cast',
        input: ['attention_mask'],
        output: ['mask_f'],
        attribute: [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.FLOAT })],
      }),
      onnx.NodeProto.create({ opType: 'Unsqueeze', input: ['mask_f', 'last_axis'], output: ['mask_3d'] }),
      onnx.NodeProto.create({ opType: 'Mul', input: ['summed', 'mask_3d'], output: ['last_hidden_state'] }),
    ],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, producerName: 'paperbot-tests', opsetImport: [{ domain: '', version: 13 }], graph });
  const bytes = onnx.ModelProto.encode(model).finish();
  fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), bytes);
  fs.writeFileSync(path.join(dir, 'onnx', 'model_quantized.onnx'), bytes);

  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: TINY_HIDDEN, vocab_size: vocab.length }));
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 64,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    }),
  );
  const id = (t: string) => vocab.indexOf(t);
  fs.writeFileSync(
    path.join(dir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: SPECIAL.map((content, i) => ({ id: i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
        pair: [
          { SpecialToken: { id: '[CLS]', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '[SEP]', type_id: 0 } },
          { Sequence: { id: 'B', type_id: 1 } },
          { SpecialToken: { id: '[SEP]', type_id: 1 } },
        ],
        special_tokens: {
          '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
          '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
        },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: {
        type: 'WordPiece',
        unk_token: '[UNK]',
        continuing_subword_prefix: '##',
        max_input_chars_per_word: 100,
        vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
      },
    }),
  );
  return dir;
}
