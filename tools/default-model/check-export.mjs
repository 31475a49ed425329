// Compares an exported shapes-v1 folder, run by onnxruntime-node and @huggingface/tokenizers,
// with the PyTorch reference that export.py left in --ref-dir. Exits 1 on any mismatch.
//   node tools/default-model/check-export.mjs models/shapes-v1 /tmp/diffscope-export-ref
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';

const [modelDir = 'models/shapes-v1', refDir = '/tmp/diffscope-export-ref'] = process.argv.slice(2);
const ref = JSON.parse(readFileSync(join(refDir, 'ref.json'), 'utf8'));
const f32 = (name) => {
  const b = readFileSync(join(refDir, `${name}.f32`));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
let failed = false;
const check = (what, ok, detail) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what} ${detail ?? ''}`);
  if (!ok) failed = true;
};

// Tokenizer: tokenizers.js has no padding/truncation, so callers pad to model_max_length themselves.
const tokJson = JSON.parse(readFileSync(join(modelDir, 'tokenizer', 'tokenizer.json'), 'utf8'));
const tokCfg = JSON.parse(readFileSync(join(modelDir, 'tokenizer', 'tokenizer_config.json'), 'utf8'));
const tokenizer = new Tokenizer(tokJson, tokCfg);
const maxLen = tokCfg.model_max_length;
const padId = tokenizer.token_to_id(tokCfg.pad_token);
for (const [prompt, want] of Object.entries(ref.tokenize)) {
  const ids = tokenizer.encode(prompt, { add_special_tokens: true }).ids.slice(0, maxLen);
  while (ids.length < maxLen) ids.push(padId);
  check(
    `tokenize ${JSON.stringify(prompt)}`,
    JSON.stringify(ids) === JSON.stringify(want),
    `${JSON.stringify(ids)} vs ${JSON.stringify(want)}`,
  );
}

const te = await ort.InferenceSession.create(join(modelDir, 'text_encoder', 'model.onnx'));
const unet = await ort.InferenceSession.create(join(modelDir, 'unet', 'model.onnx'));
check(
  'text_encoder io',
  te.inputNames.join() === 'input_ids' && te.outputNames.join() === 'last_hidden_state',
  `${te.inputNames} -> ${te.outputNames}`,
);
check(
  'unet io',
  unet.inputNames.join() === 'sample,timestep,encoder_hidden_states' && unet.outputNames.join() === 'out_sample',
  `${unet.inputNames} -> ${unet.outputNames}`,
);
const ids = ref.input_ids.flat();
const teOut = await te.run({
  input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [ref.input_ids.length, ids.length / ref.input_ids.length]),
});
const hidden = teOut.last_hidden_state;
const dTe = maxDiff(hidden.data, f32('last_hidden_state'));
check('text_encoder vs pytorch', dTe < 1e-4, `max |diff| ${dTe.toExponential(2)} dims ${hidden.dims}`);
const unOut = await unet.run({
  sample: new ort.Tensor('float32', f32('sample'), ref.sample_shape),
  timestep: new ort.Tensor('int64', BigInt64Array.from(ref.timestep.map(BigInt)), [ref.timestep.length]),
  encoder_hidden_states: new ort.Tensor('float32', f32('last_hidden_state'), ref.last_hidden_state_shape),
});
const dUn = maxDiff(unOut.out_sample.data, f32('out_sample'));
check('unet vs pytorch', dUn < 1e-4, `max |diff| ${dUn.toExponential(2)} dims ${unOut.out_sample.dims}`);
// Dynamic batch: one row alone must give the same numbers as inside the batch of two.
const one = await unet.run({
  sample: new ort.Tensor('float32', f32('sample').slice(0, 3 * 32 * 32), [1, 3, 32, 32]),
  timestep: new ort.Tensor('int64', BigInt64Array.from([BigInt(ref.timestep[0])]), [1]),
  encoder_hidden_states: new ort.Tensor('float32', f32('last_hidden_state').slice(0, hidden.dims[1] * hidden.dims[2]), [
    1,
    hidden.dims[1],
    hidden.dims[2],
  ]),
});
const dOne = maxDiff(one.out_sample.data, f32('out_sample').slice(0, 3 * 32 * 32));
check('unet batch 1', dOne < 1e-4, `max |diff| ${dOne.toExponential(2)}`);
process.exit(failed ? 1 : 0);
