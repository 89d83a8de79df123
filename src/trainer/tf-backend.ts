import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

let chosen: { name: BackendName; tried: Array<{ name: BackendName; error: string }> } | undefined;

const require = createRequire(import.meta.url);

async function tryBackend(name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    // The optional native binding registers itself on the shared tfjs engine; its
    // install needs libtensorflow (and CUDA), so on most machines it is absent.
    require('@tensorflow/tfjs-node-gpu');
  } else if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
}

/**
 * Picks the best available TensorFlow.js backend: tensorflow (tfjs-node-gpu),
 * then wasm, then cpu. `HYBRIDTUNE_BACKEND` forces one (an error if it cannot load).
 */
export async function initBackend(forced = process.env['HYBRIDTUNE_BACKEND']): Promise<{ name: BackendName; tried: Array<{ name: BackendName; error: string }> }> {
  if (chosen && (!forced || forced === chosen.name)) return chosen;
  const order = forced ? [forced as BackendName] : BACKEND_ORDER;
  if (forced && !BACKEND_ORDER.includes(forced as BackendName)) {
    throw new Error(`HYBRIDTUNE_BACKEND=${forced} is not a backend; use one of ${BACKEND_ORDER.join(', ')}`);
  }
  const tried: Array<{ name: BackendName; error: string }> = [];
  for (const name of order) {
    try {
      await tryBackend(name);
      chosen = { name, tried };
      return chosen;
    } catch (e) {
      tried.push({ name, error: e instanceof Error ? e.message.split('\n')[0]! : String(e) });
    }
  }
  throw new Error(`no TensorFlow.js backend could be loaded: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`);
}

export { tf };
