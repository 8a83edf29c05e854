// The browser and bundler entry: the codec over the wasm core. Call `await init()` once
// before anything else (it fetches wsframe_wasm_bg.wasm next to this file), or
// `initSync({ module })` with compiled bytes.
import init, { initSync } from './wsframe_wasm.js';

export * from './codec.js';
export { init, initSync };
export default init;
