/**
 * Writes docs/configuration.md from the cluster spec schema itself (zod → JSON Schema), so the
 * reference cannot drift from what the validator accepts. `--check` fails when the file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { clusterSpecSchema } from '../src/config/schema';

type Node = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
  anyOf?: Node[];
  oneOf?: Node[];
  additionalProperties?: Node | boolean;
};

const target = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
const schema = z.toJSONSchema(clusterSpecSchema, { io: 'input', unrepresentable: 'any' }) as Node;

function typeOf(node: Node): string {
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.enum) return node.enum.map((v) => `\`${v}\``).join(' \\| ');
  const variants = node.anyOf ?? node.oneOf;
  if (variants) return [...new Set(variants.map(typeOf))].join(' or ');
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'values'}`;
  if (node.type === 'object' && node.properties && 'fromEnv' in node.properties) return 'secret reference';
  if (node.type === 'object' && !node.properties && typeof node.additionalProperties === 'object')
    return 'map';
  return Array.isArray(node.type) ? node.type.join(' or ') : (node.type ?? 'any');
}

function constraints(node: Node): string {
  const parts: string[] = [];
  if (node.minimum !== undefined) parts.push(`≥ ${node.minimum}`);
  if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER) parts.push(`≤ ${node.maximum}`);
  if (node.minItems) parts.push(`at least ${node.minItems}`);
  if (node.minLength && node.minLength > 1) parts.push(`at least ${node.minLength} characters`);
  if (node.maxLength) parts.push(`at most ${node.maxLength} characters`);
  if (node.format) parts.push(node.format);
  if (node.pattern) parts.push(`matches \`${node.pattern.replace(/\|/g, '\\|')}\``);
  return parts.join(', ');
}

function rows(node: Node, path: string, required: boolean, out: string[], printSelf = true): void {
  const variants = node.anyOf ?? node.oneOf;
  if (printSelf && path) {
    const def = node.default === undefined ? '' : `\`${JSON.stringify(node.default)}\``;
    const notes = [node.description, constraints(node)].filter(Boolean).join('; ');
    out.push(
      `| \`${path}\` | ${typeOf(node)} | ${required && node.default === undefined ? 'yes' : ''} | ${def} | ${notes} |`,
    );
  }
  if (typeOf(node) === 'secret reference') return;
  if (node.type === 'object' && node.properties) {
    for (const [key, child] of Object.entries(node.properties)) {
      rows(child, path ? `${path}.${key}` : key, node.required?.includes(key) ?? false, out);
    }
  } else if (node.type === 'array' && node.items) {
    // The list's row says what it holds; its items' fields follow under `path[]`.
    rows(node.items, `${path}[]`, true, out, false);
  } else if (variants?.some((v) => v.properties && !('fromEnv' in v.properties))) {
    for (const variant of variants) {
      const kind = (variant.properties?.type as Node | undefined)?.const;
      for (const [key, child] of Object.entries(variant.properties ?? {})) {
        if (key !== 'type')
          rows(
            child,
            `${path}${kind ? `(type: ${kind})` : ''}.${key}`,
            variant.required?.includes(key) ?? false,
            out,
          );
      }
    }
  }
}

const out: string[] = [
  '# Configuration reference',
  '',
  'Generated from the cluster spec schema (`src/config/schema.ts`) by `npx tsx scripts/config-reference.ts`;',
  'a test fails when it is stale. One entry of `clusters:` in a clusters file, or the `spec` of a runbook',
  'input. Durations take `500ms`, `30s`, `5m`, `1h30m` or milliseconds; secret references are',
  '`{fromEnv: NAME}` or `{fromFile: /path}`; unknown fields are errors.',
  '',
  '| field | type | required | default | notes |',
  '| --- | --- | --- | --- | --- |',
];
rows(schema, '', true, out);
const text = `${out.join('\n')}\n`;

if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    console.error('docs/configuration.md is stale: run npx tsx scripts/config-reference.ts');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target} (${out.length - 9} fields)`);
}
