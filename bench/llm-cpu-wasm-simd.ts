/**
 * Which of llama.cpp's matrix kernels in wllama's WebAssembly use SIMD: for each named kernel, its body size and
 * how many of its bytes are the SIMD opcode prefix (0xFD). Zero means scalar code: that is what makes Q4_0 models
 * slow in wllama 3.13 (docs/performance.md, "CPU engine"). A byte count, not a disassembly: 0xFD can also occur
 * inside an immediate, so only zero (or a large share) is conclusive.
 *
 * Run: `node --import tsx bench/llm-cpu-wasm-simd.ts [file.wasm]` (default: the wasm the app ships).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const KERNELS = [
  'ggml_vec_dot_q4_0_q8_0',
  'ggml_vec_dot_q5_0_q8_0',
  'ggml_vec_dot_q8_0_q8_0',
  'ggml_vec_dot_q4_K_q8_K',
  'ggml_vec_dot_q6_K_q8_K',
  'quantize_row_q8_0',
  'ggml_vec_dot_f16_f32',
];

/** A reader of LEB128 numbers and byte runs over a wasm binary. */
class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at = 0,
  ) {}
  u(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = this.bytes[this.at++] ?? 0;
      result += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) return result;
    }
  }
  name(): string {
    const length = this.u();
    const text = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + length));
    this.at += length;
    return text;
  }
}

/** Per function name: body size and SIMD-prefix bytes, from the code section and the `name` section. */
export function kernelSimdBytes(wasm: Uint8Array, names: readonly string[]) {
  const r = new Reader(wasm, 8);
  let importedFunctions = 0;
  const functionIndex = new Map<string, number>();
  const bodies: { start: number; size: number }[] = [];
  while (r.at < wasm.length) {
    const id = wasm[r.at++];
    const size = r.u();
    const end = r.at + size;
    if (id === 2) importedFunctions = countImportedFunctions(new Reader(wasm, r.at));
    if (id === 10) {
      const code = new Reader(wasm, r.at);
      for (let n = code.u(); n > 0; n--) {
        const bodySize = code.u();
        bodies.push({ start: code.at, size: bodySize });
        code.at += bodySize;
      }
    }
    if (id === 0) {
      const custom = new Reader(wasm, r.at);
      if (custom.name() === 'name') {
        while (custom.at < end) {
          const sub = wasm[custom.at++];
          const subSize = custom.u();
          const subEnd = custom.at + subSize;
          if (sub === 1) {
            for (let n = custom.u(); n > 0; n--) {
              const index = custom.u();
              functionIndex.set(custom.name(), index);
            }
          }
          custom.at = subEnd;
        }
      }
    }
    r.at = end;
  }
  return names.map((name) => {
    const index = functionIndex.get(name);
    const body = index === undefined ? undefined : bodies[index - importedFunctions];
    if (!body) return { kernel: name, found: false };
    const code = wasm.subarray(body.start, body.start + body.size);
    return { kernel: name, body_bytes: body.size, simd_prefix_bytes: code.filter((b) => b === 0xfd).length };
  });
}

/** Imported functions come first in the function index space. */
function countImportedFunctions(r: Reader): number {
  let functions = 0;
  for (let n = r.u(); n > 0; n--) {
    r.name();
    r.name();
    const kind = r.bytes[r.at++];
    if (kind === 0) {
      r.u();
      functions++;
    } else if (kind === 1 || kind === 2) {
      // A table (its element type, then limits) or a memory (limits): flags, minimum, maximum if flagged.
      if (kind === 1) r.at++;
      const flags = r.u();
      r.u();
      if (flags & 1) r.u();
    } else if (kind === 3) r.at += 2;
    else if (kind === 4) {
      r.at++;
      r.u();
    }
  }
  return functions;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file =
    process.argv[2] ??
    fileURLToPath(new URL('../node_modules/@wllama/wllama/esm/wasm/wllama.wasm', import.meta.url));
  for (const line of kernelSimdBytes(readFileSync(file), KERNELS)) {
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}
