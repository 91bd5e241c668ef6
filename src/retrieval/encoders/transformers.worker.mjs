// Worker thread for TransformersEmbeddings: its own one-thread onnxruntime session (two one-thread
// sessions beat one two-thread session on 2 cores), embedding the document batches it is sent.
// Workers do not inherit tsx's loader hooks, so this plain module registers tsx before loading the
// TypeScript encoder.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { BertOnnx } = await import('./bert-onnx.ts');
const encoder = BertOnnx.load({ ...workerData, threads: 1 });
encoder.catch(() => {}); // reported per message below

parentPort.on('message', async ({ texts }) => {
  try {
    const vectors = await (await encoder).embed(texts, 'document');
    parentPort.postMessage(
      { vectors },
      vectors.map((v) => v.buffer),
    );
  } catch (err) {
    parentPort.postMessage({ error: String(err?.stack ?? err) });
  }
});
