// The layer map of docs/architecture.md as an ESLint rule: every relative import of a file under src/<layer>/ must
// land in a layer that <layer> may import, and some layers may not import some packages (IndexedDB, LLM engines,
// Node built-ins). The map is the rule's `layers` option (set in eslint.config.js); `npm test` lints, so a
// sideways or upward import fails the build. Test files are linted with the rest but the config exempts them.
import path from 'node:path';

/** The layer of an absolute path: the first folder under `src/`, or undefined outside a layer. */
function layerOf(file, srcDir) {
  const rel = path.relative(srcDir, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const parts = rel.split(path.sep);
  return parts.length > 1 ? parts[0] : undefined;
}

/** The path of `file` below `src/<layer>/`, without extension (`eval/loaders/locomo-format`). */
function modulePath(file, srcDir) {
  return path
    .relative(srcDir, file)
    .split(path.sep)
    .join('/')
    .replace(/\.(ts|js)$/, '');
}

/** A package specifier matches a forbidden entry exactly, below it (`pkg/sub`), or by prefix ending in `:`/`*`. */
function packageMatches(spec, entry) {
  if (entry.endsWith('*')) return spec.startsWith(entry.slice(0, -1));
  return spec === entry || spec.startsWith(`${entry}/`);
}

export default {
  meta: {
    type: 'problem',
    docs: {
      description: 'Imports follow the layer map in docs/architecture.md (dependencies point downwards).',
    },
    schema: [
      {
        type: 'object',
        properties: {
          srcDir: { type: 'string' },
          layers: { type: 'object' },
          packages: { type: 'object' },
          only: { type: 'object' },
          neutral: { type: 'array', items: { type: 'string' } },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      layer:
        "src/{{from}} may not import src/{{to}} ('{{spec}}'): {{from}} may import only {{allowed}}. Move the shared " +
        'piece down to a layer both may import (see docs/architecture.md, "Layers").',
      only:
        "src/{{from}} may import from src/{{to}} only {{allowed}} (runtime-neutral modules), not '{{spec}}' " +
        '(see docs/architecture.md, "Layers").',
      neutral:
        "{{file}} is runtime-neutral (a worker runs it), so it may not import '{{spec}}': keep Node-only code out of " +
        'it (see docs/architecture.md, "Layers").',
      package: 'src/{{from}} may not import \'{{spec}}\': {{why}} (see docs/architecture.md, "Layers").',
    },
  },
  create(context) {
    const opts = context.options[0] ?? {};
    const srcDir = path.resolve(context.cwd, opts.srcDir ?? 'src');
    const layers = opts.layers ?? {};
    const packages = opts.packages ?? {};
    const only = opts.only ?? {};
    const file = context.filename;
    const from = layerOf(file, srcDir);
    if (!from || !(from in layers)) return {};
    const self = modulePath(file, srcDir);
    const neutral = opts.neutral ?? [];
    const isNeutral = neutral.includes(self);

    function check(node, spec) {
      if (typeof spec !== 'string') return;
      if (!spec.startsWith('.')) {
        if (isNeutral && spec.startsWith('node:')) {
          context.report({ node, messageId: 'neutral', data: { file: self, spec } });
        }
        for (const [entry, why] of Object.entries(packages[from] ?? {})) {
          if (packageMatches(spec, entry))
            context.report({ node, messageId: 'package', data: { from, spec, why } });
        }
        return;
      }
      const target = path.resolve(path.dirname(file), spec);
      const to = layerOf(target, srcDir);
      if (isNeutral && (to === 'node' || (to === from && !neutral.includes(modulePath(target, srcDir))))) {
        context.report({ node, messageId: 'neutral', data: { file: self, spec } });
      }
      if (!to || to === from) return;
      const allowed = layers[from];
      if (!allowed.includes(to)) {
        context.report({ node, messageId: 'layer', data: { from, to, spec, allowed: allowed.join(', ') } });
        return;
      }
      const list = only[from]?.[to];
      if (list && !list.includes(modulePath(target, srcDir).slice(to.length + 1))) {
        context.report({ node, messageId: 'only', data: { from, to, spec, allowed: list.join(', ') } });
      }
    }

    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};
