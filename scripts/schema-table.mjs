// Renders the project file's JSON Schema as the README's reference table (between the markers).
// `node scripts/schema-table.mjs --write` updates README.md; without it, exits 1 when README.md is stale.
import { readFileSync, writeFileSync } from 'node:fs';

const schema = JSON.parse(readFileSync('schemas/celery-routing.schema.json', 'utf8'));
const typeOf = (s) => {
  if (s.$ref) return typeOf(s.$ref.replace('#/', '').split('/').reduce((o, k) => o[k], schema));
  if (s.enum) return s.enum.map((e) => `\`${e}\``).join(' \\| ');
  if (s.type === 'array') return `array of ${typeOf(s.items ?? {})}`;
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') return `object of ${typeOf(s.additionalProperties)}`;
  return s.type ?? 'any';
};
const rows = [];
const walk = (props, prefix) => {
  for (const [k, s] of Object.entries(props)) {
    if (k === '$schema') continue;
    const target = s.$ref ? s.$ref.replace('#/', '').split('/').reduce((o, x) => o[x], schema) : s;
    rows.push(`| \`${prefix}${k}\` | ${typeOf(s)} | ${(target.description ?? s.description ?? '').replace(/\|/g, '\\|')} |`);
    if (target.type === 'object' && target.properties) walk(target.properties, `${prefix}${k}.`);
    if (target.type === 'array' && target.items?.properties) walk(target.items.properties, `${prefix}${k}[].`);
  }
};
walk(schema.properties, '');
const table = ['| key | type | meaning |', '| --- | --- | --- |', ...rows].join('\n');
const readme = readFileSync('README.md', 'utf8');
const re = /(<!-- schema-table:start -->)[\s\S]*?(<!-- schema-table:end -->)/;
if (!re.test(readme)) { console.error('README.md has no schema-table markers'); process.exit(1); }
const next = readme.replace(re, `$1\n${table}\n$2`);
if (process.argv.includes('--write')) { writeFileSync('README.md', next); console.log('README.md: project file table updated'); }
else if (next !== readme) { console.error('README.md project file table is stale: run node scripts/schema-table.mjs --write'); process.exit(1); }
else console.log('README.md project file table is current');
