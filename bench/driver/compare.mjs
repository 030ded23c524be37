// Side by side: the same benchmark with the coherent caches on and off (bench/run.sh --caching both).
//
//   node driver/compare.mjs caching-on/results.json caching-off/results.json > caching-comparison.md
import { readFileSync } from 'node:fs'

const [onPath, offPath] = process.argv.slice(2)
if (!onPath || !offPath) {
  console.error('usage: compare.mjs ON.json OFF.json')
  process.exit(2)
}

const lastRound = path => {
  const results = JSON.parse(readFileSync(path, 'utf8'))
  const round = results.rounds.at(-1)
  return { results, scenarios: new Map(round.scenarios.map(s => [s.name, s])) }
}
const on = lastRound(onPath)
const off = lastRound(offPath)

const number = value => (value == null ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: 1 }))
const rate = s => (s ? `${number(s.rate)} ${s.unit}` : '–')
const p99 = s => (s?.latencyMs ? `${number(s.latencyMs.p99)} ms` : '–')
const ratio = (a, b) => (a?.rate && b?.rate ? `${(a.rate / b.rate).toFixed(2)}×` : '–')
const errors = s => s?.errors?.total ?? 0

const lines = [
  '# Caching on vs off',
  '',
  `Same machine, same settings, last round of each run: on ${on.results.startedAt}, off ${off.results.startedAt}.`,
  'The caches change only speed; every scenario checks its answers (body mismatches count as errors).',
  '',
  '| scenario | caching on | p99 on | caching off | p99 off | on / off | errors on / off |',
  '|---|---|---|---|---|---|---|'
]
for (const name of new Set([...on.scenarios.keys(), ...off.scenarios.keys()])) {
  const a = on.scenarios.get(name)
  const b = off.scenarios.get(name)
  lines.push(`| ${name} | ${rate(a)} | ${p99(a)} | ${rate(b)} | ${p99(b)} | ${ratio(a, b)} | ${errors(a)} / ${errors(b)} |`)
}
console.log(lines.join('\n'))
