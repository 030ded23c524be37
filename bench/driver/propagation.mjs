// Where a link event's time goes, from the databases' own timestamps (same clock, one machine):
//   relay     = outbox published_at − occurred_at (link transaction, NOTIFY, relay, XADD)
//   consumer  = Cart.Api inbox processed_at − published_at (nudge, XREADGROUP, handler start)
// Reads two CSV files (psql -A -F, output) and prints one JSON object.
//
//   node driver/propagation.mjs outbox.csv inbox.csv
//   outbox.csv: event_id,occurred_ms,published_ms     inbox.csv: event_id,processed_ms
import { readFileSync } from 'node:fs'
import { Histogram } from './stats.mjs'

const rows = path => readFileSync(path, 'utf8').split('\n').filter(Boolean).map(line => line.split(','))
const processed = new Map(rows(process.argv[3]).map(([id, at]) => [id, Number(at)]))

const relay = new Histogram()
const consumer = new Histogram()
const total = new Histogram()
for (const [id, occurred, published] of rows(process.argv[2])) {
  const handled = processed.get(id)
  if (!published || handled === undefined) continue
  relay.record(Number(published) - Number(occurred))
  consumer.record(handled - Number(published))
  total.record(handled - Number(occurred))
}
console.log(JSON.stringify({
  events: total.count,
  relayMs: relay.summary(),
  consumerMs: consumer.summary(),
  occurredToHandledMs: total.summary()
}))
