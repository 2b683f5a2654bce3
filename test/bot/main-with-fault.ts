// Child process of fatal-failure.test.ts: `npm start` (src/main.ts, unchanged), plus a way for the
// test to leave a promise rejection unhandled inside it, as a bug would: a line "reject" on stdin.
import '../../src/main.ts';

process.stdin.setEncoding('utf8');
process.stdin.on('data', (line: string) => {
  if (!line.includes('reject')) return;
  // The message quotes the bot token and an interaction's webhook path: the log must quote neither.
  const webhook = `/webhooks/${process.env.DISCORD_CLIENT_ID}/${'x'.repeat(60)}/messages/@original`;
  void Promise.reject(new Error(`a bug nobody caught, writing to ${webhook} as ${process.env.DISCORD_TOKEN}`));
});
