/**
 * `memory-r1-web/standalone`: one self-contained ES module for `<script type="module" src="…/standalone.js">` with
 * no bundler and no import map. It registers the elements and exports the headless API; the memory worker, its
 * chunks and ONNX Runtime's wasm are files next to it, found relative to its own URL.
 */
import './element';

export * from './index';
export { MemoryR1Chat, MemoryR1Memories } from './element';
