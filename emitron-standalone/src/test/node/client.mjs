// The README's Node.js example, made checkable: subscribes with the `eventsource` package and prints
// one line per thing that happens, so that EventSourceClientIT can follow it.
//
//   node client.mjs <subscribe-url> [count]
//
// Prints `open` each time the stream (re)connects, `message <lastEventId> <data>` for each message,
// `gap <data>` for an emitron.gap event and `error` when the connection drops (the package then
// reconnects by itself, sending Last-Event-ID when it has one). Exits 0 after <count> messages.
import { EventSource } from 'eventsource';

const [url, countArg] = process.argv.slice(2);
if (!url) {
  console.error('usage: node client.mjs <subscribe-url> [count]');
  process.exit(2);
}
const count = countArg === undefined ? Infinity : Number(countArg);
let received = 0;

const es = new EventSource(url);

es.addEventListener('open', () => console.log('open'));

es.addEventListener('message', (event) => {
  // event.data is the published "data" value as JSON; event.lastEventId is the message id.
  const data = JSON.parse(event.data);
  console.log(`message ${event.lastEventId} ${JSON.stringify(data)}`);
  received++;
  if (received >= count) {
    es.close();
  }
});

// Sent at stream start when a resume could not be gapless: some messages were missed.
es.addEventListener('emitron.gap', (event) => console.log(`gap ${event.data}`));

es.addEventListener('error', () => console.log('error'));
